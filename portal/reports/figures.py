"""What people read about delivery: a campaign's counts by outcome, delivered over time, its messages
page by page, one message's timeline, and the account's last 30 days.

Every figure is one grouped query over the message table (never the messages loaded), scoped to the
account explicitly; lists page by key. The dashboard's settled days are counted once and kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, cast, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import Campaign, DailyFigures, DeliveryReport, Message, MessageStatus, utcnow
from portal.sms.delivery import status_for
from portal.timezones import format_local

S = MessageStatus


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    statuses: frozenset[str]


#: The outcomes a report shows, in order; every message state belongs to exactly one.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("delivered", "Delivered", frozenset({S.DELIVERED})),
    Outcome("undelivered", "Undelivered", frozenset({S.UNDELIVERED})),
    Outcome("expired", "Expired", frozenset({S.EXPIRED})),
    Outcome("failed", "Failed", frozenset({S.FAILED, S.REJECTED, S.STOPPED})),
    Outcome("pending", "Pending", frozenset({S.QUEUED, S.SENDING, S.SUBMITTED, S.SMSAPI_QUEUE, S.SENT,
                                              S.ACCEPTED})),
    Outcome("unknown", "Unknown", frozenset({S.UNKNOWN})),
    Outcome("not_sent", "Not sent", frozenset({S.CANCELLED, S.SKIPPED})),
)
OUTCOME_BY_KEY = {outcome.key: outcome for outcome in OUTCOMES}
PENDING = OUTCOME_BY_KEY["pending"].statuses
#: What "send again to the ones that failed" takes: a definite failure to reach the phone. Unknown
#: (maybe delivered) and stopped (stopped on purpose) are left out.
RESENDABLE = frozenset({S.UNDELIVERED, S.EXPIRED, S.FAILED, S.REJECTED})

#: What each state means, in the words of the report page (SMSAPI's own word is shown beside it).
STATUS_WORDS = {
    S.QUEUED: "Waiting to be sent", S.SENDING: "Being handed to SMSAPI",
    S.SUBMITTED: "Accepted by SMSAPI", S.SMSAPI_QUEUE: "Queued at SMSAPI", S.SENT: "Sent to the operator",
    S.ACCEPTED: "Accepted by the operator", S.DELIVERED: "Delivered to the phone",
    S.UNDELIVERED: "Could not be delivered", S.EXPIRED: "Phone unreachable until it expired",
    S.FAILED: "Failed", S.REJECTED: "Rejected by the operator",
    S.STOPPED: "Stopped", S.UNKNOWN: "No report from the operator", S.CANCELLED: "Cancelled",
    S.SKIPPED: "Skipped (opted out)",
}

PAGE_SIZE = 50


@dataclass(frozen=True)
class OutcomeCount:
    outcome: Outcome
    count: int
    percent: float


@dataclass(frozen=True)
class CampaignCounts:
    total: int
    points: Decimal
    outcomes: list[OutcomeCount]

    @property
    def pending(self) -> int:
        return next(o.count for o in self.outcomes if o.outcome.key == "pending")

    def count(self, key: str) -> int:
        return next(o.count for o in self.outcomes if o.outcome.key == key)


def campaign_counts(account_id: int, campaign_id: int) -> CampaignCounts:
    """Messages of the campaign by outcome (test sends left out), and the points SMSAPI charged."""
    rows = db.session.execute(
        select(Message.status, func.count(), func.sum(Message.points))
        .where(Message.account_id == account_id, Message.campaign_id == campaign_id,
               Message.is_test_send.is_(False))
        .group_by(Message.status)
        .execution_options(all_accounts=True)
    ).all()
    by_status = {status: (count, points or Decimal(0)) for status, count, points in rows}
    total = sum(count for count, _ in by_status.values())
    outcomes = []
    for outcome in OUTCOMES:
        count = sum(by_status.get(status, (0, 0))[0] for status in outcome.statuses)
        outcomes.append(OutcomeCount(outcome, count, 100.0 * count / total if total else 0.0))
    points = sum((points for _, points in by_status.values()), Decimal(0))
    return CampaignCounts(total, points, outcomes)


@dataclass(frozen=True)
class TimeBucket:
    start: datetime
    delivered: int
    cumulative: int


_WIDTHS = (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)


def delivered_over_time(
    account_id: int, campaign_id: int, max_buckets: int = 48, zone_name: str = "UTC"
) -> tuple[int, list[TimeBucket]]:
    """Deliveries per time bucket (the width chosen to give at most `max_buckets`), with the running
    total. Buckets start on the clock of `zone_name` (a day at its midnight, an hour on the hour,
    by its offset when the first message was delivered), and their starts are in that zone."""
    scope = (Message.account_id == account_id, Message.campaign_id == campaign_id,
             Message.is_test_send.is_(False), Message.delivered_at.is_not(None))
    first, last = db.session.execute(
        select(func.min(Message.delivered_at), func.max(Message.delivered_at)).where(*scope)
        .execution_options(all_accounts=True)
    ).one()
    if first is None:
        return 0, []
    first, last = _aware(first), _aware(last)
    span = (last - first).total_seconds()
    width = next((w for w in _WIDTHS if span / w < max_buckets), _WIDTHS[-1])
    zone = ZoneInfo(zone_name)
    offset = int(first.astimezone(zone).utcoffset().total_seconds())
    origin = (int(first.timestamp()) + offset) // width * width - offset
    bucket = cast(func.floor((_epoch(Message.delivered_at) - origin) / width), Integer)
    rows = db.session.execute(
        select(bucket, func.count()).where(*scope).group_by(bucket).order_by(bucket)
        .execution_options(all_accounts=True)
    ).all()
    counts = {int(index): count for index, count in rows}
    buckets, running = [], 0
    for index in range(max(counts) + 1):
        running += counts.get(index, 0)
        start = datetime.fromtimestamp(origin + index * width, UTC).astimezone(zone)
        buckets.append(TimeBucket(start, counts.get(index, 0), running))
    return width, buckets


def _epoch(column):
    """Seconds since 1970 of a stored timestamp, in the dialect at hand."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return func.extract("epoch", column)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def messages_page(
    account_id: int, campaign_id: int, *, outcome: str | None = None, number: str | None = None,
    before: int | None = None, size: int = PAGE_SIZE,
) -> tuple[list, int | None]:
    """One page of the campaign's messages, newest first, and the key of the next page (or None)."""
    query = (
        select(Message.id, Message.phone, Message.status, Message.report_code, Message.points,
               Message.submitted_at, Message.status_changed_at, Message.is_test_send)
        .where(Message.account_id == account_id, Message.campaign_id == campaign_id)
        .order_by(Message.id.desc())
        .limit(size + 1)
        .execution_options(all_accounts=True)
    )
    if outcome in OUTCOME_BY_KEY:
        query = query.where(Message.status.in_(OUTCOME_BY_KEY[outcome].statuses))
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if digits:
        query = query.where(Message.phone.contains(digits, autoescape=True))
    if before is not None:
        query = query.where(Message.id < before)
    rows = db.session.execute(query).all()
    following = rows[size - 1].id if len(rows) > size else None
    return rows[:size], following


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime | None
    title: str
    smsapi_words: str | None = None
    our_words: str | None = None
    detail: str = ""
    simulated: bool = False


