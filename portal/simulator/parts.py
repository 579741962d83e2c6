"""Text rules of `sms.do`: SMSAPI's `normalize=1`, and part counting shared with the portal's preview."""

from __future__ import annotations

import unicodedata

from portal.sms.segments import analyze

# normalize=1 strips diacritics (SMSAPI.md §1.4); NFKD does so for every Polish letter but these two.
_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L"})


def normalize(text: str) -> str:
    """Strip diacritics, as SMSAPI's `normalize=1` does, so the text can stay GSM-7."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def count_parts(text: str) -> int:
    """Parts SMSAPI bills for `text`, by the same count the compose preview shows."""
    return analyze(text).parts
