"""Memory and speed of the CSV export of a campaign's messages, at 100,000 and 1,000,000 rows.

Run with `python bench/export.py` (options: `--help`; `--json` prints one JSON object last). It uses
PostgreSQL (`--database-url`, default `postgresql://127.0.0.1:5432/test`, in a schema of its own that
it drops) or, with `--sqlite`, a SQLite file. It seeds a campaign with `--rows` messages, downloads
the export through the real view as a signed-in member and reads it chunk by chunk as a client
would, and prints rows/s and the peak of Python memory allocated while streaming (tracemalloc,
which slows the run: `--speed-only` leaves it out).
Target: the peak does not grow with the rows (the export streams from a server-side cursor).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import tracemalloc
import uuid
from urllib.parse import quote

from sqlalchemy import create_engine, text

PASSWORD = "a long enough password"  # noqa: S105  (the throwaway bench account)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--speed-only", action="store_true",
                        help="skip the memory tracing (it slows Python down several times)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()
    results = [_measure(args, rows) for rows in args.rows]
    print(f"{'rows':>10}{'rows/s':>12}{'peak MiB':>10}{'MiB out':>10}")
    for result in results:
        print(f"{result['rows']:>10}{result['rows_per_s']:>12.0f}{result['peak_mib']:>10.2f}"
              f"{result['csv_mib']:>10.1f}")
    if args.json:
        print(json.dumps({"runs": results, "peak_mib_max": max(r["peak_mib"] for r in results)}))


def _measure(args: argparse.Namespace, rows: int) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-export-")
    if args.sqlite:
        uri, admin, schema = f"sqlite:///{folder}/bench.db", None, None
    else:
        schema = f"bench_export_{uuid.uuid4().hex[:10]}"
        base = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        uri = f"{base}?options={quote(f'-csearch_path={schema}')}"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        return _export(uri, folder, args.redis_url, rows, not args.speed_only)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _export(uri: str, folder: str, redis_url: str, rows: int, trace: bool) -> dict:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Campaign
    from portal.users.service import create_account

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder, "REDIS_URL": redis_url,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(x_arg=["quiet=1"])
        admin = create_account("Bench", "bench@bench.example", PASSWORD)
        campaign = Campaign(account_id=admin.account_id, name="Bench", message="Hello")
        db.session.add(campaign)
        db.session.flush()
        series = ("generate_series(1, :rows) AS s(g)" if db.engine.dialect.name == "postgresql" else
                  "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :rows) "
                  "SELECT g FROM s) AS s")
        # `series` is one of the two constants above, never input.
        db.session.execute(text(
            "INSERT INTO message (account_id, campaign_id, phone, is_test_send, status, status_rank, "  # noqa: S608
            "attempts, points, smsapi_id, submitted_at, delivered_at, report_code, created_at) "
            f"SELECT :account, :campaign, '+48600' || g, false, 'delivered', 100, 1, 0.16, 'ID' || g, "
            f":now, :now, 404, :now FROM {series}"
        ), {"account": admin.account_id, "campaign": campaign.id, "rows": rows, "now": "2026-11-25 10:00:00"})
        db.session.commit()
        campaign_id = campaign.id
    client = app.test_client()
    client.post("/login", data={"email": "bench@bench.example", "password": PASSWORD})
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/campaigns/{campaign_id}/report/messages.csv")
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
    tracemalloc.stop()
    with app.app_context():
        db.engine.dispose()
    if lines != rows + 1:
        raise SystemExit(f"the export had {lines - 1} rows, {rows} expected")
    return {"rows": rows, "rows_per_s": round(rows / seconds, 1), "peak_mib": round(peak / 2**20, 2),
            "csv_mib": round(size / 2**20, 1)}


if __name__ == "__main__":
    main()
