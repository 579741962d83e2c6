"""The rules for campaign drafts: what a message costs, which senders may be chosen, saving.

The preview is built from `portal.sms.segments.analyze`, the same analysis the sender will use, so
what the composer shows is what will be billed. Texts here are read by non-technical people. The
functions flush; the view that calls them commits.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import record_event
from portal.extensions import db
from portal.ids import in_id_range
from portal.models import Campaign, SenderName, SenderStatus, User
from portal.sms.placeholders import PlaceholderError, render
from portal.sms.segments import CAPACITY, GSM7, GSM_EXTENSION, UCS2, MessageAnalysis, Offender, analyze
from portal.tenancy import get_scoped

if TYPE_CHECKING:
    from portal.campaigns.personalisation import WorstCase

ENCODING_LABELS = {GSM7: "Standard characters", UCS2: "Unicode (special characters)"}
#: The longest text the portal reads as a message: four times SMSAPI's 918 standard characters is
#: plenty to tell someone "too long", and bounds what a preview or a save costs.
MAX_MESSAGE_CHARACTERS = 4 * 918

# Characters that glue emoji together (joiner, variation selectors, tags): drawn as part of the
# emoji, never as a placeholder of their own.
_EMOJI_GLUE = frozenset(["\u200d", *map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0020, 0xE0080))])
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_LINE_BREAKS = frozenset("\u000b\u0085\u2028\u2029")


class CampaignRuleError(ValueError):
    """A draft the rules refuse; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StaleDraft(CampaignRuleError):
    """The draft was saved by someone else since this form was opened; nothing was saved."""

    def __init__(self) -> None:
        super().__init__("message", "Someone else saved this draft while you were editing it.")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a part's text: plain, a character that forces Unicode, or an invisible one."""

    text: str
    kind: str = "plain"  # "plain" | "unicode" | "invisible"
    title: str = ""


@dataclass(frozen=True, slots=True)
class PreviewPart:
    number: int
    units: int
    over_limit: bool
    pieces: tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class UnicodeCharacter:
    """One character that forces Unicode, as the composer lists it."""

    shown: str
    name: str
    count: int
    invisible: bool
    outcome: str
    becomes: str | None  # the standard character(s) shown after `outcome`, when there are some
    replaceable: bool


@dataclass(frozen=True, slots=True)
class MessagePreview:
    """Everything the composer shows about a message, in the words it shows it."""

    text: str
    is_unicode: bool
    encoding: str
    used: int
    left: int
    parts: int
    single_capacity: int
    part_capacity: int
    has_double_characters: bool
    problem: str | None
    split: tuple[PreviewPart, ...]
    characters: tuple[UnicodeCharacter, ...]
    # Personalised: the preview is of the longest rendering; these are its values and what it changes.
    longest: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    placeholder_problem: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    @property
    def is_over_limit(self) -> bool:
        """Too long to be sent at all: the composer shows why, and no SMS count or cost."""
        return any(part.over_limit for part in self.split)

    @property
    def can_replace(self) -> bool:
        return any(character.replaceable for character in self.characters)


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """A campaign as the list shows it, with what its message costs."""

    campaign: Campaign
    parts: int
    encoding: str


def build_preview(
    text: str, max_parts: int, *, worst: WorstCase | None = None, placeholder_problem: str | None = None
) -> MessagePreview:
    """What `text` costs as SMS and why, ready for the composer to show.

    With `worst` (the longest personalised rendering over the chosen lists) the counts and parts are
    those of that rendering; otherwise placeholders are counted at their fallbacks. The characters
    offered for replacement are always the message's own, which the member can change. The work
    grows linearly with the text, and a text over MAX_MESSAGE_CHARACTERS is only analysed that far:
    the preview of an absurd paste stays as cheap as the longest real message.
    """
    length = len(text)
    far_too_long = length > MAX_MESSAGE_CHARACTERS
    if far_too_long:
        text, worst = text[:MAX_MESSAGE_CHARACTERS], None
    typed = analyze(text, max_parts=max_parts)
    if worst is not None:
        analysis = worst.analysis
    elif placeholder_problem is None and ("{" in text or "}" in text):
        analysis = analyze(render(text, {}), max_parts=max_parts)
    else:
        analysis = typed
    marked = {position: offender for offender in analysis.offenders for position in offender.positions}
    positions = sorted(marked)
    single, per_part = CAPACITY[analysis.encoding]
    return MessagePreview(
        text=analysis.text,
        is_unicode=analysis.encoding == UCS2,
        encoding=ENCODING_LABELS[analysis.encoding],
        used=analysis.units,
        left=analysis.left,
        parts=analysis.parts,
        single_capacity=single,
        part_capacity=per_part,
        has_double_characters=analysis.encoding == GSM7 and not GSM_EXTENSION.isdisjoint(analysis.text),
        problem=(
            _far_too_long(length, max_parts) if far_too_long
            else message_problem(typed) if not typed.text.strip() else message_problem(analysis)
        ),
        split=tuple(_preview_part(analysis, index, marked, positions) for index in range(analysis.parts)),
        characters=tuple(map(_unicode_character, typed.offenders)),
        longest=tuple(worst.values.items()) if worst else (),
        warnings=worst.warnings if worst else (),
        placeholder_problem=placeholder_problem,
    )


