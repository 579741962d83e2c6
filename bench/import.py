"""Contacts import speed and memory, and the contact list and search at a million contacts (PostgreSQL).

Run with `python bench/import.py` (`--rows N` for a smaller file, `--contacts N` for a smaller
table, `--json` to end with one JSON object of the figures). It needs PostgreSQL: `--database-url`,
else `BENCH_DATABASE_URL`, else postgresql://127.0.0.1:5432/test; everything happens in a schema of
its own that is dropped at the end.

1. A file of `--rows` rows (5% invalid numbers, 5% repeated numbers, numbers written in several
   ways, Windows-1250, semicolons) is uploaded, then imported by a separate worker process running
   the real job: seconds, rows/s and the worker's peak RSS. Targets: <= 10 s, <= 200 MB.
2. `--contacts` contacts are added with one INSERT ... SELECT, then the contact list (first and a
   deep keyset page) and searches (parts of numbers as typed, names) are requested through the app,
   server-side: p95 per kind. Target: p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import database_uri  # noqa: E402
from portal.extensions import db  # noqa: E402

FIRST_NAMES = ["Anna", "Jan", "Łucja", "Piotr", "Zofia", "Michał", "Ewa", "Krzysztof", "Agnieszka", "Paweł"]
LAST_NAMES = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński",
              "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Kwiatkowski"]
INVALID = ["12345", "abc", "+48 600 100 200 300", "+999 123 456", "600-100", "tel. brak"]
TARGETS = ["phone", "first_name", "last_name", "field", "opted_out"]


def make_file(rows: int, seed: int = 7) -> bytes:
    """A semicolon CSV in Windows-1250, as Polish Excel writes it."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("Telefon;Imię;Nazwisko;Miasto;Wypisany\r\n")
    written: list[int] = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.05:
            phone = rng.choice(INVALID)
        else:
            number = rng.choice(written) if roll < 0.10 and written else 500_000_000 + n
            if roll >= 0.10:
                written.append(number)
            phone = _formatted(number, rng)
        out.write(f"{phone};{rng.choice(FIRST_NAMES)};{rng.choice(LAST_NAMES)};Kraków;"
                  f"{'tak' if rng.random() < 0.01 else 'nie'}\r\n")
    return out.getvalue().encode("cp1250")


def _formatted(number: int, rng: random.Random) -> str:
    digits = str(number)
    grouped = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return rng.choice([digits, grouped, f"+48{digits}", f"+48 {grouped}", f"0048{digits}",
                       f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"])


def make_app(uri: str, instance: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": instance, "TESTING": True,
                       "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")})


def run_worker(uri: str, instance: str, account_id: int, import_id: int) -> None:
    """The child process: the real job, as an RQ worker would run it; prints its own seconds."""
    from portal.jobs import import_contacts

    app = make_app(uri, instance)
    with app.app_context():
        started = time.perf_counter()
        status = import_contacts(account_id, import_id)
        print(json.dumps({"seconds": time.perf_counter() - started, "status": status}))


def bench_import(app, uri: str, instance: str, account_id: int, rows: int) -> dict:
    from portal.contacts import importer
    from portal.models import ContactImport, ContactList, ImportStatus
    from portal.tenancy import account_scope

    data = make_file(rows)
    with app.app_context(), account_scope(account_id):
        upload = importer.store_upload(account_id, None, "bench.csv", io.BytesIO(data), 200 * 1024 * 1024)
        target = ContactList(account_id=account_id, name="Bench")
        db.session.add(target)
        db.session.flush()
        upload.targets, upload.list_id, upload.status = TARGETS, target.id, ImportStatus.QUEUED.value
        db.session.commit()
        import_id = upload.id
    child = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--worker", uri, instance, str(account_id), str(import_id)],
        capture_output=True, text=True, check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"The import worker failed:\n{child.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    with app.app_context(), account_scope(account_id):
        done = db.session.get(ContactImport, import_id)
        counts = {key: getattr(done, key) for key in ("imported", "updated", "duplicates", "invalid")}
    return {"rows": rows, "file_mb": round(len(data) / 1024 / 1024, 2), "status": outcome["status"],
            "seconds": round(outcome["seconds"], 2), "rows_per_s": round(rows / outcome["seconds"]),
            "peak_rss_mb": round(peak_kb / 1024, 1), **counts}


