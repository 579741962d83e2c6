"""Phone numbers as people type them, read into E.164 with the reason in plain words when they are not.

A national number (`600 100 200`) is read in the account's default country; `+48...` and `0048...`
name their own. The reasons are shown next to a form field and in an import's error report, so they
say what is wrong with the number, not which library check failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

_LETTERS = re.compile(r"[^\W\d_]")
_NOT_DIGITS = re.compile(r"\D")
_PUNCTUATION = re.compile(r"[\s\-./()\u00a0]")

_PARSE_PROBLEMS = {
    NumberParseException.INVALID_COUNTRY_CODE: "the country code is not one that exists",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "the number after the country code is too short",
    NumberParseException.TOO_SHORT_NSN: "too short to be a phone number",
    NumberParseException.TOO_LONG: "too long to be a phone number",
}


class PhoneError(ValueError):
    """A value that is not a phone number; str() is the reason, for a person to read."""


def supported_countries() -> list[str]:
    """ISO 3166 codes of every country whose numbers can be read (for the Settings picker)."""
    return sorted(phonenumbers.SUPPORTED_REGIONS)


def calling_code(country: str) -> int:
    return phonenumbers.country_code_for_region(country)


def normalise_phone(raw: str, default_country: str) -> str:
    """`raw` as E.164 (`+48600100200`), or PhoneError saying what is wrong with it."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("no phone number")
    if _LETTERS.search(text):
        raise PhoneError("not a phone number")
    compact = _PUNCTUATION.sub("", text)
    if compact.startswith("00"):  # the international prefix most of Europe dials instead of +
        compact = "+" + compact[2:]
    if _NOT_DIGITS.search(compact.lstrip("+")) or compact.count("+") > 1:
        raise PhoneError("not a phone number")
    try:
        number = phonenumbers.parse(compact, default_country)
    except NumberParseException as error:
        raise PhoneError(_PARSE_PROBLEMS.get(error.error_type, "not a phone number")) from None
    country = phonenumbers.region_code_for_country_code(number.country_code)
    named = country if country not in ("ZZ", "001") else f"+{number.country_code}"
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        raise PhoneError("the country code is not one that exists")
    if possible == ValidationResult.TOO_LONG:
        raise PhoneError(f"number for country {named} is too long")
    if possible != ValidationResult.IS_POSSIBLE or not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{_invalid_because(number, country, named)}")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _invalid_because(number: phonenumbers.PhoneNumber, country: str, named: str) -> str:
    """Too short or too long for the country's mobile and landline numbers, or simply not valid."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(country, None)
    lengths = set()
    if metadata is not None:
        for desc in (metadata.mobile, metadata.fixed_line):
            if desc is not None and desc.possible_length:
                lengths.update(length for length in desc.possible_length if length > 0)
    digits = len(phonenumbers.national_significant_number(number))
    if lengths and digits < min(lengths):
        return f"number for country {named} is too short"
    if lengths and digits > max(lengths):
        return f"number for country {named} is too long"
    return f"not a valid number for country {named}"


def sentence(reason: str) -> str:
    """A reason as it stands alone next to a form field: capitalised, with a full stop."""
    return reason[:1].upper() + reason[1:] + "."


@lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """An E.164 number as people read it: `+48 600 100 200`."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)
    except NumberParseException:
        return e164


@dataclass(frozen=True)
class NumberSearch:
    """A search that looks like (part of) a phone number.

    `digits`: the digits as typed, found anywhere in a number (`600 100`, `00158`).
    `start`: when typed with `+` or `00` (the international prefix), the digits an E.164 number
    must begin with (`+48600` -> `48600`); with `+` that is the only reading.
    """

    digits: str | None
    start: str | None


def number_search(query: str) -> NumberSearch | None:
    """How a search that looks like (part of) a number is matched, else None."""
    compact = _PUNCTUATION.sub("", query.strip())
    if not compact or not re.fullmatch(r"\+?\d+", compact):
        return None
    if compact.startswith("+"):
        return NumberSearch(None, compact[1:])
    if compact.startswith("00") and len(compact) > 2:
        return NumberSearch(compact, compact[2:])
    return NumberSearch(compact, None)
