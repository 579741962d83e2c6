"""Contacts, their opt-outs and search: the rules the views and the import share.

Functions flush; the view or job that called them commits. Statements that are not ORM SELECTs name
the account explicitly, since the account filter of `portal.tenancy` only sees ORM SELECTs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, cast, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from portal.contacts.phones import PhoneError, normalise_phone, number_search, sentence
from portal.extensions import db
from portal.models import Account, Contact, ContactListMember, OptOut, utcnow

PAGE_SIZE = 50


class ContactError(ValueError):
    """A contact that cannot be saved; `field` names the form field the message goes next to."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class ContactData:
    phone: str
    first_name: str = ""
    last_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    consent: bool = False
    consent_source: str = ""


@dataclass
class Page:
    """One keyset page: rows newest first, and the id to continue below (None on the last page)."""

    rows: list
    next_before: int | None

    @classmethod
    def of(cls, rows: list, limit: int) -> Page:
        """The page of `rows` fetched newest first with `limit + 1` (the extra one says more follow);
        each row's first item has the id."""
        more = len(rows) > limit
        rows = rows[:limit]
        return cls(rows, rows[-1][0].id if more else None)


def account_country(account_id: int) -> str:
    return db.session.scalar(select(Account.default_country).where(Account.id == account_id))


def save_contact(contact: Contact | None, account_id: int, data: ContactData) -> Contact:
    """Create (`contact` None) or change a contact; ContactError names the field that is wrong.

    After a ContactError the caller rolls the session back (a refused flush may have happened).
    """
    try:
        phone = normalise_phone(data.phone, account_country(account_id))
    except PhoneError as error:
        raise ContactError("phone", sentence(str(error))) from None
    if contact is None:
        contact = Contact(account_id=account_id, fields={})
        db.session.add(contact)
    contact.phone = phone
    contact.first_name = data.first_name.strip()
    contact.last_name = data.last_name.strip()
    contact.fields = dict(data.fields)
    if data.consent and contact.consent_at is None:
        contact.consent_at = utcnow()
    if not data.consent:
        contact.consent_at = None
    contact.consent_source = (data.consent_source.strip() or None) if data.consent else None
    try:
        db.session.flush()  # the unique constraint decides, not a check that two requests could race
    except IntegrityError:
        raise ContactError("phone", "This number is already saved as another contact.") from None
    return contact


def delete_contact(contact: Contact) -> None:
    """The contact and its list entries go; an opt-out of its number stays (it is kept by number)."""
    db.session.delete(contact)
    db.session.flush()


def opt_out_of(account_id: int, phone: str) -> OptOut | None:
    return db.session.scalar(select(OptOut).where(OptOut.account_id == account_id, OptOut.phone == phone))


def record_opt_out(account_id: int, phone: str, reason: str, source: str = "manual") -> OptOut:
    """Never message `phone` again from this account; an existing opt-out keeps its first date."""
    existing = opt_out_of(account_id, phone)
    if existing is not None:
        return existing
    opt_out = OptOut(account_id=account_id, phone=phone, reason=reason.strip()[:200], source=source)
    db.session.add(opt_out)
    db.session.flush()
    return opt_out


def withdraw_opt_out(account_id: int, phone: str) -> None:
    """The person asked to receive messages again."""
    db.session.execute(delete(OptOut).where(OptOut.account_id == account_id, OptOut.phone == phone))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The length of the runs of digits the phone search index holds (migration 0011).
GRAM_DIGITS = 4
#: Shared, so SQLAlchemy adapts it to PostgreSQL once (a new type per search is adapted every time).
_GRAMS = ARRAY(Integer)


def _matches(columns, query: str, country: str, *, indexed: bool = False) -> list:
    """Conditions on `columns` (the contact table or a subquery of it) for a search as typed.

    `indexed`: `columns` is the contact table itself, so on PostgreSQL a search of four digits or
    more also asks for the number's runs of four digits, which the GIN index of migration 0011
    answers (a filter on a subquery's rows would compute them row by row instead)."""
    # A NUL is in no stored name (forms refuse it) and PostgreSQL refuses one in a statement.
    query = (query or "").replace("\x00", "").strip()
    search = number_search(query)
    if search is not None:
        if len(search.start or search.digits) >= 8:
            try:  # a whole number: one look-up in the unique index instead of a substring scan
                return [columns.phone == normalise_phone(query, country)]
            except PhoneError:
                pass
        readings = []
        if search.digits is not None:
            readings.append(_anywhere(columns, search.digits, indexed=indexed))
        if search.start is not None:
            readings.append(_starting(columns, search.start))
        return [or_(*readings)]
    conditions = []
    for word in query.split():
        pattern = f"%{_escape_like(word)}%"
        conditions.append(or_(columns.first_name.ilike(pattern, escape="\\"),
                              columns.last_name.ilike(pattern, escape="\\")))
    return conditions


def _anywhere(columns, digits: str, *, indexed: bool):
    """The number holds `digits` somewhere; on the indexed table, narrowed by its runs of digits first."""
    contains = columns.phone.like(f"%{digits}%")
    if indexed and len(digits) >= GRAM_DIGITS and db.engine.dialect.name == "postgresql":
        grams = func.phone_digit_grams(columns.phone).op("@>")(cast(digit_grams(digits), _GRAMS))
        return and_(grams, contains)
    return contains


