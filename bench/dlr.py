"""Delivery reports applied per second by the callback endpoint, against a bare Flask endpoint.

Run with `python bench/dlr.py` (options: `--help`; `--json` prints one JSON object last). It needs
PostgreSQL (`--database-url`, default `postgresql://127.0.0.1:5432/test`; the bench works in a schema
of its own and drops it), a Redis (`--redis-url`), and the load generator wrk from Debian:
`apt-get install wrk`. It migrates the schema, makes one account with 100,000 messages SMSAPI has
accepted, starts the portal under gunicorn (the project's gunicorn.conf.py, `--workers`) and beside
it the same gunicorn with an app that only answers `OK` (the ceiling), and drives each with wrk for
`--duration` seconds per run: the ceiling, then 1, 10 and 100 reports per request (batched by GET
as SMSAPI batches them), in turn, `--repeat` times; each figure is the median of its runs. Every
pass over the messages moves them one status further (QUEUE, SENT, ACCEPTED, DELIVERED). Applied
reports are counted in the database, not from wrk's answers; a run with any answer other than 200
fails. Each run also shows the CPU its gunicorn (master and workers) and the PostgreSQL server's
processes spent per request, read from /proc: where a request's cost goes; the share of the
machine's CPU time its hypervisor gave to other guests meanwhile (steal), which lowers every rate
and is why the runs alternate; and how wrk's connections fell on the workers (read with `ss`
halfway through). Each worker listens on a socket of its own (gunicorn.conf.py) and the kernel
places each connection by a hash of its addresses, so 16 connections fall 8/8 or 7/9 in about
half the runs and 6/10 or further apart in the rest. The callback batches the requests a worker
holds at once, so an uneven split moves its rate more than the ceiling's. Targets:
single-report requests at >= 0.5 of the bare endpoint's rate, and >= 20,000 reports/s applied with
100 reports per request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import urlopen

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 100_000
#: Above this share of CPU time stolen by the hypervisor in any run, the figures come with a warning.
STEAL_WARNING_PERCENT = 5.0


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    schema = f"bench_dlr_{uuid.uuid4().hex[:10]}"
    base = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    uri = f"{base}?options={quote(f'-csearch_path={schema}')}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        results = _run(args, uri)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    _print(results, args.json)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers (default 2), threads as gunicorn.conf.py")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each endpoint, alternated; the median counts (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    return parser.parse_args()


def _run(args: argparse.Namespace, uri: str) -> dict:
    instance = tempfile.mkdtemp(prefix="bench-dlr-")
    env = {**os.environ, "DATABASE_URL": uri, "REDIS_URL": args.redis_url, "SECRET_KEY": "bench",
           "TOKEN_ENCRYPTION_KEYS": "", "PYTHONPATH": str(ROOT)}
    account_id, secret, first_id, idx_key = _prepare(uri, instance, args.redis_url)
    engine = create_engine(uri)
    query = urlencode({"account": account_id, "secret": secret})
    results: dict = {"runs": []}
    path = f"/api/smsApi/update?{query}"

    def applied(server: _gunicorn, per: int) -> dict:
        _reset(engine)
        before = _stored(engine)
        run = _wrk(server, path, per, first_id, idx_key, args)
        run["reports_applied"] = _stored(engine) - before
        run["reports_per_s"] = run["reports_applied"] / run["seconds"]
        run["moved"] = _moved(engine)
        return run

    try:
        bare_port, portal_port = _free_port(), _free_port()
        with _gunicorn("bench.bare_app:app", bare_port, args.workers, env, instance) as bare_server, \
                _gunicorn("wsgi:app", portal_port, args.workers, env, instance) as portal:
            # The endpoints take turns, and each figure is the median of its runs: how a few
            # connections happen to spread over the workers, and what other guests of the machine
            # take meanwhile, move a run by a third.
            bare: list[dict] = []
            batched: dict[int, list[dict]] = {per: [] for per in (1, 10, 100)}
            for _ in range(args.repeat):
                bare.append(_wrk(bare_server, path, 1, first_id, idx_key, args))
                for per, runs in batched.items():
                    runs.append(applied(portal, per))
            results["bare"] = _median(bare)
            results["runs"] = [_median(runs) for runs in batched.values()]
    finally:
        engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)
    return results


def _prepare(uri: str, instance: str, redis_url: str) -> tuple[int, str, int, str]:
    """Migrate the schema, make the account and its campaign of MESSAGES accepted messages."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Campaign
    from portal.smsapi_account import settings_for
    from portal.tenancy import account_scope
    from portal.users.service import create_account

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": instance, "REDIS_URL": redis_url})
    with app.app_context():
        upgrade(x_arg=["quiet=1"])
        admin = create_account("Bench", "bench@bench.example", "a long enough password")
        db.session.commit()
        account_id = admin.account_id
    with app.app_context(), account_scope(account_id):
        secret = settings_for(account_id).callback_secret
        campaign = Campaign(account_id=account_id, name="Bench", message="Hello")
        db.session.add(campaign)
        db.session.flush()
        db.session.execute(text(
            "INSERT INTO message (account_id, campaign_id, phone, is_test_send, status, status_rank, "
            "attempts, submitted_at, created_at) SELECT :account, :campaign, "
            "'+48600' || lpad(g::text, 6, '0'), false, 'submitted', 5, 0, now(), now() "
            "FROM generate_series(1, :count) g"
        ), {"account": account_id, "campaign": campaign.id, "count": MESSAGES})
        db.session.execute(text("UPDATE message SET smsapi_id = lpad(upper(to_hex(id)), 24, '0')"))
        first_id = db.session.scalar(text("SELECT min(id) FROM message"))
        idx_key = campaign.idx_key
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return account_id, secret, first_id, idx_key


