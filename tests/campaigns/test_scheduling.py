"""Send times typed in the account's time zone: named, converted to UTC, refused when past."""

from datetime import UTC, datetime

import pytest

from portal.campaigns.scheduling import ScheduleRefused, local_time, send_time_in_utc, zone_label

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_zone_is_named_with_its_abbreviation_of_the_season():
    assert zone_label("Europe/Warsaw", NOW) == "Europe/Warsaw (CET)"
    assert zone_label("Europe/Warsaw", datetime(2026, 7, 1, tzinfo=UTC)) == "Europe/Warsaw (CEST)"


def test_a_warsaw_wall_clock_time_is_stored_in_utc():
    moment = send_time_in_utc(datetime(2026, 11, 26, 9, 30), "Europe/Warsaw", now=NOW)
    assert moment == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert local_time(moment, "Europe/Warsaw") == "2026-11-26 09:30 CET"


def test_a_past_time_is_refused_with_the_time_now_in_the_zone():
    with pytest.raises(ScheduleRefused) as refused:
        send_time_in_utc(datetime(2026, 11, 25, 12, 30), "Europe/Warsaw", now=NOW)
    assert str(refused.value) == (
        "2026-11-25 12:30 has already passed in Europe/Warsaw (CET): it is now 2026-11-25 13:00. "
        "Choose a later time, or send now."
    )


def test_a_time_skipped_when_the_clocks_go_forward_is_refused():
    with pytest.raises(ScheduleRefused, match="does not exist in Europe/Warsaw"):
        send_time_in_utc(datetime(2027, 3, 28, 2, 30), "Europe/Warsaw", now=NOW)
