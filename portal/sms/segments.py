"""How an SMS text is encoded, how many parts it takes and where they split.

The composer's preview and the sender call the same `analyze`, so the preview is the bill.

Encoding. A message is GSM-7 when every character is in the GSM 03.38 default alphabet or its
extension table (3GPP TS 23.038 §6.2.1), otherwise the whole message is UCS-2; SMSAPI's FAQ says
the same of "a single special character". The alphabet comes from the `gsm0338` package's tables,
turned into sets and regular expressions at import because its codec is too slow for a live
preview. Position 0x09 is the capital Ç as in 3GPP (small ç is UCS-2), like Twilio and `gsm0338`.
National language shift tables are left out: SMSAPI does not expose them.

Units. GSM-7 counts septets: an extension character (^ { } \\ [ ~ ] | € and form feed) is ESC plus
a code, 2 septets. UCS-2 counts UTF-16 code units, because handsets and gateways carry characters
outside the BMP (most emoji) as surrogate pairs: 2 units each.

Parts. 140 octets of user data hold 160 septets or 70 units. A concatenated part gives 6 octets
to the User Data Header (3GPP TS 23.040 §9.2.3.24.1), leaving 153 septets or 67 units; SMSAPI's
own counter uses 160/153 and 70/67 and caps a message at 6 parts (918/402). Parts are filled
greedily and nothing is cut in two: not an escape pair (Android, Twilio and smsutil move the whole
pair), not a UTF-16 character (TS 23.040 §9.2.3.24.8: "A UCS2 character must not be split"), so a
part may hold 152 septets or 66 units and the count is not always ceil(units / 153).

Grapheme clusters stay whole in UCS-2 (an emoji with a skin tone, a ZWJ family, a letter with a
combining mark, a flag): Twilio's calculator and Android's splitter (BreakIterator) do this, it
keeps the recipient from seeing half a symbol on each SMS, and since SMSAPI's splitter is not
documented, the stricter rule can only over-estimate the parts, never under-estimate the bill. A
cluster longer than a part (stacked combining marks) falls back to whole code points, as Android
does. GSM-7 text needs no such rule: after normalisation every GSM character is its own cluster.
`max_parts` refuses on parts, not characters: 459 × '^' is 918 septets but 7 parts.

Normalisation (`normalize_text`, applied by `analyze`, whose result holds the normalised text so
the app stores and sends exactly what was counted) changes nothing the recipient can see:

- CRLF and lone CR become LF. Browsers submit a textarea with CRLF but its DOM value has LF
  (WHATWG HTML #6624), so an htmx preview and a form post would otherwise differ by a septet per
  line. SMSAPI's FAQ counts "a line break (Enter)" as 2 characters, presumably because its own
  portal submits CRLF; what its API bills for a bare LF is to be checked with `details=1`.
- NFC: 'e' + U+0301 is canonically the same text as 'é', which is GSM; decomposed text (macOS,
  some PDFs) would otherwise cost UCS-2 for nothing.

Everything else that forces UCS-2 is reported, not silently removed: each offending character with
its positions, Unicode name and GSM replacement (see `portal.sms.gsm_replacements`), so the
preview can name invisible characters (NBSP, U+200B, U+FEFF, soft hyphen, U+2028, TAB) and
`replace_unicode` can fix them on request. A literal ESC (U+001B) and the other C0 controls
except LF and FF are not GSM characters: 0x1B is the escape to the extension table, and a bare
one would merge with the next septet on the handset (`gsm0338` would encode it as that escape).

The empty text is GSM-7 with 0 units, 0 parts and 160 left; the app decides what to say about it.
"""

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Final

import regex
from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

from portal.sms import gsm_replacements

GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"
DEFAULT_MAX_PARTS: Final = 6

# (one part alone, each part of a concatenated message), in septets or UTF-16 units.
CAPACITY: Final = {GSM7: (160, 153), UCS2: (70, 67)}

# 0x1B is the escape to the extension table, not a character of its own (TS 23.038 §6.2.1.1).
_ESCAPE = "\x1b"
GSM_BASIC: Final = frozenset(map(unicodedata.lookup, BASIC_CHARACTER_SET.values())) - {_ESCAPE}
GSM_EXTENSION: Final = frozenset(map(unicodedata.lookup, BASIC_CHARACTER_SET_EXTENSION.values()))
SEPTETS: Final = {**dict.fromkeys(GSM_BASIC, 1), **dict.fromkeys(GSM_EXTENSION, 2)}


def _character_class(chars: frozenset[str]) -> str:
    return "".join(re.escape(char) for char in sorted(chars))


_NON_GSM = re.compile(f"[^{_character_class(GSM_BASIC | GSM_EXTENSION)}]")
#: The same "not a GSM character" class, written so that Python's `re`, PostgreSQL's regular
#: expressions and SQLite's REGEXP (SQLAlchemy's, on `re`) read it alike: `]` first, `-` last.
NON_GSM_PATTERN = (
    "[^]" + "".join(c for c in sorted(GSM_BASIC | GSM_EXTENSION) if c not in "]\\-^[") + "[^\\\\-]"
)
_EXTENSION = re.compile(f"[{_character_class(GSM_EXTENSION)}]")
_LINE_ENDING = re.compile(r"\r\n?")
_GRAPHEME = regex.compile(r"\X")
# Characters that can join a neighbour into one grapheme cluster (UAX #29 rules GB3 to GB13);
# text without any of them is one cluster per character, which spares the slower \X scan.
_JOINER = regex.compile(
    r"[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}\p{GCB=Regional_Indicator}"
    r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=CR}]"
)
_BMP_LAST = "\uffff"
_CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "CHARACTER TABULATION",
    "\v": "LINE TABULATION",
    _ESCAPE: "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


