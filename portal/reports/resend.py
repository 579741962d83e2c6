""""Send again to the ones that failed": a new draft with the same text and sender, whose recipients
are exactly the numbers the campaign could not reach, gathered in a list of their own."""

from __future__ import annotations

from sqlalchemy import JSON, insert, literal, select

from portal.audit import record_event
from portal.extensions import db
from portal.models import (
    Account,
    Campaign,
    Contact,
    ContactList,
    ContactListMember,
    Message,
    User,
    UTCDateTime,
    utcnow,
)
from portal.reports.figures import RESENDABLE
from portal.timezones import format_local


class NothingToResend(Exception):
    """The campaign has no message that failed to reach its phone."""


def _list_name(campaign: Campaign) -> str:
    """“Not reached by Spring sale (2026-11-25 11:07 CET)”, on the account's clock; a long campaign
    name is shortened, never the time."""
    zone = db.session.scalar(select(Account.timezone).where(Account.id == campaign.account_id))
    when = f" ({format_local(utcnow(), zone)})"
    room = ContactList.name.type.length - len("Not reached by ") - len(when)
    name = campaign.name if len(campaign.name) <= room else campaign.name[: room - 1] + "…"
    return f"Not reached by {name}{when}"


def draft_for_failed(campaign: Campaign, by: User) -> tuple[Campaign, ContactList]:
    """The new draft and its list, filled set-based; the caller commits."""
    account_id = campaign.account_id
    failed = (
        select(Message.phone)
        .where(Message.account_id == account_id, Message.campaign_id == campaign.id,
               Message.is_test_send.is_(False), Message.status.in_(RESENDABLE))
        .distinct()
    )
    if db.session.scalar(select(failed.exists()).execution_options(all_accounts=True)) is not True:
        raise NothingToResend("Every message of this campaign was delivered or is still on its way.")
    recipients = ContactList(account_id=account_id, name=_list_name(campaign))
    draft = Campaign(account_id=account_id, name=f"{campaign.name} (again)"[:120], message=campaign.message,
                     sender_name_id=campaign.sender_name_id, consent_only=campaign.consent_only,
                     created_by_id=by.id)
    db.session.add_all([recipients, draft])
    db.session.flush()
    # A number whose contact was deleted since gets its contact back (phones are unique per account).
    missing = failed.where(~select(Contact.id).where(Contact.account_id == account_id,
                                                     Contact.phone == Message.phone).exists())
    now = utcnow()
    db.session.execute(insert(Contact).from_select(
        ["account_id", "phone", "first_name", "last_name", "fields", "created_at", "updated_at"],
        select(literal(account_id), missing.subquery().c.phone, literal(""), literal(""),
               literal({}, JSON), literal(now, UTCDateTime()), literal(now, UTCDateTime())),
    ))
    db.session.execute(insert(ContactListMember).from_select(
        ["account_id", "list_id", "contact_id", "added_at"],
        select(literal(account_id), literal(recipients.id), Contact.id, literal(now, UTCDateTime()))
        .where(Contact.account_id == account_id, Contact.phone.in_(failed)),
    ))
    record_event(account_id, by, "campaign.resend_drafted",
                 f"{by.email} drafted {draft.name} for the numbers {campaign.name} did not reach")
    db.session.flush()
    return draft, recipients

