"""The audience of some lists: each contact once, opted-out numbers never, other accounts never."""

from sqlalchemy import select

from portal.contacts.audience import audience_summary, recipients_select
from portal.extensions import db
from portal.models import Contact, ContactList, ContactListMember, OptOut
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

        summary = audience_summary(first, [customers, vip])
        phones = sorted(row.phone for row in db.session.execute(recipients_select(first, [customers, vip])))

    assert (summary.memberships, summary.contacts, summary.duplicates) == (5, 4, 1)
    assert (summary.opted_out, summary.recipients, summary.north_american) == (1, 3, 1)
    assert phones == ["+12025550100", "+48600100200", "+48600100202"]
    with app.app_context(), account_scope(other):
        assert audience_summary(other, [customers, vip]).memberships == 0
        assert list(db.session.execute(recipients_select(other, [customers, vip]))) == []


def test_no_lists_is_an_empty_audience(app, account):
    with app.app_context(), account_scope(account.account_id):
        assert audience_summary(account.account_id, []).recipients == 0