def message_timeline(account_id: int, message: Message, zone_name: str = "UTC") -> list[TimelineEvent]:
    """What happened to one message: created, handed to SMSAPI, then each report as it came."""
    events = [TimelineEvent(message.created_at, "Created")]
    if message.submitted_at:
        detail = f"SMSAPI id {message.smsapi_id}" if message.smsapi_id else ""
        events.append(TimelineEvent(message.submitted_at, "Sent to SMSAPI", detail=detail))
    reports = db.session.scalars(
        select(DeliveryReport)
        .where(DeliveryReport.account_id == account_id, DeliveryReport.message_id == message.id)
        .order_by(DeliveryReport.id)
        .execution_options(all_accounts=True)
    )
    for report in reports:
        status = status_for(report.status_code, report.status_name)
        ours = STATUS_WORDS.get(_state_for(status.code, status.name), "Not a status the portal knows")
        facts = [f"code {report.status_code}"]
        if report.points is not None:
            facts.append(f"{report.points.normalize()} points")
        if report.mcc is not None:
            facts.append(f"operator {report.mcc}/{report.mnc}")
        if report.done_at:
            facts.append(f"at the operator {format_local(report.done_at, zone_name)}")
        events.append(TimelineEvent(report.received_at, "Report received", report.status_name or status.name,
                                    ours, ", ".join(facts), report.simulated))
    if message.error_text:
        events.append(TimelineEvent(message.failed_at, "Refused", our_words=message.error_text))
    return events


def _state_for(code: int, name: str) -> str | None:
    from portal.models import STATUS_FOR_REPORT_CODE
    from portal.sms.delivery import STATUSES

    if code in STATUS_FOR_REPORT_CODE:
        return STATUS_FOR_REPORT_CODE[code]
    known = next((s.code for s in STATUSES.values() if s.name == name), None)
    return STATUS_FOR_REPORT_CODE.get(known) if known else None


@dataclass(frozen=True)
class Day:
    day: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    points: Decimal = Decimal(0)


#: A day's figures are counted once and kept when this long has passed since the day ended: by then
#: the reports of its messages have come, and the portal has stopped matching late ones (the same
#: three days as `portal.delivery.apply.UNMATCHED_RETRY_WINDOW`). The days since are counted on every
#: view. A report SMSAPI sends later still for a kept day (after the portal was unreachable for days)
#: moves its message and the campaign's report, not the kept day.
SETTLED_AFTER = timedelta(days=3)


