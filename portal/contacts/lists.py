"""Contact lists: names, members and counts. Adding many contacts is one INSERT ... SELECT.

Functions flush; the caller commits. Core statements name the account explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from portal.contacts.service import search_condition
from portal.extensions import db
from portal.models import Contact, ContactList, ContactListMember, UTCDateTime, utcnow

NAME_LENGTH = 120


class ListError(ValueError):
    """A list name that cannot be used; the message is for the name field."""


def lists_with_counts(account_id: int) -> list[tuple[ContactList, int]]:
    """Every list of the account, by name, with its member count (one grouped query)."""
    counts = (
        select(ContactListMember.list_id, func.count().label("members"))
        .where(ContactListMember.account_id == account_id)
        .group_by(ContactListMember.list_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ContactList, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.list_id == ContactList.id)
        .where(ContactList.account_id == account_id)
        .order_by(ContactList.name)
    ).all()
    return [(contact_list, int(members)) for contact_list, members in rows]


def list_names(account_id: int) -> list[tuple[int, str]]:
    """Ids and names of the account's lists, for a picker (no counts: cheap on every page)."""
    return [tuple(row) for row in db.session.execute(
        select(ContactList.id, ContactList.name).where(ContactList.account_id == account_id)
        .order_by(ContactList.name)
    )]


def member_count(account_id: int, list_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ContactListMember).where(
            ContactListMember.account_id == account_id, ContactListMember.list_id == list_id)
    ) or 0


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ListError("Give the list a name.")
    if len(name) > NAME_LENGTH:
        raise ListError(f"A list name has at most {NAME_LENGTH} characters.")
    return name


def save_list(contact_list: ContactList | None, account_id: int, name: str) -> ContactList:
    """Create (`contact_list` None) or rename a list; names are unique in the account.

    After a ListError the caller rolls the session back.
    """
    name = _clean_name(name)
    if contact_list is None:
        contact_list = ContactList(account_id=account_id)
        db.session.add(contact_list)
    contact_list.name = name
    try:
        db.session.flush()
    except IntegrityError:
        raise ListError(f"There is already a list called “{name}”.") from None
    return contact_list


def delete_list(contact_list: ContactList) -> None:
    """The list and its entries go; the contacts stay."""
    db.session.execute(delete(ContactListMember).where(
        ContactListMember.account_id == contact_list.account_id,
        ContactListMember.list_id == contact_list.id,
    ))
    db.session.delete(contact_list)
    db.session.flush()


def field_keys(account_id: int, list_ids: Sequence[int]) -> list[str]:
    """The custom field keys the contacts on `list_ids` have, sorted, in one query."""
    if not list_ids:
        return []
    if db.engine.dialect.name == "postgresql":
        keys = func.json_object_keys(Contact.fields).table_valued("key", joins_implicitly=True)
        keys = keys.render_derived()  # "AS anon_1(key)": PostgreSQL names the column after the alias
        query = select(keys.c.key).where(func.json_typeof(Contact.fields) == "object")
    else:
        keys = func.json_each(Contact.fields).table_valued("key", joins_implicitly=True)
        query = select(keys.c.key)
    on_lists = select(ContactListMember.contact_id).where(
        ContactListMember.account_id == account_id, ContactListMember.list_id.in_(list_ids)
    )
    query = query.select_from(Contact).where(Contact.account_id == account_id, Contact.id.in_(on_lists))
    return sorted(db.session.scalars(query.distinct()).all())


def lists_of(account_id: int, contact_id: int) -> list[ContactList]:
    return list(db.session.scalars(
        select(ContactList)
        .join(ContactListMember, ContactListMember.list_id == ContactList.id)
        .where(ContactListMember.account_id == account_id, ContactListMember.contact_id == contact_id)
        .order_by(ContactList.name)
    ))


def _insert_ignoring_duplicates(contact_list: ContactList, select_contacts) -> int:
    """INSERT list entries from a SELECT; an entry that exists already is left as it is.

    Returns how many were added, counted on the list (the driver reports no row count for an
    INSERT ... SELECT ... ON CONFLICT on every backend).
    """
    dialect = postgresql if db.session.connection().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ContactListMember)
        .from_select(["list_id", "contact_id", "account_id", "added_at"], select_contacts)
        .on_conflict_do_nothing(index_elements=["list_id", "contact_id"])
    )
    before = member_count(contact_list.account_id, contact_list.id)
    db.session.execute(statement)
    return member_count(contact_list.account_id, contact_list.id) - before


def _entry_columns(contact_list: ContactList) -> tuple:
    return (literal(contact_list.id, Integer()), Contact.id, literal(contact_list.account_id, Integer()),
            literal(utcnow(), UTCDateTime()))


def add_contacts(contact_list: ContactList, contact_ids: Sequence[int]) -> int:
    """Put the given contacts (of the list's account only) on the list; returns how many were added."""
    if not contact_ids:
        return 0
    return _insert_ignoring_duplicates(
        contact_list, select(*_entry_columns(contact_list))
        .where(Contact.account_id == contact_list.account_id, Contact.id.in_(list(contact_ids)))
    )


def add_search_results(contact_list: ContactList, query: str) -> int:
    """Put every contact matching a search on the list, in one statement whatever their number."""
    matching = search_condition(contact_list.account_id, query)
    return _insert_ignoring_duplicates(contact_list, select(*_entry_columns(contact_list)).where(matching))


def remove_contacts(contact_list: ContactList, contact_ids: Sequence[int]) -> int:
    return db.session.execute(delete(ContactListMember).where(
        ContactListMember.account_id == contact_list.account_id,
        ContactListMember.list_id == contact_list.id,
        ContactListMember.contact_id.in_(list(contact_ids)),
    )).rowcount or 0
