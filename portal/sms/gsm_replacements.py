"""GSM 03.38 look-alikes for characters that would turn a message into UCS-2.

SMSAPI's `normalize=1` ("Zastąp polskie znaki") strips diacritics but publishes no table, so this
table is ours: explicit entries for what Unicode decomposition gets wrong or does not cover
(typographic punctuation, spaces, invisible and control characters, letters such as ł that have no
decomposition), and NFKD decomposition for the rest (á → a, ½ → 1/2, full-width letters).

This module only proposes candidates; `portal.sms.segments` keeps the first one that is GSM, so
a character that is already GSM (é, ø, Ç) is never replaced and no replacement leaves UCS-2 behind.
Emoji and their components (ZWJ, variation selectors, skin tones) have no entry: removing them
would change what the recipient sees without making the message GSM.
"""

import unicodedata
from collections.abc import Iterable

_PUNCTUATION = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02b9\u02bc\u00b4\u0060", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u02ba\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u2022\u2023\u2043\u2219\u25e6", "-"),
    "\u2039": "<",
    "\u203a": ">",
    "\u2026": "...",
    "\u2044": "/",
    "\u2215": "/",
}

# Letters that NFKD does not decompose into a base letter.
_LETTERS = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H",
    "ı": "i", "ŀ": "l", "Ŀ": "L", "ŧ": "t", "Ŧ": "T", "þ": "th", "Þ": "Th", "œ": "oe",
    "Œ": "OE", "ŋ": "n", "Ŋ": "N", "ƒ": "f", "ẞ": "SS",
}  # fmt: skip

# A tab becomes one space: handsets have no tab stops, and wider padding costs septets.
_SPACES = dict.fromkeys(
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
    " ",
)

# Word writes a manual line break as VT; U+2028/U+2029/NEL are line breaks by definition.
_LINE_BREAKS = dict.fromkeys("\u000b\u0085\u2028\u2029", "\n")

# Invisible formatting characters pasted from word processors and web pages.
_INVISIBLE = dict.fromkeys(
    "\u00ad\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff",
    "",
)


def _code_points(*ranges: tuple[int, int]) -> Iterable[str]:
    return (chr(code) for first, last in ranges for code in range(first, last + 1))


# C0 controls that are not in the GSM table (LF and FF are, CR is normalised to LF), DEL and the
# C1 controls: ESC in particular must not reach the handset as a bare escape septet.
_CONTROLS = dict.fromkeys(_code_points((0x00, 0x08), (0x0E, 0x1F), (0x7F, 0x84), (0x86, 0x9F)), "")

# Diacritics left over after NFC (a letter with no precomposed form, such as q + U+0301). Only the
# blocks used by Latin, Greek and Cyrillic: marks of other scripts and of emoji (keycaps, variation
# selectors) are part of their letters and stay.
_DIACRITICS = {
    char: ""
    for char in _code_points((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0xFE20, 0xFE2F))
    if unicodedata.category(char) == "Mn"
}

EXPLICIT: dict[str, str] = {
    **_PUNCTUATION,
    **_LETTERS,
    **_SPACES,
    **_LINE_BREAKS,
    **_INVISIBLE,
    **_CONTROLS,
    **_DIACRITICS,
}
_EXPLICIT_TABLE = str.maketrans(EXPLICIT)


def candidates(char: str) -> tuple[str, ...]:
    """Possible GSM spellings of one character, best first; empty when there is none."""
    if char in EXPLICIT:
        return (EXPLICIT[char],)
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed == char:
        return ()
    without_marks = "".join(part for part in decomposed if not unicodedata.combining(part))
    found = (
        candidate.translate(_EXPLICIT_TABLE)
        for candidate in (unicodedata.normalize("NFC", decomposed), without_marks)
    )
    # A spacing accent such as ¨ decomposes to a space plus a mark: a bare space is no replacement.
    return tuple(candidate for candidate in found if candidate.strip())
