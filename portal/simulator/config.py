"""The simulator's settings: one dataclass, filled from the command line and changeable at run time."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal.simulator.reference import MAX_RECIPIENTS, SERVICES, STATUS_CODES_BY_NAME, STATUSES

FAULT_FIELDS = (
    "latency", "fail_rate", "fail_status", "error202_rate", "error203_rate", "timeout_rate",
    "timeout_seconds", "retry_after", "fault_hosts", "unreachable",
)
CALLBACK_METHODS = ("GET", "POST")
TEST_MODE_IDS = ("real", "no_id", "empty_list")
DUPLICATE_IDX_MODES = ("reject_call", "skip_duplicates")


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything the simulator can be told; each UNCONFIRMED point of SMSAPI.md is one field here."""

    token: str
    service: str = "pl"
    username: str = "simulator"
    points: Decimal = Decimal("100")
    price_per_part: Decimal = Decimal("0.16")
    points_as_string: bool = False  # SMSAPI may send points as "0.1600" (SMSAPI.md §1.5)
    callback_url: str | None = None  # the account-level callback URL set in SMSAPI's panel
    callback_delay: float = 1.0
    callback_method: str = "GET"  # UNCONFIRMED (§10.3): GET is what integrations observe; POST is form
    callback_batch_size: int = 100  # UNCONFIRMED (§10.3): the real maximum per request
    callback_attempts: int = 5  # UNCONFIRMED (§10.1): SMSAPI's retry schedule is unknown
    callback_retry_delay: float = 1.0
    callback_timeout: float = 5.0
    test_callbacks: bool = False  # UNCONFIRMED (§10.4): whether test=1 messages get reports
    # UNCONFIRMED (§5): a test=1 answer with real ids and points, items without id, or an empty list.
    test_mode_ids: str = "real"
    profile_points: bool = True  # UNCONFIRMED (§7): `points` in /profile only for some accounts
    # UNCONFIRMED (§1.3): legacy endpoints answer plain `OK:`/`ERROR:` text unless format=json.
    json_without_format: bool = False
    # UNCONFIRMED (§1.4, §2.2): check_idx=1 with a used idx fails the whole call with 53, or only
    # those recipients are skipped (each listed with error 53) and the rest are sent.
    duplicate_idx_mode: str = "reject_call"
    status_mix: tuple[tuple[str, float], ...] = (("DELIVERED", 0.9), ("UNDELIVERED", 0.1))
    intermediate_sent: bool = False
    duplicate_rate: float = 0.0
    shuffle_callbacks: bool = False
    approve_after: float | None = None  # None: sender names wait for the admin endpoint
    reject_names: tuple[str, ...] = ()
    sender_name_pattern: str = r"^[A-Za-z0-9 ._\-]{1,11}$"  # UNCONFIRMED (§10.11): is "_" allowed?
    max_recipients: int = MAX_RECIPIENTS  # UNCONFIRMED (§10.7): error 19's limit
    max_parts_limit: int = 6  # UNCONFIRMED (§10.8): 6 per SMSAPI's counter, 10 per the JS type
    notify_url_single_only: bool = False  # UNCONFIRMED (§10.7): old error 72
    idx_window: float = 4 * 24 * 3600.0  # UNCONFIRMED (§10.5): 4 days (OCS) or 24 h (DYS)
    io_path_prefixes: tuple[str, ...] = ("", "api/")  # UNCONFIRMED (§10.14): smsapi.io path form
    legacy_error_status: int = 200  # UNCONFIRMED (§10.15): legacy errors in a 4xx
    invalid_numbers: tuple[str, ...] = ()
    latency: float = 0.0
    fail_rate: float = 0.0
    fail_status: int = 503
    error202_rate: float = 0.0
    error203_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 35.0
    retry_after: int | None = None  # UNCONFIRMED (§10.12): sent with 5xx/429 faults when set
    fault_hosts: tuple[str, ...] = ()  # hosts the rate faults hit; empty: every host
    unreachable: tuple[str, ...] = ()  # hosts whose connections are dropped unanswered
    seed: int | None = None

    def updated(self, changes: dict[str, Any]) -> SimulatorConfig:
        """A copy with `changes` (JSON values) applied; ValueError names an unknown or bad field."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(fields) - {"token"})
        if unknown or "token" in changes:
            raise ValueError(f"cannot change {', '.join(unknown) or 'token'}")
        values = {name: _coerce(name, value) for name, value in changes.items()}
        return dataclasses.replace(self, **values)

    def __post_init__(self) -> None:
        for name, allowed in (("callback_method", CALLBACK_METHODS), ("test_mode_ids", TEST_MODE_IDS),
                              ("duplicate_idx_mode", DUPLICATE_IDX_MODES), ("service", SERVICES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")

    def without_faults(self) -> SimulatorConfig:
        """The same settings with every fault switched off."""
        defaults = SimulatorConfig(token=self.token)
        return dataclasses.replace(self, **{name: getattr(defaults, name) for name in FAULT_FIELDS})


def _coerce(name: str, value: Any) -> Any:
    if name in ("points", "price_per_part"):
        return Decimal(str(value))
    if name == "status_mix":
        text = value if isinstance(value, str) else ",".join(f"{k}={v}" for k, v in dict(value).items())
        return parse_status_mix(text)
    if name in ("reject_names", "invalid_numbers", "io_path_prefixes", "fault_hosts", "unreachable"):
        return tuple(value)
    return value


def parse_status_mix(text: str) -> tuple[tuple[str, float], ...]:
    """`DELIVERED=90,UNDELIVERED=10` as weights; names must be final statuses of the table."""
    mix = []
    for item in text.split(","):
        name, _, weight = item.partition("=")
        name = name.strip().upper()
        code = STATUS_CODES_BY_NAME.get(name)
        if code is None or not STATUSES[code].final:
            raise ValueError(f"{name!r} is not a final delivery status")
        mix.append((name, float(weight or 1)))
    return tuple(mix)


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m portal.simulator`."""
    p = argparse.ArgumentParser(prog="python -m portal.simulator", description="A stand-in for SMSAPI.")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                   help="HTTP server (one process either way: the state is in memory)")
    p.add_argument("--threads", type=int, default=8, help="request threads (gunicorn)")
    p.add_argument("--token", required=True, help="the token of the one account")
    p.add_argument("--service", choices=sorted(SERVICES), default="pl", help="the account's service")
    p.add_argument("--username", default="simulator")
    p.add_argument("--points", type=Decimal, default=Decimal("100"), help="starting balance")
    p.add_argument("--price", dest="price_per_part", type=Decimal, default=Decimal("0.16"),
                   help="points per SMS part")
    p.add_argument("--points-as-string", action="store_true", help='answer points as "0.1600"')
    p.add_argument("--callback-url", help="account-level delivery report URL")
    p.add_argument("--callback-delay", type=float, default=1.0, help="seconds before a report")
    p.add_argument("--callback-method", choices=CALLBACK_METHODS, default="GET",
                   help="GET with query parameters, or POST with a form")
    p.add_argument("--callback-batch-size", type=int, default=100, help="reports per request")
    p.add_argument("--callback-attempts", type=int, default=5)
    p.add_argument("--callback-retry-delay", type=float, default=1.0, help="first backoff, doubling")
    p.add_argument("--callback-timeout", type=float, default=5.0, help="seconds to wait for OK")
    p.add_argument("--test-callbacks", action="store_true", help="report test=1 messages too")
    p.add_argument("--test-mode-ids", choices=TEST_MODE_IDS, default="real",
                   help="test=1 answers: real ids and points, items without id, or an empty list")
    p.add_argument("--no-profile-points", dest="profile_points", action="store_false",
                   help="leave points out of /profile")
    p.add_argument("--json-without-format", action="store_true",
                   help="answer JSON even without format=json (else plain OK:/ERROR: text)")
    p.add_argument("--duplicate-idx-mode", choices=DUPLICATE_IDX_MODES, default="reject_call",
                   help="check_idx=1 with a used idx: error 53 for the call, or skip those recipients")
    p.add_argument("--status-mix", type=parse_status_mix, default=SimulatorConfig.status_mix,
                   help="final statuses and weights, e.g. DELIVERED=90,UNDELIVERED=10")
    p.add_argument("--intermediate-sent", action="store_true", help="report SENT before the final")
    p.add_argument("--duplicate-rate", type=float, default=0.0, help="share of reports sent twice")
    p.add_argument("--shuffle-callbacks", action="store_true", help="reports out of order")
    p.add_argument("--approve-after", type=float, help="seconds until sender names are decided")
    p.add_argument("--reject-names", nargs="*", default=(), help="sender names to reject")
    p.add_argument("--max-recipients", type=int, default=MAX_RECIPIENTS, help="error 19")
    p.add_argument("--max-parts-limit", type=int, default=6, help="the highest max_parts (error 12)")
    p.add_argument("--idx-window", type=float, default=SimulatorConfig.idx_window,
                   help="seconds a used idx is refused by check_idx=1")
    p.add_argument("--invalid-numbers", nargs="*", default=(), help="numbers refused with error 13")
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    p.add_argument("--fail-rate", type=float, default=0.0, help="share of HTTP error answers")
    p.add_argument("--fail-status", type=int, default=503)
    p.add_argument("--error202-rate", type=float, default=0.0, help="share of error 202 answers")
    p.add_argument("--error203-rate", type=float, default=0.0, help="share of error 203 answers")
    p.add_argument("--timeout-rate", type=float, default=0.0,
                   help="share of answers held back after the messages were accepted")
    p.add_argument("--timeout-seconds", type=float, default=35.0, help="how long they are held")
    p.add_argument("--retry-after", type=int, help="Retry-After seconds on HTTP error answers")
    p.add_argument("--unreachable", nargs="*", default=(), help="hosts that drop connections")
    p.add_argument("--seed", type=int, help="seed for every random choice")
    return p


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The settings named on the command line (host, port, server and threads are the server's)."""
    values = {k: v for k, v in vars(args).items() if k not in ("host", "port", "server", "threads")}
    for name in ("reject_names", "invalid_numbers", "unreachable"):
        values[name] = tuple(values[name])
    return SimulatorConfig(**values)
