"""Account time zones: the zones offered, and times shown in the chosen one with its abbreviation."""

from datetime import UTC, datetime

import pytest

from portal.timezones import COMMON_ZONES, UnknownTimezone, format_local, selectable_zones, zone, zone_label

WINTER = datetime(2026, 11, 25, 10, 7, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 10, 7, tzinfo=UTC)


def test_times_are_shown_in_the_zone_with_its_abbreviation_across_daylight_saving():
    assert format_local(WINTER, "Europe/Warsaw") == "2026-11-25 11:07 CET"
    assert format_local(SUMMER, "Europe/Warsaw") == "2026-07-01 12:07 CEST"
    assert format_local(WINTER, "UTC") == "2026-11-25 10:07 UTC"


def test_a_zone_without_letters_is_named_by_its_offset():
    assert format_local(WINTER, "America/Sao_Paulo") == "2026-11-25 07:07 UTC-03"


def test_naive_database_values_are_read_as_utc_and_missing_ones_as_never():
    assert format_local(WINTER.replace(tzinfo=None), "Europe/Warsaw") == "2026-11-25 11:07 CET"
    assert format_local(None, "Europe/Warsaw") == "never"


def test_common_zones_come_first_then_every_city_zone_once():
    zones = selectable_zones()
    assert zones[: len(COMMON_ZONES)] == COMMON_ZONES
    assert zones[0] == "Europe/Warsaw"
    assert len(zones) == len(set(zones)) > 300
    assert "America/New_York" in zones
    assert not {"Poland", "US/Eastern", "Etc/GMT+5", "localtime"} & set(zones)


def test_unknown_zones_are_refused_with_the_name():
    with pytest.raises(UnknownTimezone, match="“Mars/Olympus” is not a time zone"):
        zone("Mars/Olympus")
    assert zone("Europe/Warsaw").key == "Europe/Warsaw"


def test_labels_give_the_offset_of_the_day():
    assert zone_label("Europe/Warsaw", WINTER) == "Europe/Warsaw (UTC+01:00)"
    assert zone_label("America/Sao_Paulo", WINTER) == "America/Sao Paulo (UTC-03:00)"
