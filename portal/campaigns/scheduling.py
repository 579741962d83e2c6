"""Send times as members type them: a wall-clock time in the account's time zone, stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class ScheduleRefused(ValueError):
    """A send time that cannot be used; the message says why, in the account's time zone."""


def zone_label(timezone: str, at: datetime | None = None) -> str:
    """'Europe/Warsaw (CET)': the zone's name and its abbreviation at `at` (now by default)."""
    moment = (at or datetime.now(UTC)).astimezone(ZoneInfo(timezone))
    return f"{timezone} ({moment.tzname()})"


def local_time(value: datetime | None, timezone: str) -> str:
    """A stored UTC time as the account reads it: '2026-12-01 09:30 CET'."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def send_time_in_utc(local: datetime, timezone: str, now: datetime | None = None) -> datetime:
    """The UTC moment of a wall-clock time typed in `timezone`; refuses a time already past and one
    that does not exist on that day (skipped when the clocks go forward)."""
    zone = ZoneInfo(timezone)
    aware = local.replace(tzinfo=zone)
    moment = aware.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ScheduleRefused(
            f"{local:%Y-%m-%d %H:%M} does not exist in {timezone}: the clocks go forward then. "
            "Choose another time."
        )
    now = now or datetime.now(UTC)
    if moment <= now:
        raise ScheduleRefused(
            f"{local:%Y-%m-%d %H:%M} has already passed in {zone_label(timezone, now)}: it is now "
            f"{now.astimezone(zone):%Y-%m-%d %H:%M}. Choose a later time, or send now."
        )
    return moment
