"""Speed of the dashboard (the signed-in home page) for an account that sent a million messages in
its last 30 days: counted afresh from every message, against the settled days kept.

Run with `python bench/dashboard.py` (options: `--help`; `--json` prints one JSON object last) on
PostgreSQL (`--database-url`, default `postgresql://127.0.0.1:5432/test`, in a schema of its own that
it drops). It seeds one campaign a day for 30 days, `--messages` in all (90% delivered, 5% failed,
the rest expired; each charged 0.16 points), then loads the page through the real view as a
signed-in member: with no day kept (every day counted from the messages, as every view did before
days were kept; the view keeps the settled ones), and then as every later view loads it (the settled
days read, the last days counted). Each figure is the median of `--repeat` loads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import create_engine, text

PASSWORD = "a long enough password"  # noqa: S105  (the throwaway bench account)
DAYS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()
    schema = f"bench_dashboard_{uuid.uuid4().hex[:10]}"
    base = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        results = _measure(f"{base}?options={quote(f'-csearch_path={schema}')}", args)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(f"{'messages in the 30 days':<34}{results['messages']:>12,}")
    print(f"{'page, every day counted':<34}{results['counted_view_s'] * 1000:>10.0f} ms")
    print(f"{'page, settled days kept':<34}{results['view_s'] * 1000:>10.0f} ms")
    print(f"{'  faster by':<34}{results['speedup']:>11.1f}x")
    if args.json:
        print(json.dumps(results))


def _measure(uri: str, args: argparse.Namespace) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-dashboard-")
    try:
        return _load_pages(uri, folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load_pages(uri: str, folder: str, args: argparse.Namespace) -> dict:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Campaign, DailyFigures, Role, utcnow
    from portal.users.service import add_user, create_account

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder, "REDIS_URL": args.redis_url,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    per_day = args.messages // DAYS
    with app.app_context():
        upgrade(x_arg=["quiet=1"])
        owner = create_account("Bench", "admin@bench.example", PASSWORD)
        add_user(owner.account_id, owner, "member@bench.example", Role.MEMBER, PASSWORD)
        account_id, now = owner.account_id, utcnow()
        for day in range(DAYS):
            campaign = Campaign(account_id=account_id, name=f"Day {day}", message="Hello", status="finished")
            db.session.add(campaign)
            db.session.flush()
            # Spread evenly over the last 29 days (all inside the 30 the page shows), the newest
            # campaign's first; g % 20: 0 failed, 1 expired, the rest delivered.
            db.session.execute(text(
                "INSERT INTO message (account_id, campaign_id, phone, is_test_send, status, status_rank, "
                "attempts, points, smsapi_id, created_at, submitted_at, delivered_at, failed_at, "
                "report_code) "
                "SELECT :account, :campaign, '+48600' || g, false, "
                "  CASE g % 20 WHEN 0 THEN 'undelivered' WHEN 1 THEN 'expired' ELSE 'delivered' END, 100, 1, "
                "  0.16, 'ID' || :day || '-' || g, t, t, "
                "  CASE WHEN g % 20 > 1 THEN t + interval '30 seconds' END, "
                "  CASE WHEN g % 20 = 0 THEN t + interval '1 minute' END, "
                "  CASE g % 20 WHEN 0 THEN 405 WHEN 1 THEN 403 ELSE 404 END "
                "FROM (SELECT g, CAST(:now AS timestamptz) "
                "            - ((:day * :count + g) * interval '29 days' / (:days * :count)) AS t "
                "      FROM generate_series(1, :count) AS s(g)) AS series"
            ), {"account": account_id, "campaign": campaign.id, "day": day, "count": per_day, "days": DAYS,
                "now": now - timedelta(minutes=2)})
            db.session.commit()
        db.session.execute(text("ANALYZE message"))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "member@bench.example", "password": PASSWORD})

    def load() -> float:
        started = time.perf_counter()
        response = client.get("/")
        seconds = time.perf_counter() - started
        if response.status_code != 200 or f'data-total="sent">{per_day * DAYS}<' not in response.text:
            raise SystemExit(f"the dashboard did not show the {per_day * DAYS:,} messages sent")
        return seconds

    def forget_kept_days() -> None:
        with app.app_context():
            db.session.execute(text(f"DELETE FROM {DailyFigures.__tablename__}"))  # noqa: S608 - a constant
            db.session.commit()

    load()  # warm the caches and the connection pool
    counted = []
    for _ in range(args.repeat):
        forget_kept_days()
        counted.append(load())
    kept = [load() for _ in range(args.repeat)]
    with app.app_context():
        db.engine.dispose()
    counted_s, kept_s = statistics.median(counted), statistics.median(kept)
    return {"messages": per_day * DAYS, "counted_view_s": round(counted_s, 4), "view_s": round(kept_s, 4),
            "speedup": round(counted_s / kept_s, 1)}


if __name__ == "__main__":
    main()