def message_problem(analysis: MessageAnalysis) -> str | None:
    """Why this message cannot be saved as it is, in plain words; None when it can."""
    if not analysis.text.strip():
        return "The message is empty. Write it to see how many SMS it takes."
    if analysis.over_limit:
        limit = analysis.max_parts
        shorten_by = analysis.units - character_limit(analysis.encoding, limit)
        return (
            f"Too long to send: a message can take at most {limit} SMS "
            f"({character_limit(GSM7, limit)} standard characters, or {character_limit(UCS2, limit)} "
            f"with special characters). Remove at least {_count(shorten_by, 'character')}."
        )
    return None


def _count(number: int, noun: str) -> str:
    """`1 character`, `2 characters`: the messages are read by people."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _far_too_long(length: int, max_parts: int) -> str:
    return (
        f"Far too long to send: this text has {length} characters, and a message can take at most "
        f"{max_parts} SMS ({character_limit(GSM7, max_parts)} standard characters, or "
        f"{character_limit(UCS2, max_parts)} with special characters)."
    )


def character_limit(encoding: str, max_parts: int) -> int:
    """How many units fit in `max_parts` SMS: 918 standard or 402 Unicode for SMSAPI's 6."""
    single, per_part = CAPACITY[encoding]
    return single if max_parts == 1 else per_part * max_parts


def _preview_part(
    analysis: MessageAnalysis, index: int, marked: dict[int, Offender], positions: list[int]
) -> PreviewPart:
    """One part's pieces; `positions` are the marked positions, sorted once for every part."""
    part = analysis.split[index]
    first = bisect_left(positions, part.start)
    pieces: list[Piece] = []
    cursor = part.start
    for position in positions[first:]:
        if position >= part.end:
            break
        if position > cursor:
            pieces.append(Piece(analysis.text[cursor:position]))
        pieces.append(_marked_piece(marked[position]))
        cursor = position + 1
    if cursor < part.end:
        pieces.append(Piece(analysis.text[cursor : part.end]))
    return PreviewPart(index + 1, part.units, index >= analysis.max_parts, tuple(pieces))


def _marked_piece(offender: Offender) -> Piece:
    name = _friendly_name(offender.name)
    if _is_invisible(offender.char):
        return Piece(_placeholder(offender.char), "invisible", f"{name} (invisible)")
    return Piece(offender.char, "unicode", name)


def _unicode_character(offender: Offender) -> UnicodeCharacter:
    invisible = _is_invisible(offender.char)
    return UnicodeCharacter(
        shown=_placeholder(offender.char) if invisible else offender.char,
        name=_friendly_name(offender.name),
        count=len(offender.positions),
        invisible=invisible,
        outcome=_replacement_outcome(offender.replacement),
        becomes=offender.replacement if offender.replacement and not offender.replacement.isspace() else None,
        replaceable=offender.replacement is not None,
    )


def _replacement_outcome(replacement: str | None) -> str:
    if replacement is None:
        return "No standard equivalent: it stays, and keeps the message in Unicode."
    if replacement == "":
        return "Can be removed."
    if replacement == " ":
        return "Can become a plain space."
    if replacement == "\n":
        return "Can become a plain line break."
    return "Can become"


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES and char not in _EMOJI_GLUE


def _placeholder(char: str) -> str:
    """A visible stand-in for a character that shows nothing (or only white space)."""
    if char == "\t":
        return "⇥"
    if char in _LINE_BREAKS or unicodedata.category(char) in {"Zl", "Zp"}:
        return "↵"
    if unicodedata.category(char) == "Zs":
        return "␣"
    return "◌"


def _friendly_name(unicode_name: str) -> str:
    """'LATIN SMALL LETTER A WITH OGONEK' -> 'Latin small letter a with ogonek'."""
    return unicode_name.capitalize()


def choose_sender(account_id: int, sender_name_id: int | None) -> SenderName | None:
    """The sender name a draft may use, or None for the account default; refuses anything else."""
    if sender_name_id is None:
        return None
    sender = get_scoped(SenderName, sender_name_id)
    if sender is None or sender.account_id != account_id:
        raise CampaignRuleError("sender", "Choose a sender name from the list.")
    if not sender.is_active:
        raise CampaignRuleError("sender", _not_active_reason(sender))
    return sender


def _not_active_reason(sender: SenderName) -> str:
    why = {
        SenderStatus.PENDING.value: "is still waiting for approval by SMSAPI",
        SenderStatus.REJECTED.value: "was rejected by SMSAPI",
    }.get(sender.status, "is no longer active")
    return f"“{sender.name}” {why}: choose an active sender name or the account default."