def _starting(columns, digits: str):
    """The E.164 number begins with `+digits`: a range of the (account, phone) index, then LIKE."""
    prefix = f"+{digits}"
    # E.164 numbers are at most 15 digits, so every one that begins with the prefix lies in here,
    # in any collation that orders strings of digits as digits.
    return and_(columns.phone >= prefix, columns.phone <= prefix + "9" * 15,
                columns.phone.like(f"{prefix}%"))


def digit_grams(digits: str) -> list[int]:
    """The runs of GRAM_DIGITS digits of `digits`, as the index holds them (`phone_digit_grams`)."""
    return sorted({int(digits[i:i + GRAM_DIGITS]) for i in range(len(digits) - GRAM_DIGITS + 1)})


def search_condition(account_id: int, query: str):
    """WHERE for contacts matching `query`: part of the number as typed, or every word in a name."""
    return and_(Contact.account_id == account_id,
                *_matches(Contact, query, account_country(account_id), indexed=True))


def _opted_out_join():
    return and_(OptOut.account_id == Contact.account_id, OptOut.phone == Contact.phone)


#: How many of the newest contacts a search looks through first (see `search_contacts`).
RECENT_WINDOW = 20_000


def search_contacts(account_id: int, query: str = "", before: int | None = None,
                    list_id: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """A page of matching contacts, newest first, with whether each is opted out; keyset, no OFFSET.

    A number search of five digits or more, or one typed with `+`, is answered by the indexes at
    once. Any other runs in two steps so that it stays fast whether the words are common or rare:
    first among the newest RECENT_WINDOW contacts (an index walk; a common word fills the page
    there), then, only if the page is not full, among the older ones through the trigram indexes,
    sorted after matching (`id + 0` keeps the planner from walking the whole primary key for a
    rare word).
    """
    scope = [Contact.account_id == account_id]
    if before is not None:
        scope.append(Contact.id < before)
    # Whether the number opted out, asked of the unique index for each row of the page: an outer
    # join let the planner, misjudging how many contacts match, compare every match with every opt-out.
    opted_out = exists(select(OptOut.id).where(_opted_out_join())).label("opted_out")
    statement = select(Contact, opted_out).where(*scope).limit(limit + 1)
    recent = (
        select(Contact.id, Contact.phone, Contact.first_name, Contact.last_name)
        .where(*scope).order_by(Contact.id.desc()).limit(RECENT_WINDOW)
    )
    if list_id is not None:
        on_list = and_(ContactListMember.contact_id == Contact.id, ContactListMember.list_id == list_id,
                       ContactListMember.account_id == account_id)
        statement = statement.join(ContactListMember, on_list)
        recent = recent.join(ContactListMember, on_list)
    if not (query or "").strip():
        return Page.of(db.session.execute(statement.order_by(Contact.id.desc())).all(), limit)
    country = account_country(account_id)
    if _narrowed_by_index(query):
        matching = statement.where(*_matches(Contact, query, country, indexed=True))
        rows = db.session.execute(matching.order_by((Contact.id + 0).desc())).all()
        return Page.of(rows, limit)
    # Filtering the output of a LIMITed subquery: the planner cannot turn this into an index search.
    recent = recent.subquery()
    hits = (
        select(recent.c.id).where(*_matches(recent.c, query, country))
        .order_by(recent.c.id.desc()).limit(limit + 1)
    )
    rows = db.session.execute(statement.where(Contact.id.in_(hits)).order_by(Contact.id.desc())).all()
    if len(rows) <= limit:
        seen, floor = db.session.execute(select(func.count(), func.min(recent.c.id))).one()
        if seen == RECENT_WINDOW:
            older = statement.where(Contact.id < floor, *_matches(Contact, query, country, indexed=True))
            rows += db.session.execute(
                older.order_by((Contact.id + 0).desc()).limit(limit + 1 - len(rows))
            ).all()
    return Page.of(rows, limit)


#: Digits typed from which the number index alone narrows a search to few enough numbers.
INDEXED_DIGITS = 5


def _narrowed_by_index(query: str) -> bool:
    """A number search the indexes answer at once, with no look through the newest contacts first:
    how a number begins (a range of the phone index), or five digits and more (their runs)."""
    search = number_search((query or "").strip())
    return search is not None and (search.digits is None or len(search.digits) >= INDEXED_DIGITS)


def export_rows(account_id: int, list_id: int) -> Iterator[tuple[Contact, bool]]:
    """Every contact of a list with its opt-out, streamed from a server-side cursor."""
    statement = (
        select(Contact, OptOut.id.is_not(None))
        .join(ContactListMember, and_(ContactListMember.contact_id == Contact.id,
                                      ContactListMember.list_id == list_id,
                                      ContactListMember.account_id == account_id))
        .outerjoin(OptOut, _opted_out_join())
        .where(Contact.account_id == account_id)
        .order_by(Contact.id)
        .execution_options(yield_per=1000)
    )
    for contact, opted_out in db.session.execute(statement):
        yield contact, bool(opted_out)
