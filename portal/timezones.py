"""Account time zones: the zones an admin can choose, and times shown (and read) in the chosen one.

The database keeps every time in UTC; people see them in their account's IANA zone with its
abbreviation (CET, CEST), and schedules they type are read in the same zone. The zone data comes
from the `tzdata` package, so it works on machines without a system zone database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

#: Offered first: where the portal's SMSAPI services (Poland, the wider EU, Sweden, Bulgaria) are used.
COMMON_ZONES = (
    "Europe/Warsaw", "Europe/London", "Europe/Dublin", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
    "Europe/Rome", "Europe/Prague", "Europe/Vienna", "Europe/Stockholm", "Europe/Sofia",
    "Europe/Bucharest", "Europe/Vilnius", "Europe/Kyiv", "UTC",
)

# Continent/City names only: the database's old aliases (Poland, US/Eastern, Etc/GMT+5 with its
# inverted sign) would make the list long and confusing.
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
            "Indian/", "Pacific/")


class UnknownTimezone(ValueError):
    """A zone name the zone database does not know."""


@lru_cache(maxsize=1)
def selectable_zones() -> tuple[str, ...]:
    """Every zone an admin can choose: the common ones first, then all others alphabetically."""
    others = sorted(zone for zone in available_timezones()
                    if zone.startswith(_REGIONS) and zone not in COMMON_ZONES)
    return COMMON_ZONES + tuple(others)


def zone(name: str) -> ZoneInfo:
    """The zone called `name`; UnknownTimezone when there is none (the name is shown to admins)."""
    if name not in selectable_zones():
        raise UnknownTimezone(f"“{name}” is not a time zone: choose one from the list.")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise UnknownTimezone(f"“{name}” is not a time zone: choose one from the list.") from None


def zone_label(name: str, now: datetime | None = None) -> str:
    """How the zone reads in a list: `Europe/Warsaw (UTC+01:00)`, with today's offset."""
    offset = (now or datetime.now(UTC)).astimezone(ZoneInfo(name)).strftime("%z")
    return f"{name.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"


def abbreviation(local: datetime) -> str:
    """CET or CEST; zones without a letter abbreviation give `UTC+03` rather than a bare `+03`."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def format_local(value: datetime | None, zone_name: str) -> str:
    """A UTC timestamp as people of `zone_name` read it: 2026-11-25 11:07 CET."""
    if value is None:
        return "never"
    if value.tzinfo is None:  # a naive value from the database is UTC
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(ZoneInfo(zone_name))
    return f"{local:%Y-%m-%d %H:%M} {abbreviation(local)}"