def save_campaign(
    campaign: Campaign | None,
    *,
    account_id: int,
    by: User,
    name: str,
    sender_name_id: int | None,
    message: str,
    max_parts: int,
    list_ids: Sequence[int] = (),
    consent_only: bool = False,
    version: int | None = None,
) -> Campaign:
    """Create (campaign None) or update a draft, storing the message exactly as it was counted.

    `version` is the draft's version the form was made from: a save over a newer one is refused
    (StaleDraft), checked again by the UPDATE itself, so two saves that raced cannot both win.
    """
    from portal.campaigns.recipients import CampaignListError, check_known_placeholders, set_campaign_lists

    if campaign is not None and version is not None and version != campaign.version:
        raise StaleDraft()
    sender = choose_sender(account_id, sender_name_id)
    if len(message) > MAX_MESSAGE_CHARACTERS:
        raise CampaignRuleError("message", _far_too_long(len(message), max_parts))
    analysis = analyze(message, max_parts=max_parts)
    problem = message_problem(analysis)
    if problem:
        raise CampaignRuleError("message", problem)
    try:
        check_known_placeholders(account_id, analysis.text)
    except PlaceholderError as refused:
        raise CampaignRuleError("message", str(refused)) from None
    created = campaign is None
    if campaign is None:
        campaign = Campaign(account_id=account_id, created_by_id=by.id)
        db.session.add(campaign)
    changed = not created and (
        campaign.name != name.strip() or campaign.sender_name_id != (sender.id if sender else None)
        or campaign.message != analysis.text or sorted(campaign.list_ids) != sorted(set(list_ids))
        or campaign.consent_only != consent_only
    )
    campaign.name = name.strip()
    campaign.consent_only = consent_only
    campaign.sender_name = sender
    campaign.message = analysis.text
    campaign.version = 1 if created else campaign.version + 1
    try:
        set_campaign_lists(campaign, list_ids)
    except CampaignListError as refused:
        raise CampaignRuleError("list_ids", str(refused)) from None
    except StaleDataError:  # its flush writes the draft: another save of the same version won
        raise StaleDraft() from None
    if changed:
        record_event(account_id, by, "campaign.edited", f"{by.email} edited the draft “{campaign.name}”",
                     campaign_id=campaign.id, version=campaign.version)
    if created:
        db.session.flush()
        record_event(
            account_id,
            by,
            "campaign.created",
            f"{by.email} created campaign “{campaign.name}”",
            campaign_id=campaign.id,
        )
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleDraft() from None
    return campaign


def delete_campaign(campaign: Campaign, by: User) -> None:
    """Delete a draft for good; the audit trail keeps who did it."""
    record_event(
        campaign.account_id,
        by,
        "campaign.deleted",
        f"{by.email} deleted campaign “{campaign.name}”",
        campaign_id=campaign.id,
    )
    db.session.delete(campaign)
    db.session.flush()


#: Campaigns on one page of the list.
PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ListCursor:
    """Where the next page of the campaign list begins: below this campaign in the list's order
    (last changed first). Written in a URL as `<microseconds since 1970>-<id>`."""

    updated_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.updated_at - _EPOCH) // timedelta(microseconds=1)}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> ListCursor:
        """The cursor a URL carries; ValueError when it is not one."""
        micros, _, campaign_id = text.partition("-")
        try:
            if not (micros.isascii() and micros.isdigit() and campaign_id.isascii() and campaign_id.isdigit()
                    and in_id_range(int(campaign_id))):
                raise ValueError
            return cls(_EPOCH + timedelta(microseconds=int(micros)), int(campaign_id))
        except (ValueError, OverflowError):  # not digits, not an id, or past the last date there is
            raise ValueError(f"not a page of the campaign list: {text!r}") from None


@dataclass(frozen=True)
class CampaignPage:
    """One page of the list, and where the next begins (None on the last page)."""

    rows: list[CampaignRow]
    next_before: ListCursor | None


def list_campaigns(
    account_id: int, max_parts: int, before: ListCursor | None = None, size: int = PAGE_SIZE
) -> CampaignPage:
    """A page of the account's campaigns, most recently changed first, each with the SMS its message
    takes; keyset pages (no OFFSET), read through the index of the list's order."""
    query = (
        select(Campaign)
        .where(Campaign.account_id == account_id)
        .options(selectinload(Campaign.sender_name), selectinload(Campaign.created_by))
        .order_by(Campaign.updated_at.desc(), Campaign.id.desc())
        .limit(size + 1)
    )
    if before is not None:
        query = query.where(tuple_(Campaign.updated_at, Campaign.id) < tuple_(before.updated_at, before.id))
    campaigns = list(db.session.scalars(query))
    rows = []
    for campaign in campaigns[:size]:
        analysis = analyze(campaign.message, max_parts=max_parts)
        rows.append(CampaignRow(campaign, analysis.parts, ENCODING_LABELS[analysis.encoding]))
    last = rows[-1].campaign if len(campaigns) > size else None  # more follow the last one shown
    return CampaignPage(rows, ListCursor(last.updated_at, last.id) if last is not None else None)
