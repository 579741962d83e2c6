"""A campaign's audience and what its personalised message costs across it.

The audience is `portal.contacts.audience.recipients_select` over the campaign's lists and its
consent choice, so the summary, the preflight and the launch count the same people. Costs are
computed per distinct combination of the values the message uses (one grouped query), not per
contact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, delete, func, select, text, true

from portal.contacts.audience import recipients_select
from portal.extensions import db
from portal.id_lists import id_array, in_ids
from portal.models import Campaign, CampaignList, Contact, ContactList
from portal.sms.placeholders import STANDARD_NAMES, check_placeholders, placeholder_names, render
from portal.sms.segments import GSM7, MessageAnalysis, analyze


class CampaignListError(ValueError):
    """Lists that cannot be chosen (another account's, or gone)."""


def set_campaign_lists(campaign: Campaign, list_ids: Sequence[int]) -> None:
    """Choose the contact lists of a draft; only the campaign's own account's lists. Flushes."""
    wanted = sorted(set(list_ids))
    found = set(
        db.session.scalars(
            select(ContactList.id).where(
                ContactList.account_id == campaign.account_id, ContactList.id.in_(wanted)
            )
        )
    )
    missing = [list_id for list_id in wanted if list_id not in found]
    if missing:
        raise CampaignListError("Choose contact lists from the list.")
    if campaign.id is not None:
        db.session.execute(
            delete(CampaignList).where(
                CampaignList.account_id == campaign.account_id, CampaignList.campaign_id == campaign.id
            )
        )
        db.session.expire(campaign, ["lists"])
    campaign.lists = [CampaignList(account_id=campaign.account_id, list_id=list_id) for list_id in wanted]
    db.session.flush()


def custom_field_names(account_id: int) -> list[str]:
    """The custom field keys the account's contacts have, for placeholders beyond the standard ones."""
    if db.engine.dialect.name == "postgresql":
        query = text(
            "SELECT DISTINCT key FROM contact, json_object_keys(contact.fields) AS key "
            "WHERE contact.account_id = :account ORDER BY key"
        )
    else:
        query = text(
            "SELECT DISTINCT j.key FROM contact, json_each(contact.fields) AS j "
            "WHERE contact.account_id = :account ORDER BY j.key"
        )
    return [row[0] for row in db.session.execute(query, {"account": account_id})]


def known_placeholder_names(account_id: int) -> list[str]:
    """Every name a message of this account may use in a placeholder."""
    return [*STANDARD_NAMES, *(n for n in custom_field_names(account_id) if n not in STANDARD_NAMES)]


def check_known_placeholders(account_id: int, message: str) -> None:
    """UnknownPlaceholder for the first name `message` uses that the account does not know. The
    contacts' custom fields are only read when the message uses a name beyond the standard ones."""
    if set(placeholder_names(message)) <= set(STANDARD_NAMES):
        check_placeholders(message, STANDARD_NAMES)
    else:
        check_placeholders(message, known_placeholder_names(account_id))


def value_column(name: str) -> ColumnElement:
    """The SQL expression of one placeholder's value: a contact column or a custom field."""
    if name in STANDARD_NAMES:
        return getattr(Contact, name)
    return Contact.fields[name].as_string()


def contact_values(
    account_id: int, contacts: Mapping[int, str], names: Sequence[str]
) -> dict[int, tuple[str | None, ...]]:
    """The placeholder values of some of the account's contacts, given as {id: phone}, in one query:
    {id: (the value of each of `names`, in order)}. A contact is known by its id and its phone
    together: a message keeps its contact's id with no foreign key, and once that contact is deleted
    SQLite may give its id to the next one."""
    if not names or not contacts:
        return {}
    columns = [value_column(name).label(f"v{i}") for i, name in enumerate(names)]
    if db.engine.dialect.name == "postgresql":
        # Each id looked up by its key, whatever the statistics say: the subquery per id (LATERAL, kept
        # apart by its OFFSET) cannot become a join that reads the account's contacts. Right after an
        # import, before the table is analysed again, the planner took the account's 100,000
        # contacts for a few dozen and read them all for each chunk of 2,000 (25 ms; one look-up per
        # id takes 6).
        wanted = func.unnest(id_array(contacts)).table_valued("id").render_derived(name="wanted")
        found = (select(Contact.id, Contact.phone, *columns)
                 .where(Contact.id == wanted.c.id, Contact.account_id == account_id)
                 .offset(0).lateral("found"))
        query = select(found).select_from(wanted).join(found, true())
    else:
        query = select(Contact.id, Contact.phone, *columns).where(Contact.account_id == account_id,
                                                                  in_ids(Contact.id, contacts))
    # Plain rows, not ORM ones (the account is named above), fetched at once and kept as tuples: a
    # chunk's values are read every second, and the rows one by one took as long as the query.
    rows = db.session.connection().execute(query).all()
    return {row[0]: tuple(row[2:]) for row in rows if contacts[row[0]] == row[1]}


def campaign_recipients(campaign: Campaign) -> Select:
    """SELECT contact id and phone of everyone the campaign reaches: its lists, its consent choice."""
    return recipients_select(campaign.account_id, campaign.list_ids, consent_only=campaign.consent_only)


def rendering_groups(campaign: Campaign) -> Iterator[tuple[str, int]]:
    """(rendered text, how many recipients get it) for the campaign's audience, grouped by the values
    used."""
    message = campaign.message
    names = placeholder_names(message)
    audience = campaign_recipients(campaign).subquery()
    if not names:
        count = db.session.scalar(select(func.count()).select_from(audience)) or 0
        if count:
            yield render(message, {}), count
        return
    columns = [value_column(name) for name in names]
    query = (
        select(*columns, func.count())
        .select_from(Contact)
        .join(audience, audience.c.contact_id == Contact.id)
        .group_by(*columns)
        .execution_options(yield_per=5000)
    )
    for row in db.session.execute(query):
        yield render(message, dict(zip(names, row[:-1], strict=True))), int(row[-1])


@dataclass
class AudienceCost:
    """Parts of the personalised message over the audience: the total and the worst case."""

    recipients: int = 0
    total_parts: int = 0
    worst: MessageAnalysis | None = None
    plain: MessageAnalysis | None = None  # the text with every placeholder at its fallback
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def worst_parts(self) -> int:
        return self.worst.parts if self.worst else 0


def audience_cost(campaign: Campaign, max_parts: int) -> AudienceCost:
    """What the campaign's message costs for its audience, with the problems that stop a launch."""
    cost = AudienceCost()
    try:
        check_known_placeholders(campaign.account_id, campaign.message)
    except ValueError as error:
        cost.problems.append(str(error))
        return cost
    cost.plain = analyze(render(campaign.message, {}), max_parts=max_parts)
    for rendered, count in rendering_groups(campaign):
        analysis = analyze(rendered, max_parts=max_parts)
        cost.recipients += count
        cost.total_parts += analysis.parts * count
        if cost.worst is None or (analysis.parts, analysis.units) > (cost.worst.parts, cost.worst.units):
            cost.worst = analysis
        if analysis.over_limit and not any("too long" in p for p in cost.problems):
            cost.problems.append(
                "The message is too long for some recipients once personalised: "
                f"it takes {analysis.parts} SMS where at most {max_parts} are allowed. "
                "Shorten it or use shorter fallbacks."
            )
    cost.warnings = _boundary_warnings(cost)
    return cost


def _boundary_warnings(cost: AudienceCost) -> list[str]:
    if cost.worst is None or cost.plain is None:
        return []
    warnings = []
    if cost.worst.encoding != GSM7 and cost.plain.encoding == GSM7:
        warnings.append(
            "Some recipients' names or fields contain special characters: their messages are sent as "
            "Unicode, which fits fewer characters in each SMS."
        )
    if cost.worst.parts > cost.plain.parts:
        warnings.append(
            f"Personalisation makes some messages longer: up to {cost.worst.parts} SMS each, "
            f"instead of {cost.plain.parts} without it."
        )
    return warnings
