"""Delivery reports: parsing single and batched callbacks, and the forward-only status table."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.sms.delivery import (
    STATUSES,
    InvalidDeliveryReport,
    moves_forward,
    parse_delivery_reports,
    status_for,
)

# A real callback logged by a third-party integration (SMSAPI.md §3.3).
LOGGED = {
    "MsgId": "60E576ED3463355E5B8E386A", "status": "404", "status_name": "DELIVERED", "idx": "",
    "points": "0.086", "to": "380639482705", "sent_at": "1625650925", "donedate": "1625650938",
    "username": "someone", "mcc": "255", "mnc": "6", "from": "Test",
}


def test_a_single_report_is_read_with_every_field():
    [report] = parse_delivery_reports(LOGGED)

    assert report.msg_id == "60E576ED3463355E5B8E386A"
    assert (report.status, report.status_name, report.idx) == (404, "DELIVERED", None)
    assert report.points == Decimal("0.086")
    assert report.donedate == datetime(2021, 7, 7, 9, 42, 18, tzinfo=UTC)
    assert report.sent_at == datetime(2021, 7, 7, 9, 42, 5, tzinfo=UTC)
    assert (report.to, report.sender, report.username, report.mcc, report.mnc) == (
        "380639482705", "Test", "someone", 255, 6)
    assert report.state.final and report.state.success is True


def test_batched_reports_are_zipped_by_position():
    reports = parse_delivery_reports({
        "MsgId": "A1,B2,C3", "status": "404,405,403", "idx": "m-1,m-2,m-3", "points": "0.16,0.16,0.16",
    })

    assert [(r.msg_id, r.status, r.idx) for r in reports] == [
        ("A1", 404, "m-1"), ("B2", 405, "m-2"), ("C3", 403, "m-3")]
    assert [r.state.name for r in reports] == ["DELIVERED", "UNDELIVERED", "SENT"]


def test_a_parameter_sent_empty_counts_as_absent_for_the_whole_batch():
    reports = parse_delivery_reports({"MsgId": "A1,B2", "status": "404,404", "idx": ""})

    assert [r.idx for r in reports] == [None, None]


@pytest.mark.parametrize(("params", "problem"), [
    ({"MsgId": "A1,B2", "status": "404"}, "'status' has 1 values for 2 MsgId values"),
    ({"MsgId": "A1,B2", "status": "404,404", "idx": "x,y,z"}, "'idx' has 3 values for 2"),
    ({"status": "404"}, "'MsgId' is missing"),
    ({"MsgId": "A1"}, "'status' is missing"),
    ({"MsgId": "A1,", "status": "404,404"}, "'MsgId' is empty in report 2"),
    ({"MsgId": "A1", "status": "DELIVERED"}, "'status' is not a number"),
    ({"MsgId": "A1", "status": "404", "points": "free"}, "'points' is not a number"),
    ({"MsgId": "A1", "status": "404", "points": "NaN"}, "'points' is not a number"),
    ({"MsgId": "A1", "status": "404", "points": "-Infinity"}, "'points' is not a number"),
    ({"MsgId": "A1", "status": "4040000000000"}, "'status' is out of range: '4040000000000' in report 1"),
    ({"MsgId": "A1,B2", "status": "404,404", "mcc": "260,9999999999"}, "'mcc' is out of range.* in report 2"),
    ({"MsgId": "A1", "status": "404", "mnc": "-2147483649"}, "'mnc' is out of range"),
    ({"MsgId": "A1", "status": "404", "points": "100000000"}, "'points' is out of range"),
    ({"MsgId": "A1\x00", "status": "404"}, "the parameter 'MsgId' holds a NUL character"),
    ({"MsgId": "A1", "status": "404", "ex\x00tra": "1"}, "the parameter 'ex\\?tra' holds a NUL character"),
])
def test_unreadable_callbacks_name_the_problem(params, problem):
    with pytest.raises(InvalidDeliveryReport, match=problem):
        parse_delivery_reports(params)


def test_the_largest_numbers_the_columns_hold_are_read():
    [report] = parse_delivery_reports({
        "MsgId": "A1", "status": "2147483647", "points": "99999999.9999", "mcc": "-2147483647", "mnc": "0",
    })

    assert (report.status, report.points, report.mcc, report.mnc) == (
        2147483647, Decimal("99999999.9999"), -2147483647, 0)


def test_unknown_status_codes_are_kept_without_crashing():
    [report] = parse_delivery_reports({"MsgId": "A1", "status": "499", "status_name": "BRAND_NEW"})

    assert report.status == 499
    assert (report.state.name, report.state.final, report.state.success) == ("BRAND_NEW", False, None)


def test_codes_come_first_and_names_only_help_unknown_codes():
    assert status_for(404, "REJECTD").name == "DELIVERED"
    assert status_for(499, "delivered").success is True
    assert status_for(499).name == "STATUS_499"


def test_the_status_table_covers_401_to_412():
    assert sorted(STATUSES) == list(range(401, 413))
    assert {c for c, s in STATUSES.items() if not s.final} == {403, 409, 410, 411}
    assert {c for c, s in STATUSES.items() if s.success is True} == {404}
    assert {c for c, s in STATUSES.items() if s.success is False} == {402, 405, 406, 407, 412}


@pytest.mark.parametrize(("current", "new", "expected"), [
    (None, 403, True),
    (409, 403, True),  # QUEUE -> SENT
    (403, 410, True),  # SENT -> ACCEPTED
    (410, 404, True),  # ACCEPTED -> DELIVERED
    (408, 404, True),  # UNKNOWN -> DELIVERED: a definite outcome beats "no report"
    (404, 403, False),  # a late SENT never overwrites DELIVERED
    (405, 410, False),
    (404, 404, False),  # the same report twice changes nothing
    (404, 405, False),  # the first final wins
    (404, 408, False),
    (410, 411, False),  # ACCEPTED and RENEWAL rank alike
    (403, 499, False),  # an unknown code never overwrites what is known
    (None, 499, True),
])
def test_statuses_only_move_forward(current, new, expected):
    assert moves_forward(current, new) is expected