def _median(runs: list[dict]) -> dict:
    """The run of median requests/s (its latencies with it), with the rates of all of them."""
    ordered = sorted(runs, key=lambda run: run["requests_per_s"])
    return {**ordered[len(ordered) // 2], "all_requests_per_s": [round(r["requests_per_s"], 1) for r in runs],
            "all_steal_percent": [r["steal_percent"] for r in runs],
            "all_connection_splits": [r["connections_per_worker"] for r in runs]}


def _reset(engine) -> None:
    """Every message back to submitted, so each run starts from the same state."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE message SET status = 'submitted', status_rank = 5, "
                                "report_code = NULL, delivered_at = NULL WHERE status_rank <> 5"))
        connection.execute(text("ANALYZE message"))


def _stored(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM delivery_report")).scalar_one()


def _moved(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM message WHERE status_rank > 5")).scalar_one()


class _gunicorn:
    """A gunicorn serving `app` on `port` until the block ends (stopped by its own pid)."""

    def __init__(self, app: str, port: int, workers: int, env: dict, instance: str) -> None:
        self.command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                        "--log-level", "warning", app]
        self.port, self.env, self.instance = port, env, instance

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + 120
        answered = 0
        while time.monotonic() < deadline and answered < 50:  # every worker booted and warm
            try:
                with urlopen(f"http://127.0.0.1:{self.port}/api/smsApi/update", timeout=5) as response:
                    response.read()
                answered += 1
            except HTTPError:
                answered += 1
            except OSError:
                time.sleep(0.2)
        if answered < 50:
            self.process.kill()
            raise SystemExit("gunicorn did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _wrk(server: _gunicorn, path: str, per: int, first_id: int, idx_key: str,
         args: argparse.Namespace) -> dict:
    """One wrk run against `server`, with the CPU its processes and PostgreSQL's spent per request."""
    threads = 2
    command = ["wrk", "-t", str(threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--latency",
               "-s", str(ROOT / "bench" / "dlr.lua"), f"http://127.0.0.1:{server.port}",
               "--", path, str(per), str(first_id), str(MESSAGES), idx_key, str(threads)]
    web, database = _cpu_seconds(server.process.pid)
    stolen, total = _steal_ticks()
    split: list[int] = []
    halfway = threading.Timer(args.duration / 2, lambda: split.extend(_connections_per_worker(server)))
    started = time.monotonic()
    halfway.start()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    seconds = time.monotonic() - started
    halfway.join()
    web_after, database_after = _cpu_seconds(server.process.pid)
    stolen_after, total_after = _steal_ticks()
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"the endpoint refused requests ({per} per request):\n{output}")
    requests_per_s = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = requests_per_s * seconds
    return {
        "reports_per_request": per,
        "seconds": seconds,
        "requests_per_s": requests_per_s,
        "p50_ms": _latency(output, "50%"),
        "p99_ms": _latency(output, "99%"),
        "web_cpu_us_per_request": round((web_after - web) / requests * 1e6),
        "database_cpu_us_per_request": round((database_after - database) / requests * 1e6),
        "steal_percent": round(100 * (stolen_after - stolen) / max(total_after - total, 1), 1),
        "connections_per_worker": split,
    }


def _split(run: dict) -> str:
    """The median run's connections per worker, as 9/7."""
    return "/".join(map(str, run["connections_per_worker"])) or "-"


def _connections_per_worker(server: _gunicorn) -> list[int]:
    """How many established connections each of the gunicorn's workers holds, most first (empty
    where `ss` is missing)."""
    try:
        workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,  # noqa: S607
                                 text=True, check=False).stdout.split()
        sockets = subprocess.run(["ss", "-tnpH", "state", "established", f"sport = :{server.port}"],  # noqa: S607
                                 capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    counts = [sum(f"pid={pid}," in line for line in sockets.splitlines()) for pid in workers]
    return sorted(counts, reverse=True)


def _steal_ticks() -> tuple[int, int]:
    """The machine's CPU time so far that its hypervisor gave to other guests (steal), and all of it,
    in ticks (the first line of /proc/stat; 0, 0 where there is none)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def _cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds spent so far by a gunicorn (its master and workers) and by the PostgreSQL server's
    processes on this machine (0 for a database elsewhere), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    web = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        spent = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == server_pid or int(fields[1]) == server_pid:
            web += spent
        elif name == "postgres":
            database += spent
    return web, database


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _print(results: dict, as_json: bool) -> None:
    bare = results["bare"]
    runs = {run["reports_per_request"]: run for run in results["runs"]}
    print(f"{'endpoint':<26}{'requests/s':>12}{'reports/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'web CPU µs/req':>16}{'db CPU µs/req':>15}{'steal %':>9}{'split':>8}")
    print(f"{'bare Flask OK (ceiling)':<26}{bare['requests_per_s']:>12.0f}{'':>12}"
          f"{bare['p50_ms']:>9.2f}{bare['p99_ms']:>9.2f}{bare['web_cpu_us_per_request']:>16}"
          f"{bare['database_cpu_us_per_request']:>15}{bare['steal_percent']:>9.1f}{_split(bare):>8}")
    for per, run in runs.items():
        label = f"callback, {per} per request"
        print(f"{label:<26}{run['requests_per_s']:>12.0f}{run['reports_per_s']:>12.0f}"
              f"{run['p50_ms']:>9.2f}{run['p99_ms']:>9.2f}{run['web_cpu_us_per_request']:>16}"
              f"{run['database_cpu_us_per_request']:>15}{run['steal_percent']:>9.1f}{_split(run):>8}")
    ratio = runs[1]["requests_per_s"] / bare["requests_per_s"]
    print(f"single-report rate / bare rate: {ratio:.2f} (target >= 0.5); "
          f"reports/s with 100 per request: {runs[100]['reports_per_s']:.0f} (target >= 20000)")
    stolen = max(max(run["all_steal_percent"]) for run in [bare, *runs.values()])
    if stolen > STEAL_WARNING_PERCENT:
        print(f"warning: the hypervisor gave up to {stolen:.0f}% of this machine's CPU time to other guests "
              "during a run (steal): its figures are low, and the median may not hide it")
    if as_json:
        print(json.dumps({
            "single_reports_per_s": round(runs[1]["reports_per_s"], 1),
            "single_requests_per_s": round(runs[1]["requests_per_s"], 1),
            "bare_requests_per_s": round(bare["requests_per_s"], 1),
            "single_to_bare": round(ratio, 3),
            "ten_reports_per_s": round(runs[10]["reports_per_s"], 1),
            "batched_reports_per_s": round(runs[100]["reports_per_s"], 1),
            "p50_ms": round(runs[1]["p50_ms"], 2),
            "p99_ms": round(runs[1]["p99_ms"], 2),
            "batched_p99_ms": round(runs[100]["p99_ms"], 2),
            "bare_p99_ms": round(bare["p99_ms"], 2),
            "bare_runs_requests_per_s": bare["all_requests_per_s"],
            "single_runs_requests_per_s": runs[1]["all_requests_per_s"],
            "ten_runs_requests_per_s": runs[10]["all_requests_per_s"],
            "batched_runs_requests_per_s": runs[100]["all_requests_per_s"],
            "connections_per_worker": {
                name: run["all_connection_splits"]
                for name, run in [("bare", bare), *((f"{per}_per_request", run) for per, run in runs.items())]
            },
            "steal_percent": {
                name: run["all_steal_percent"]
                for name, run in [("bare", bare), *((f"{per}_per_request", run) for per, run in runs.items())]
            },
            "cpu_us_per_request": {
                name: {"web": run["web_cpu_us_per_request"], "database": run["database_cpu_us_per_request"]}
                for name, run in [("bare", bare), *((f"{per}_per_request", run) for per, run in runs.items())]
            },
        }))


if __name__ == "__main__":
    main()
