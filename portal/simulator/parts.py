"""Text rules of `sms.do`, written from the GSM standard rather than taken from the portal.

The simulator is the portal's test oracle, so it counts parts with its own code: if the portal's
preview and this count ever disagree, a test shows which one breaks the standard.

- Encoding: GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table
  (3GPP TS 23.038 §6.2.1; the `gsm0338` codec is the alphabet), else UCS-2 for the whole text.
- Units: a basic character is 1 septet, an extension character (^ { } \\ [ ~ ] | € and form feed)
  is ESC + code = 2; in UCS-2 a character outside the BMP is a surrogate pair = 2 UTF-16 units.
  CR and LF are 1 septet each, so CRLF is 2 (SMSAPI's FAQ: "a line break counts as two").
- Parts: 160 septets / 70 units fit one SMS; a concatenated part holds 153 / 67 (the 6-octet UDH,
  TS 23.040 §9.2.3.24.1). Parts are filled greedily and neither an escape pair nor a surrogate pair
  is cut (TS 23.040 §9.2.3.24.8), so a part may hold 152 septets or 66 units.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67

# A literal ESC is the switch to the extension table, not a character; the other C0 controls
# (except LF, CR and FF, which the alphabet has) have no place in the alphabet either.
_NOT_GSM = frozenset(chr(code) for code in range(32)) - {"\n", "\r", "\f"}

# normalize=1 strips diacritics (SMSAPI.md §1.4); NFKD does so for every Polish letter but these two.
_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L"})


def normalize(text: str) -> str:
    """Strip diacritics, as SMSAPI's `normalize=1` does, so the text can stay GSM-7."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def septets(char: str) -> int:
    """Septets of one character in GSM-7 (1 or 2), 0 when it is not in the GSM alphabet."""
    if char in _NOT_GSM:
        return 0
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return 0


def widths(text: str) -> tuple[bool, list[int]]:
    """Whether `text` is GSM-7, and the units of each character in that encoding."""
    gsm = [septets(char) for char in text]
    if all(gsm):
        return True, gsm
    return False, [2 if ord(char) > 0xFFFF else 1 for char in text]


def count_parts(text: str) -> int:
    """Parts SMSAPI bills for `text`: greedy parts that never cut a character in two."""
    gsm, units = widths(text)
    single, per_part = (SINGLE_GSM, PART_GSM) if gsm else (SINGLE_UCS2, PART_UCS2)
    if sum(units) <= single:
        return 1 if units else 0
    parts, room = 1, per_part
    for width in units:
        if width > room:
            parts, room = parts + 1, per_part
        room -= width
    return parts
