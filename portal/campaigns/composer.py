"""What the composer shows next to the form: the audience of the ticked lists, the placeholders they
offer, the preview of the longest message any recipient gets, and why a save was refused."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from portal.campaigns.personalisation import custom_field_keys, worst_case
from portal.campaigns.recipients import check_known_placeholders
from portal.campaigns.service import MessagePreview, build_preview
from portal.contacts.audience import audience_summary
from portal.extensions import db
from portal.models import ContactList
from portal.sms.placeholders import STANDARD_NAMES, PlaceholderError


def account_lists(account_id: int) -> list[ContactList]:
    """The account's contact lists by name, for the audience checkboxes."""
    return list(
        db.session.scalars(
            select(ContactList).where(ContactList.account_id == account_id).order_by(ContactList.name)
        )
    )


def placeholder_problem(account_id: int, message: str) -> str | None:
    """Why the message's placeholders cannot be sent (a stray brace, an unknown name), or None."""
    if "{" not in message and "}" not in message:
        return None
    try:
        check_known_placeholders(account_id, message)
    except PlaceholderError as error:
        return str(error)
    return None


def composer_state(
    account_id: int, list_ids: Sequence[int], message: str, max_parts: int, *, consent_only: bool
) -> dict:
    """The template context of the composer's audience, insert buttons and preview."""
    problem = placeholder_problem(account_id, message)
    worst = None if problem else worst_case(account_id, list_ids, message, max_parts,
                                            consent_only=consent_only)
    preview = build_preview(message, max_parts, worst=worst, placeholder_problem=problem)
    return {
        "audience": audience_summary(account_id, list_ids, consent_only=consent_only),
        "placeholders": [*STANDARD_NAMES, *custom_field_keys(account_id, list_ids)],
        "preview": preview,
        "chosen_lists": bool(list_ids),
    }


SEE_THE_PREVIEW = "Not saved: change the message as the preview says."


def message_errors(errors: Sequence[str], preview: MessagePreview) -> list[str]:
    """The message field's errors after a refused save, each said once: one the preview already
    gives (too long, a placeholder it cannot fill) is only pointed to, as the preview's stays true
    while the text changes and the field's would not."""
    said = {preview.problem, preview.placeholder_problem} - {None}
    notes = [SEE_THE_PREVIEW if error in said else error for error in errors]
    return list(dict.fromkeys(notes))
