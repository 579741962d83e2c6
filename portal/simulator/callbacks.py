"""Delivery callbacks as SMSAPI makes them: batched comma-separated lists, retried until the answer is OK.

One background thread drains a heap of reports ordered by due time, so a million pending reports
cost a million small tuples, not a timer or thread each. Due reports are grouped by URL, at most
`callback_batch_size` per request, sent as GET query parameters (what integrations observe,
SMSAPI.md §3.2) or as a POST form; a batch not answered exactly `OK` (§3.6) is tried again after
a doubling delay until `callback_attempts` is reached.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, NamedTuple

import requests

from portal.simulator.config import SimulatorConfig
from portal.simulator.reference import STATUS_CODES_BY_NAME, STATUSES
from portal.simulator.state import Message

log = logging.getLogger(__name__)

# The parameters of a report (SMSAPI.md §3.3); mcc/mnc are those of a Polish network.
REPORT_FIELDS = ("MsgId", "status", "status_name", "idx", "donedate", "sent_at", "to", "from",
                 "username", "points", "mcc", "mnc")
MCC, MNC = "260", "2"
SENT = STATUS_CODES_BY_NAME["SENT"]
#: Requests remembered for `/_simulator/callbacks`; the counters cover every request.
ATTEMPT_LOG_SIZE = 10_000
#: Due reports taken from the heap per round, so a huge backlog does not starve `schedule`.
ROUND_SIZE = 10_000


class PendingReport(NamedTuple):
    """One report waiting for its time: heap order is (due, seq)."""

    due: float
    seq: int
    url: str
    message: Message
    status: int
    #: When the status was reached (unix seconds): a duplicate repeats it, a retry keeps it.
    donedate: int
    attempt: int = 0


class CallbackDispatcher:
    """Sends due reports from one background thread that `stop()` ends cleanly."""

    def __init__(self, config: Callable[[], SimulatorConfig]) -> None:
        self._config = config
        self._heap: list[PendingReport] = []
        self._seq = itertools.count()
        self._log: deque[dict[str, Any]] = deque(maxlen=ATTEMPT_LOG_SIZE)
        self._counts: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()
        self._condition = threading.Condition()
        self._stopping = False
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="simulator-callbacks", daemon=True)
        self._thread.start()

    def schedule(self, messages: list[Message], fallback_url: str | None, rng: random.Random) -> None:
        """Plan the reports of freshly accepted messages: an optional SENT, a final, maybe a duplicate."""
        config = self._config()
        now, wall, delay = time.monotonic(), time.time(), config.callback_delay
        names, weights = zip(*config.status_mix, strict=True)
        codes = [STATUS_CODES_BY_NAME[name] for name in names]
        reports = []
        for message in messages:
            url = message.batch.notify_url or fallback_url
            if url is None or (message.batch.test and not config.test_callbacks):
                continue
            scheduled_in = max(0.0, message.batch.date_sent - time.time())
            final_due = now + scheduled_in + delay * (2 if config.intermediate_sent else 1)
            final = rng.choices(codes, weights)[0]
            message.status = final
            final_done = int(wall + final_due - now)
            reports.append(PendingReport(final_due, next(self._seq), url, message, final, final_done))
            if config.intermediate_sent:
                sent_done = int(wall + final_due - delay - now)
                sent_due = final_due - delay
                if config.shuffle_callbacks and rng.random() < 0.5:
                    sent_due = final_due + delay
                reports.append(PendingReport(sent_due, next(self._seq), url, message, SENT, sent_done))
            if rng.random() < config.duplicate_rate:
                reports.append(PendingReport(final_due + delay / 2, next(self._seq), url, message, final,
                                             final_done))
        if not reports:
            return
        with self._condition:
            for report in reports:
                heapq.heappush(self._heap, report)
            self._condition.notify()

    def attempts(self) -> list[dict[str, Any]]:
        """The latest requests made (up to ATTEMPT_LOG_SIZE): URL, report count, answer, accepted."""
        with self._condition:
            return list(self._log)

    def stats(self) -> dict[str, Any]:
        """Counters for the admin overview, over every request made since the last reset."""
        with self._condition:
            return {
                "attempted": self._counts["attempted"],
                "sent": self._counts["sent"],
                "reports_delivered": self._counts["reports_delivered"],
                "pending": len(self._heap),
                "given_up": self._counts["given_up"],
                "delivered_by_status": dict(self._by_status),
            }

    def clear(self) -> None:
        """Drop every pending report, the attempt log and the counters."""
        with self._condition:
            self._heap.clear()
            self._log.clear()
            self._counts.clear()
            self._by_status.clear()

    def stop(self) -> None:
        """End the background thread after the request in flight, if any."""
        with self._condition:
            self._stopping = True
            self._condition.notify()
        self._thread.join(timeout=10)
        self._session.close()

    def _run(self) -> None:
        while True:
            with self._condition:
                due = self._wait_for_due()
                if due is None:
                    return
            config = self._config()
            for batch in _batches(due, config.callback_batch_size, config.shuffle_callbacks):
                self._deliver(batch, config)

    def _wait_for_due(self) -> list[PendingReport] | None:
        while not self._stopping:
            now = time.monotonic()
            due = []
            while self._heap and self._heap[0].due <= now and len(due) < ROUND_SIZE:
                due.append(heapq.heappop(self._heap))
            if due:
                return due
            self._condition.wait(self._heap[0].due - now if self._heap else None)
        return None

    def _deliver(self, batch: list[PendingReport], config: SimulatorConfig) -> None:
        url = batch[0].url
        fields = report_fields(batch)
        try:
            if config.callback_method == "GET":
                response = self._session.get(url, params=fields, timeout=config.callback_timeout)
            else:
                response = self._session.post(url, data=fields, timeout=config.callback_timeout)
            answer, ok = f"HTTP {response.status_code}", response.ok and response.text.strip() == "OK"
        except requests.RequestException as exc:
            answer, ok = type(exc).__name__, False
        retry = [] if ok else [p for p in batch if p.attempt + 1 < config.callback_attempts]
        entry: dict[str, Any] = {"url": url, "reports": len(batch), "answer": answer, "ok": ok,
                                 "msg_ids": fields["MsgId"].split(","), "attempt": batch[0].attempt + 1,
                                 "given_up": 0 if ok else len(batch) - len(retry)}
        with self._condition:
            self._log.append(entry)
            self._counts.update(attempted=1, sent=int(ok), reports_delivered=len(batch) if ok else 0,
                                given_up=entry["given_up"])
            if ok:
                self._by_status.update(STATUSES[p.status].name for p in batch)
            again = time.monotonic()
            for p in retry:
                heapq.heappush(self._heap, p._replace(
                    due=again + config.callback_retry_delay * 2**p.attempt, seq=next(self._seq),
                    attempt=p.attempt + 1))
        if not ok:
            log.info("callback to %s not accepted (%s); %d reports to retry", url, answer, len(retry))


def report_fields(batch: list[PendingReport]) -> dict[str, str]:
    """The parameters of one request: every field a comma-joined list in report order (§3.3, §3.4)."""
    columns: dict[str, list[str]] = {name: [] for name in REPORT_FIELDS}
    for report in batch:
        message, shared = report.message, report.message.batch
        values = (message.id, str(report.status), STATUSES[report.status].name, message.idx or "",
                  str(report.donedate), str(shared.date_sent), message.number, shared.sender, shared.username,
                  f"{shared.points:.4f}", MCC, MNC)
        for name, value in zip(REPORT_FIELDS, values, strict=True):
            columns[name].append(value)
    return {name: ",".join(values) for name, values in columns.items()}


def _batches(due: list[PendingReport], size: int, shuffle: bool) -> list[list[PendingReport]]:
    """Group by URL, in due order (or reversed, to deliver out of order), at most `size` per request."""
    ordered = reversed(due) if shuffle else due
    by_url: dict[str, list[PendingReport]] = {}
    for report in ordered:
        by_url.setdefault(report.url, []).append(report)
    return [reports[i:i + size] for reports in by_url.values() for i in range(0, len(reports), size)]
