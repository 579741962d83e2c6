"""Who a message to some contact lists reaches: each contact once, never an opted-out number, and
with `consent_only` only the contacts whose consent is recorded (marketing needs it; a reminder of an
appointment does not, so it is the campaign's choice).

One definition serves the list page's summary, the campaign page's summary and the launch, which
materialises exactly `recipients_select` into message rows, so what people are shown is what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, select

from portal.extensions import db
from portal.models import Contact, ContactListMember, OptOut

# Numbers of the North American plan (+1: USA, Canada, ...) show no alphanumeric sender names.
NORTH_AMERICAN_PREFIX = "+1"


@dataclass(frozen=True)
class AudienceSummary:
    """Counts for the chosen lists, in the words the pages use."""

    memberships: int  # list entries, a contact on two lists counted twice
    contacts: int  # distinct contacts
    opted_out: int  # distinct contacts whose number opted out
    recipients: int  # who a message would reach
    north_american: int  # recipients with a +1 number
    without_consent: int = 0  # distinct contacts not opted out with no consent recorded
    consent_only: bool = False  # whether those are left out (then not among the recipients)

    @property
    def duplicates(self) -> int:
        """Entries dropped because the contact is on more than one of the lists."""
        return self.memberships - self.contacts


def _opt_out_join():
    return and_(OptOut.account_id == Contact.account_id, OptOut.phone == Contact.phone)


def recipients_select(account_id: int, list_ids: Sequence[int], *, consent_only: bool) -> Select:
    """SELECT contact id and phone of every recipient of `list_ids`, once each, opted-out numbers
    left out, and with `consent_only` the contacts without consent too. (No default: a call that
    forgot the campaign's choice would message people who did not agree to it.)"""
    on_lists = (
        select(ContactListMember.contact_id)
        .where(ContactListMember.account_id == account_id, ContactListMember.list_id.in_(list_ids))
    )
    # NOT EXISTS, not an outer join filtered on NULL: the planner knows it as an anti-join and
    # estimates it well, so a million recipients get hash joins rather than a million index probes.
    query = (
        select(Contact.id.label("contact_id"), Contact.phone.label("phone"))
        .where(Contact.account_id == account_id, Contact.id.in_(on_lists),
               ~exists(select(OptOut.id).where(_opt_out_join())))
    )
    return query.where(Contact.consent_at.is_not(None)) if consent_only else query


def audience_summary(account_id: int, list_ids: Sequence[int], *, consent_only: bool) -> AudienceSummary:
    """The counts for `list_ids` of the account, in one query."""
    if not list_ids:
        return AudienceSummary(memberships=0, contacts=0, opted_out=0, recipients=0, north_american=0,
                               consent_only=consent_only)
    opted_out = OptOut.id.is_not(None)
    without_consent = and_(~opted_out, Contact.consent_at.is_(None))
    reached = and_(~opted_out, Contact.consent_at.is_not(None)) if consent_only else ~opted_out
    north_american = and_(reached, Contact.phone.startswith(NORTH_AMERICAN_PREFIX))
    row = db.session.execute(
        select(
            func.count(),
            func.count(func.distinct(ContactListMember.contact_id)),
            func.count(func.distinct(case((opted_out, ContactListMember.contact_id)))),
            func.count(func.distinct(case((north_american, ContactListMember.contact_id)))),
            func.count(func.distinct(case((without_consent, ContactListMember.contact_id)))),
        )
        .select_from(ContactListMember)
        .join(Contact, Contact.id == ContactListMember.contact_id)
        .outerjoin(OptOut, _opt_out_join())
        .where(ContactListMember.account_id == account_id, ContactListMember.list_id.in_(list_ids))
    ).one()
    memberships, contacts, opted_out_count, north_american_count, without = (int(value or 0) for value in row)
    return AudienceSummary(
        memberships=memberships,
        contacts=contacts,
        opted_out=opted_out_count,
        recipients=contacts - opted_out_count - (without if consent_only else 0),
        north_american=north_american_count,
        without_consent=without,
        consent_only=consent_only,
    )
