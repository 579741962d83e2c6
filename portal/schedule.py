"""The periodic jobs the scheduler enqueues, each with its interval (a setting where it matters)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal import jobs


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable[..., Any]
    interval: Callable[[dict], int]
    queue: str = "default"
    timeout: int = 300


PERIODIC_JOBS: list[PeriodicJob] = [
    # SMSAPI has no approval callback for sender names (SMSAPI.md §4), so the portal asks.
    PeriodicJob(jobs.sync_sender_names, interval=lambda config: config["SENDER_SYNC_INTERVAL"]),
    # A report can arrive before the send job recorded its message's SMSAPI id: match it again later.
    PeriodicJob(jobs.retry_unmatched_reports,
                interval=lambda config: config["UNMATCHED_REPORT_RETRY_INTERVAL"]),
    # SMSAPI reports nothing for test-mode messages (SMSAPI.md §5): the portal simulates the reports.
    PeriodicJob(jobs.simulate_test_mode_reports,
                interval=lambda config: config["TEST_MODE_REPORT_INTERVAL"]),
]