def fill_contacts(app, account_id: int, total: int) -> None:
    """Top the account up to `total` contacts in one set-based statement."""
    with app.app_context():
        count = text("SELECT count(*) FROM contact WHERE account_id = :a")
        have = db.session.scalar(count, {"a": account_id})
        db.session.execute(text(
            "INSERT INTO contact (account_id, phone, first_name, last_name, fields, created_at, updated_at)"
            " SELECT :a, '+48' || (700000000 + g)::text, (CAST(:first AS text[]))[1 + g % 10],"
            " (CAST(:last AS text[]))[1 + (g / 10) % 14],"
            " '{}', now(), now() FROM generate_series(1, :n) g"
        ), {"a": account_id, "n": max(0, total - have), "first": FIRST_NAMES, "last": LAST_NAMES})
        db.session.execute(text("ANALYZE contact"))
        db.session.commit()


def timed_requests(client, urls: list[str]) -> list[float]:
    client.get(urls[0])  # warm the caches once
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 1)


def bench_pages(app, account_id: int, email: str, samples: int) -> dict:

    rng = random.Random(3)
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench password 123"})
    with app.app_context():
        ids = db.session.execute(text("SELECT min(id), max(id) FROM contact WHERE account_id = :a"),
                                 {"a": account_id}).one()
    list_urls = ["/contacts/"] + [f"/contacts/?before={rng.randint(ids[0], ids[1])}" for _ in range(samples)]
    searches = []
    for _ in range(samples):
        digits = str(rng.randint(700_000_000, 700_999_999))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        searches += [f"{digits[:3]} {digits[3:6]}", f"+48{digits[:5]}", digits[2:7],
                     rng.choice(LAST_NAMES)[:5].lower(), name]
    search_urls = [f"/contacts/?q={quote(query)}" for query in searches]
    list_times = timed_requests(client, list_urls)
    search_times = timed_requests(client, search_urls)
    return {"list_p95_ms": p95(list_times), "list_median_ms": round(statistics.median(list_times), 1),
            "search_p95_ms": p95(search_times), "search_median_ms": round(statistics.median(search_times), 1),
            "search_requests": len(search_times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=60, help="requests per kind of page")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        uri, instance, account_id, import_id = args.worker
        run_worker(uri, instance, int(account_id), int(import_id))
        return

    instance = tempfile.mkdtemp(prefix="bench-import-")
    server = database_uri(args.database_url, Path(instance))
    schema = f"contacts_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    uri = f"{server}{'&' if '?' in server else '?'}options={quote(f'-csearch_path={schema}')}"
    try:
        figures = run(uri, instance, args)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    report(figures, args.json)


def run(uri: str, instance: str, args) -> dict:
    from portal.users.service import create_account

    app = make_app(uri, instance)
    with app.app_context():
        upgrade(x_arg=["quiet=1"])
        account_id = create_account("Bench", "bench@bench.example", "bench password 123").account_id
        db.session.commit()
    figures = bench_import(app, uri, instance, account_id, args.rows)
    fill_contacts(app, account_id, args.contacts)
    figures["contacts"] = args.contacts
    figures.update(bench_pages(app, account_id, "bench@bench.example", args.samples))
    with app.app_context():
        db.engine.dispose()
    return figures


def report(figures: dict, as_json: bool) -> None:
    targets = {"seconds": "<= 10", "peak_rss_mb": "<= 200", "list_p95_ms": "<= 50", "search_p95_ms": "<= 50"}
    print(f"{'figure':<20} {'value':>12}  target")
    for key, value in figures.items():
        print(f"{key:<20} {value!s:>12}  {targets.get(key, '')}")
    if as_json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
