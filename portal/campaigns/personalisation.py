"""Personalisation in the composer: which placeholders the chosen lists offer, and the worst case.

The worst case is the message with each placeholder at the longest value found among the chosen
lists' recipients, counted as Unicode when any value of a used field has a character outside the
GSM alphabet: no recipient's message is longer or in a costlier encoding. It is read with one
query, so the preview can follow the typing; the launch's cost preflight counts every rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select

from portal.campaigns.recipients import value_column
from portal.contacts.audience import recipients_select
from portal.contacts.lists import field_keys
from portal.extensions import db
from portal.models import Contact
from portal.sms.placeholders import STANDARD_NAMES, placeholder_names, render
from portal.sms.segments import NON_GSM_PATTERN, UCS2, MessageAnalysis, analyze

_LABELS = {"first_name": "first names", "last_name": "last names"}


@dataclass(frozen=True)
class WorstCase:
    """The longest rendering of a message over an audience, next to the message without values."""

    values: dict[str, str]  # the longest value of each placeholder used
    special: tuple[str, ...]  # used fields with a value that needs Unicode
    analysis: MessageAnalysis  # the longest rendering
    plain: MessageAnalysis  # every placeholder at its fallback

    @property
    def warnings(self) -> tuple[str, ...]:
        """What personalisation changes, in the words of the composer."""
        found = []
        if self.special and self.plain.encoding != UCS2:
            fields = _and_list(_label(name) for name in self.special)
            found.append(
                f"Some {fields} in your lists contain special characters: those messages are sent as "
                "Unicode, which fits fewer characters in each SMS."
            )
        if self.analysis.parts > self.plain.parts:
            fields = _and_list(_label(name) for name in self.values)
            found.append(
                f"With the longest {fields} this message takes {_sms(self.analysis.parts)} "
                f"instead of {self.plain.parts}."
            )
        return tuple(found)


def worst_case(
    account_id: int, list_ids: Sequence[int], message: str, max_parts: int, *, consent_only: bool
) -> WorstCase | None:
    """The longest rendering of `message` for the lists' recipients (with `consent_only`, those
    whose consent is recorded); None without placeholders or lists. Raises the placeholder errors of
    `portal.sms.placeholders` for a malformed message."""
    names = placeholder_names(message)
    if not names or not list_ids:
        return None
    audience = recipients_select(account_id, list_ids, consent_only=consent_only).subquery()
    columns = [value_column(name) for name in names]
    longest = [
        select(column)
        .select_from(Contact)
        .join(audience, audience.c.contact_id == Contact.id)
        .order_by(func.length(column).desc().nulls_last())
        .limit(1)
        .scalar_subquery()
        for column in columns
    ]
    special = [func.max(case((column.regexp_match(NON_GSM_PATTERN), 1), else_=0)) for column in columns]
    row = db.session.execute(
        select(*longest, *special).select_from(Contact).join(audience, audience.c.contact_id == Contact.id)
    ).one()
    values = {name: value or "" for name, value in zip(names, row[: len(names)], strict=True)}
    needs_unicode = tuple(name for name, flag in zip(names, row[len(names) :], strict=True) if flag)
    return WorstCase(
        values=values,
        special=needs_unicode,
        analysis=analyze(render(message, values), max_parts=max_parts, force_unicode=bool(needs_unicode)),
        plain=analyze(render(message, {}), max_parts=max_parts),
    )


def custom_field_keys(account_id: int, list_ids: Sequence[int]) -> list[str]:
    """The custom field keys of the contacts on `list_ids`, for the insert buttons."""
    return [key for key in field_keys(account_id, list_ids) if key not in STANDARD_NAMES]


def _label(name: str) -> str:
    return _LABELS.get(name, f"“{name}” values")


def _and_list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sms(count: int) -> str:
    return f"{count} SMS"