def last_30_days(account_id: int, now: datetime | None = None, zone_name: str = "UTC") -> list[Day]:
    """Per day of the last 30, days as the clock of `zone_name` has them: messages sent,
    delivered, failed, and points spent. Settled days come from `DailyFigures`; one not kept yet is
    counted and kept (flushed: the caller commits), and the days since are counted."""
    now = now or utcnow()
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=29)
    # A day has settled when its end (the next day's midnight) lies SETTLED_AFTER in the past.
    last_settled = (now - SETTLED_AFTER).astimezone(zone).date() - timedelta(days=1)
    figures = _kept_days(account_id, zone_name, first_day, last_settled)
    missing = [day for day in _days(first_day, last_settled) if day not in figures]
    if missing:
        counted = _counted_days(account_id, zone_name, now, missing[0], missing[-1] + timedelta(days=1))
        fresh = {day: counted.get(day, Day(day.isoformat())) for day in missing}
        _keep(account_id, zone_name, fresh.values(), now, older_gone=first_day)
        figures.update(fresh)
    live_from = max(first_day, last_settled + timedelta(days=1))
    figures.update(_counted_days(account_id, zone_name, now, live_from, None))
    return [figures.get(day, Day(day.isoformat())) for day in _days(first_day, today)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _kept_days(account_id: int, zone_name: str, first: date, last: date) -> dict[date, Day]:
    if last < first:
        return {}
    rows = db.session.scalars(
        select(DailyFigures).where(DailyFigures.account_id == account_id, DailyFigures.zone == zone_name,
                                   DailyFigures.day.between(first, last))
        .execution_options(all_accounts=True)
    )
    return {row.day: Day(row.day.isoformat(), row.sent, row.delivered, row.failed, row.points)
            for row in rows}


def _keep(account_id: int, zone_name: str, days: Iterable[Day], now: datetime, older_gone: date) -> None:
    """Keep counted days; a day another view kept meanwhile stays as that view counted it. The days
    kept before `older_gone`, in any zone, are no longer shown and go."""
    db.session.execute(delete(DailyFigures).where(DailyFigures.account_id == account_id,
                                                  DailyFigures.day < older_gone)
                       .execution_options(all_accounts=True))
    rows = [{"account_id": account_id, "zone": zone_name, "day": date.fromisoformat(day.day),
             "sent": day.sent, "delivered": day.delivered, "failed": day.failed, "points": day.points,
             "counted_at": now} for day in days]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(DailyFigures).values(rows)
                       .on_conflict_do_nothing(index_elements=["account_id", "zone", "day"]))


def _counted_days(
    account_id: int, zone_name: str, now: datetime, first: date, end: date | None
) -> dict[date, Day]:
    """The days from `first` up to `end` (not included; None: up to now) counted from the messages."""
    zone = ZoneInfo(zone_name)
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(end, time(), zone) if end is not None else None
    counts: dict[date, dict] = {}
    for column, key in ((Message.submitted_at, "sent"), (Message.delivered_at, "delivered"),
                        (Message.failed_at, "failed")):
        day = _day(column, zone_name, now)
        fields = [day, func.count()] + ([func.sum(Message.points)] if key == "sent" else [])
        window = [column >= since] + ([column < until] if until is not None else [])
        for row in db.session.execute(
            select(*fields).where(Message.account_id == account_id, Message.is_test_send.is_(False), *window)
            .group_by(day).execution_options(all_accounts=True)
        ):
            values = counts.setdefault(date.fromisoformat(str(row[0])[:10]), {})
            values[key] = row[1]
            if key == "sent":
                values["points"] = row[2] or Decimal(0)
    return {day: Day(day.isoformat(), **values) for day, values in counts.items()
            if day >= first and (end is None or day < end)}


def _day(column, zone_name: str, now: datetime):
    """The day of a stored time on the clock of `zone_name`. SQLite knows no time zones: there the
    zone's offset of `now` stands for the whole month (a day next to a daylight-saving change may
    then count an hour of the next or the previous day)."""
    if db.session.get_bind().dialect.name == "sqlite":
        offset = int(now.astimezone(ZoneInfo(zone_name)).utcoffset().total_seconds())
        return func.date(column, f"{offset:+d} seconds")
    return cast(func.timezone(zone_name, column), Date)


@dataclass(frozen=True)
class InFlight:
    campaign_id: int
    name: str
    pending: int
    total: int


def campaigns_in_flight(account_id: int) -> list[InFlight]:
    """Campaigns with messages still waiting for a final status, most pending first."""
    # The account's campaigns, each asked through its own messages' index whether one is pending,
    # then the messages of those alone counted: never a read of the account's other messages.
    waiting = exists().where(Message.account_id == account_id, Message.campaign_id == Campaign.id,
                             Message.status.in_(PENDING))
    names = dict(db.session.execute(
        select(Campaign.id, Campaign.name).where(Campaign.account_id == account_id, waiting)
        .execution_options(all_accounts=True)
    ).all())
    if not names:
        return []
    pending = func.sum(cast(Message.status.in_(PENDING), Integer))
    rows = db.session.execute(
        select(Message.campaign_id, pending, func.count())
        .where(Message.account_id == account_id, Message.campaign_id.in_(sorted(names)),
               Message.is_test_send.is_(False))
        .group_by(Message.campaign_id)
        .execution_options(all_accounts=True)
    ).all()
    flights = [InFlight(cid, names[cid], int(p or 0), total) for cid, p, total in rows]
    return sorted([f for f in flights if f.pending], key=lambda f: -f.pending)
