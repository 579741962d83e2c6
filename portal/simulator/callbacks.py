"""Delivery callbacks as SMSAPI makes them: batched comma-separated lists, retried until the answer is OK.

A background thread sends every report that is due, grouped by URL; a batch whose receiver does
not answer exactly `OK` (SMSAPI.md §3.6) is tried again after a doubling delay.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import requests

from portal.simulator.config import STATUS_CODES_BY_NAME, SimulatorConfig
from portal.simulator.state import Message

log = logging.getLogger(__name__)

# The fields of a report in the order of a logged real callback (SMSAPI.md §3.3); mcc/mnc are Poland's.
REPORT_FIELDS = ("MsgId", "status", "status_name", "idx", "donedate", "sent_at", "username",
                 "points", "from", "to", "mcc", "mnc")
MCC, MNC = "260", "2"


@dataclass(frozen=True)
class PendingReport:
    """One report waiting for its time, with the attempts already made."""

    due: float
    url: str
    fields: dict[str, str]
    attempt: int = 0


class CallbackDispatcher:
    """Sends due reports from a background thread that `stop()` ends cleanly."""

    def __init__(self, config: Callable[[], SimulatorConfig]) -> None:
        self._config = config
        self._pending: list[PendingReport] = []
        self._log: list[dict[str, Any]] = []
        self._condition = threading.Condition()
        self._stopping = False
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="simulator-callbacks", daemon=True)
        self._thread.start()

    def schedule(
        self, messages: list[Message], fallback_url: str | None, username: str, rng: random.Random
    ) -> None:
        """Plan the reports of freshly accepted messages: an optional SENT, a final, maybe a duplicate."""
        config = self._config()
        now, delay = time.monotonic(), config.callback_delay
        names, weights = zip(*config.status_mix, strict=True)
        reports = []
        for message in messages:
            url = message.notify_url or fallback_url
            if url is None or (message.test and not config.test_callbacks):
                continue
            scheduled_in = max(0.0, message.date_sent - time.time())
            final_due = now + scheduled_in + delay * (2 if config.intermediate_sent else 1)
            final = PendingReport(final_due, url, _fields(message, rng.choices(names, weights)[0], username))
            message.status = final.fields["status_name"]
            reports.append(final)
            if config.intermediate_sent:
                sent_due = final_due - delay
                if config.shuffle_callbacks and rng.random() < 0.5:
                    sent_due = final_due + delay
                reports.append(PendingReport(sent_due, url, _fields(message, "SENT", username)))
            if rng.random() < config.duplicate_rate:
                reports.append(replace(final, due=final_due + delay / 2))
        with self._condition:
            self._pending.extend(reports)
            self._condition.notify()

    def attempts(self) -> list[dict[str, Any]]:
        """Every request made so far: URL, report count, answer, whether it was accepted."""
        with self._condition:
            return list(self._log)

    def stats(self) -> dict[str, int]:
        """Counters for the admin overview."""
        with self._condition:
            ok = [entry for entry in self._log if entry["ok"]]
            return {
                "attempted": len(self._log),
                "sent": len(ok),
                "reports_delivered": sum(entry["reports"] for entry in ok),
                "pending": len(self._pending),
                "given_up": sum(entry.get("given_up", 0) for entry in self._log),
            }

    def clear(self) -> None:
        """Drop every pending report and the attempt log."""
        with self._condition:
            self._pending.clear()
            self._log.clear()

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
            due = [p for p in self._pending if p.due <= now]
            if due:
                self._pending = [p for p in self._pending if p.due > now]
                return due
            next_due = min((p.due for p in self._pending), default=None)
            self._condition.wait(None if next_due is None else next_due - now)
        return None

    def _deliver(self, batch: list[PendingReport], config: SimulatorConfig) -> None:
        url = batch[0].url
        fields = {name: ",".join(p.fields[name] for p in batch) for name in REPORT_FIELDS}
        try:
            if config.callback_method == "GET":
                response = self._session.get(url, params=fields, timeout=config.callback_timeout)
            else:
                response = self._session.post(url, data=fields, timeout=config.callback_timeout)
            answer, ok = f"HTTP {response.status_code}", response.ok and response.text.strip() == "OK"
        except requests.RequestException as exc:
            answer, ok = type(exc).__name__, False
        entry: dict[str, Any] = {"url": url, "reports": len(batch), "answer": answer, "ok": ok,
                                 "msg_ids": fields["MsgId"].split(","), "attempt": batch[0].attempt + 1}
        retry = [] if ok else [p for p in batch if p.attempt + 1 < config.callback_attempts]
        entry["given_up"] = len(batch) - len(retry) if not ok else 0
        with self._condition:
            self._log.append(entry)
            self._pending.extend(
                replace(p, attempt=p.attempt + 1,
                        due=time.monotonic() + config.callback_retry_delay * 2**p.attempt)
                for p in retry
            )
        if not ok:
            log.info("callback to %s not accepted (%s); %d reports to retry", url, answer, len(retry))


def _fields(message: Message, status_name: str, username: str) -> dict[str, str]:
    return {
        "MsgId": message.id, "status": str(STATUS_CODES_BY_NAME[status_name]), "status_name": status_name,
        "idx": message.idx or "", "donedate": str(int(time.time())), "sent_at": str(message.date_sent),
        "username": username, "points": f"{message.points:.4f}", "from": message.sender,
        "to": message.number, "mcc": MCC, "mnc": MNC,
    }


def _batches(due: list[PendingReport], size: int, shuffle: bool) -> list[list[PendingReport]]:
    """Group by URL, in due order (or reversed, to deliver out of order), at most `size` per request."""
    ordered = sorted(due, key=lambda p: p.due, reverse=shuffle)
    by_url: dict[str, list[PendingReport]] = {}
    for report in ordered:
        by_url.setdefault(report.url, []).append(report)
    return [reports[i:i + size] for reports in by_url.values() for i in range(0, len(reports), size)]
