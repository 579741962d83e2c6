"""The audience of some lists: each contact once, opted-out numbers never, other accounts never."""

from sqlalchemy import select

from portal.contacts.audience import audience_summary, recipients_select
from portal.extensions import db
from portal.models import Contact, ContactList, ContactListMember, OptOut, utcnow
from portal.tenancy import account_scope


def _list_with(account_id: int, name: str, phones: list[str]) -> int:
    contact_list = ContactList(account_id=account_id, name=name)
    db.session.add(contact_list)
    db.session.flush()
    for phone in phones:
        contact = db.session.scalar(
            select(Contact).where(Contact.account_id == account_id, Contact.phone == phone)
        ) or Contact(account_id=account_id, phone=phone)
        db.session.add(contact)
        db.session.flush()
        db.session.add(
            ContactListMember(account_id=account_id, list_id=contact_list.id, contact_id=contact.id)
        )
    db.session.flush()
    return contact_list.id


def test_a_contact_on_two_lists_is_one_recipient_and_opted_out_numbers_none(app, make_account):
    first = make_account("First").account_id
    other = make_account("Other").account_id
    with app.app_context(), account_scope(first):
        customers = _list_with(first, "Customers", ["+48600100200", "+48600100201", "+12025550100"])
        vip = _list_with(first, "VIP", ["+48600100200", "+48600100202"])
        db.session.add(OptOut(account_id=first, phone="+48600100201", reason="asked"))
        db.session.commit()

        summary = audience_summary(first, [customers, vip], consent_only=False)
        chosen = recipients_select(first, [customers, vip], consent_only=False)
        phones = sorted(row.phone for row in db.session.execute(chosen))

    assert (summary.memberships, summary.contacts, summary.duplicates) == (5, 4, 1)
    assert (summary.opted_out, summary.recipients, summary.north_american) == (1, 3, 1)
    assert phones == ["+12025550100", "+48600100200", "+48600100202"]
    with app.app_context(), account_scope(other):
        assert audience_summary(other, [customers, vip], consent_only=False).memberships == 0
        assert list(db.session.execute(recipients_select(other, [customers, vip], consent_only=False))) == []


def test_no_lists_is_an_empty_audience(app, account):
    with app.app_context(), account_scope(account.account_id):
        assert audience_summary(account.account_id, [], consent_only=False).recipients == 0


def test_consent_only_leaves_out_the_contacts_with_no_consent_recorded(app, account):
    account_id = account.account_id
    with app.app_context(), account_scope(account_id):
        customers = _list_with(account_id, "Customers",
                               ["+48600100200", "+48600100201", "+48600100202", "+12025550100"])
        vip = _list_with(account_id, "VIP", ["+48600100200", "+12025550101"])
        consented = ["+48600100200", "+48600100202", "+12025550101"]
        for contact in db.session.scalars(select(Contact).where(Contact.phone.in_(consented))):
            contact.consent_at = utcnow()
        # Consent given, then STOP: an opt-out, counted there and not as without consent.
        db.session.add(OptOut(account_id=account_id, phone="+48600100202", reason="asked"))
        db.session.commit()

        every = audience_summary(account_id, [customers, vip], consent_only=False)
        agreed = audience_summary(account_id, [customers, vip], consent_only=True)
        chosen = recipients_select(account_id, [customers, vip], consent_only=True)
        phones = sorted(row.phone for row in db.session.execute(chosen))

    # Five contacts: one opted out, and of the four others two have no consent recorded.
    assert (every.contacts, every.opted_out, every.recipients, every.north_american) == (5, 1, 4, 2)
    assert (every.without_consent, every.consent_only) == (2, False)
    assert (agreed.contacts, agreed.opted_out, agreed.recipients, agreed.north_american) == (5, 1, 2, 1)
    assert (agreed.without_consent, agreed.consent_only) == (2, True)
    assert phones == ["+12025550101", "+48600100200"]
    assert agreed.recipients == len(phones)


def test_a_withdrawn_consent_leaves_the_contact_out_of_the_next_count(app, account):
    account_id = account.account_id
    with app.app_context(), account_scope(account_id):
        customers = _list_with(account_id, "Customers", ["+48600100200"])
        contact = db.session.scalar(select(Contact).where(Contact.phone == "+48600100200"))
        contact.consent_at = utcnow()
        db.session.commit()
        assert audience_summary(account_id, [customers], consent_only=True).recipients == 1
        contact.consent_at = None
        db.session.commit()
        assert audience_summary(account_id, [customers], consent_only=True).recipients == 0
        assert db.session.execute(recipients_select(account_id, [customers], consent_only=True)).all() == []
