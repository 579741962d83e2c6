"""Personalisation of a message: `{first_name}`, `{last_name}`, custom fields, each with a fallback.

Syntax: `{name}` or `{name|Fallback}`. A name is a letter followed by letters, digits or `_`. The
fallback is used when the contact's value is missing or empty; without one, nothing is put there.
A literal brace is written twice: `{{` gives `{` and `}}` gives `}`. Any other `{` that does not
open a well-formed placeholder is refused with its position, so a typo never reaches a phone.

Plain Python (no Flask): the composer's preview, the cost preflight and the send job all use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

#: The contact's own columns; custom fields are the keys of `Contact.fields`.
STANDARD_NAMES = ("first_name", "last_name")

_NAME = r"[A-Za-z][A-Za-z0-9_]{0,39}"
# One token at a time: an escaped brace, a placeholder, or a stray brace (an error).
_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<name>" + _NAME + r")(?:\|(?P<fallback>[^{}|]*))?\}|[{}]")


class PlaceholderError(ValueError):
    """A message whose personalisation cannot be understood; the text says what to change."""


class UnknownPlaceholder(PlaceholderError):
    """A placeholder naming no field of the contacts; `name` is the one to fix."""

    def __init__(self, name: str, known: Iterable[str] = ()) -> None:
        known = sorted(known)
        hint = f" Use one of: {', '.join('{' + k + '}' for k in known)}." if known else ""
        super().__init__(f"The placeholder {{{name}}} is not a contact field.{hint}")
        self.name = name


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One `{name}` / `{name|fallback}` in a text; `start`/`end` are its span in that text."""

    name: str
    fallback: str | None
    start: int
    end: int


def _tokens(text: str):
    """(match, placeholder or None) for every brace token; PlaceholderError for a stray brace."""
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            yield match, None
        elif match.group("name") is not None:
            fallback = match.group("fallback")
            yield match, Placeholder(match.group("name"), fallback, match.start(), match.end())
        else:
            raise PlaceholderError(
                f"The “{token}” at character {match.start() + 1} does not belong to a placeholder: write "
                "placeholders as {first_name} or {first_name|Customer}, and a brace itself as {{ or }}."
            )


def parse_placeholders(text: str) -> list[Placeholder]:
    """Every placeholder of `text` in order; PlaceholderError for a brace that opens none."""
    return [placeholder for _, placeholder in _tokens(text) if placeholder is not None]


def placeholder_names(text: str) -> list[str]:
    """The distinct names `text` uses, in order of first use."""
    return list(dict.fromkeys(p.name for p in parse_placeholders(text)))


def check_placeholders(text: str, known: Iterable[str]) -> list[Placeholder]:
    """The placeholders of `text`, or UnknownPlaceholder for the first name not in `known`."""
    known = set(known)
    placeholders = parse_placeholders(text)
    for placeholder in placeholders:
        if placeholder.name not in known:
            raise UnknownPlaceholder(placeholder.name, known)
    return placeholders


def render(text: str, values: Mapping[str, str | None]) -> str:
    """`text` with each placeholder replaced by its value, else its fallback, else nothing."""
    return "".join([
        piece if isinstance(piece, str) else filled(piece, values) for piece in _pieces(text)
    ])


def filled(placeholder: Placeholder, values: Mapping[str, str | None]) -> str:
    """What `placeholder` becomes for a contact's `values`: the value, else the fallback, else nothing."""
    value = values.get(placeholder.name)
    return str(value) if value not in (None, "") else (placeholder.fallback or "")


@lru_cache(maxsize=256)
def _pieces(text: str) -> tuple[str | Placeholder, ...]:
    """`text` cut once into literal strings (escaped braces made single) and placeholders: a send
    job renders one text thousands of times."""
    pieces: list[str | Placeholder] = []
    cursor = 0
    for match, placeholder in _tokens(text):
        pieces.append(text[cursor : match.start()])
        pieces.append(match.group(0)[0] if placeholder is None else placeholder)
        cursor = match.end()
    pieces.append(text[cursor:])
    return tuple(piece for piece in pieces if piece != "")


def as_template(text: str, markers: Sequence[str]) -> str:
    """`text` with its n-th placeholder replaced by `markers[n]` (e.g. SMSAPI's `[%1%]`) and escaped
    braces made single, for sends whose values travel separately (`param1`-`param4`)."""
    pieces: list[str] = []
    cursor = 0
    index = 0
    for match, placeholder in _tokens(text):
        pieces.append(text[cursor : match.start()])
        if placeholder is None:
            pieces.append(match.group(0)[0])
        else:
            pieces.append(markers[index])
            index += 1
        cursor = match.end()
    pieces.append(text[cursor:])
    return "".join(pieces)