@dataclass(frozen=True, slots=True)
class Part:
    """One SMS of the message: `text` is the analysed text's [start:end], taking `units`."""

    start: int
    end: int
    text: str
    units: int


@dataclass(frozen=True, slots=True)
class Offender:
    """A character that forces UCS-2, where it occurs, and its GSM replacement if there is one."""

    char: str
    name: str
    replacement: str | None
    positions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    """What a text costs as SMS. Offsets and `text` refer to the normalised text."""

    text: str
    encoding: str
    units: int
    parts: int
    per_part: int
    left: int
    max_parts: int
    over_limit: bool
    split: tuple[Part, ...]
    offenders: tuple[Offender, ...]


def normalize_text(text: str) -> str:
    """The text as it is counted, stored and sent: LF line endings and NFC."""
    if "\r" in text:
        text = _LINE_ENDING.sub("\n", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def analyze(text: str, *, max_parts: int = DEFAULT_MAX_PARTS, force_unicode: bool = False) -> MessageAnalysis:
    """Encoding, units, parts and offending characters of `text` once normalised.

    `force_unicode` counts a standard text as UCS-2: what it costs once a personalised value with a
    special character is put in (the worst case the composer shows).
    """
    if max_parts < 1:
        raise ValueError(f"max_parts must be at least 1, got {max_parts}")
    text = normalize_text(text)
    if not force_unicode and _NON_GSM.search(text) is None:
        septets = len(text) + len(_EXTENSION.findall(text))
        return _measure(text, GSM7, septets, max_parts, ())
    utf16_units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return _measure(text, UCS2, utf16_units, max_parts, _offenders(text))


def replace_unicode(text: str) -> str:
    """The normalised text with every character that has a GSM replacement replaced."""
    replaced = _NON_GSM.sub(_replace_match, normalize_text(text))
    return normalize_text(replaced)


def _measure(
    text: str, encoding: str, units: int, max_parts: int, offenders: tuple[Offender, ...]
) -> MessageAnalysis:
    single, per_part = CAPACITY[encoding]
    if units <= single:
        split = (Part(0, len(text), text, units),) if text else ()
        per_part, left = single, single - units
    else:
        split = _split(text, encoding, units, per_part)
        left = per_part - split[-1].units
    return MessageAnalysis(
        text=text,
        encoding=encoding,
        units=units,
        parts=len(split),
        per_part=per_part,
        left=left,
        max_parts=max_parts,
        over_limit=len(split) > max_parts,
        split=split,
        offenders=offenders,
    )


def _split(text: str, encoding: str, units: int, capacity: int) -> tuple[Part, ...]:
    """Greedy parts of at most `capacity` units, ending only where a part may end."""
    units_before = _units_before(text, encoding, units)
    if encoding == UCS2 and _JOINER.search(text):
        offsets: Sequence[int] = _grapheme_offsets(text, units_before, capacity)
        cumulative: Sequence[int] = [units_before[offset] for offset in offsets]
    else:
        offsets, cumulative = range(len(text) + 1), units_before
    parts = []
    first, last = 0, len(offsets) - 1
    while first < last:
        end = bisect_right(cumulative, cumulative[first] + capacity, first + 1) - 1
        start, stop = offsets[first], offsets[end]
        parts.append(Part(start, stop, text[start:stop], cumulative[end] - cumulative[first]))
        first = end
    return tuple(parts)


def _units_before(text: str, encoding: str, units: int) -> Sequence[int]:
    """Units taken by text[:i] for every i from 0 to len(text)."""
    if units == len(text):
        return range(len(text) + 1)
    if encoding == GSM7:
        widths = map(SEPTETS.__getitem__, text)
    else:
        widths = (2 if char > _BMP_LAST else 1 for char in text)
    return list(accumulate(widths, initial=0))


def _grapheme_offsets(text: str, units_before: Sequence[int], capacity: int) -> list[int]:
    """Offsets between grapheme clusters, and inside a cluster too long for one part."""
    lengths = list(map(len, _GRAPHEME.findall(text)))
    offsets = list(accumulate(lengths, initial=0))
    if 2 * max(lengths) <= capacity:
        return offsets
    fine = [0]
    for start, end in pairwise(offsets):
        if units_before[end] - units_before[start] > capacity:
            fine.extend(range(start + 1, end + 1))
        else:
            fine.append(end)
    return fine


def _offenders(text: str) -> tuple[Offender, ...]:
    positions: dict[str, list[int]] = {}
    for match in _NON_GSM.finditer(text):
        positions.setdefault(match.group(), []).append(match.start())
    return tuple(
        Offender(char, _character_name(char), _replacement(char), tuple(found))
        for char, found in positions.items()
    )


def _character_name(char: str) -> str:
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "")
    if name:
        return name
    kind = "CONTROL CHARACTER " if unicodedata.category(char) == "Cc" else ""
    return f"{kind}U+{ord(char):04X}"


@lru_cache(maxsize=4096)
def _replacement(char: str) -> str | None:
    """The first GSM candidate for `char`; '' means it is best removed, None that nothing fits."""
    for candidate in gsm_replacements.candidates(char):
        if _NON_GSM.search(candidate) is None:
            return candidate
    return None


def _replace_match(match: re.Match[str]) -> str:
    replacement = _replacement(match.group())
    return match.group() if replacement is None else replacement
