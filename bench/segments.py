"""Analyses per second of `portal.sms.segments.analyze`, and the composer preview's latency.

Run with `python bench/segments.py`. Each analysis measurement repeats one call for about a second
and prints the rate. The preview measurement posts a six-part message to the composer the way htmx
does while someone types, a few hundred times, and prints the server-side median and p95: the
preview must keep up with typing (target: p95 <= 10 ms).
"""

import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable

from flask_migrate import upgrade

from portal import create_app
from portal.models import Role
from portal.sms.segments import analyze
from portal.users.service import add_user, create_account

SECONDS = 1.0

GSM_SENTENCE = "Dear customer, your order 1234 has shipped & arrives Monday. Reply STOP to opt out. "
UNICODE_SENTENCE = "Dzień dobry! Zamówienie nr 1234 wysłane, dostawa w poniedziałek 🚚. Ważne do jutra 👍🏽. "


def _fill(sentence: str, length: int) -> str:
    return (sentence * (length // len(sentence) + 1))[:length]


# GSM-7: 40, 160 and 918 characters; the six-part text holds euro signs, so the escape-aware path runs.
SHORT_GSM = _fill(GSM_SENTENCE, 40)
ONE_PART_GSM = _fill(GSM_SENTENCE, 160)
SIX_PART_GSM = _fill(GSM_SENTENCE, 908) + " Only €5!"
# UCS-2 (Polish letters, emoji with and without a skin tone): 40 characters, 70 and 402 UTF-16 units.
SHORT_UNICODE = _fill(UNICODE_SENTENCE, 40)
ONE_PART_UNICODE = _fill(UNICODE_SENTENCE, 69)
SIX_PART_UNICODE = _fill(UNICODE_SENTENCE, 390)


def analyses_per_second(text: str) -> float:
    """Calls of `analyze(text)` per second, timed over roughly `SECONDS`."""
    iterations = 1
    while True:
        started = time.perf_counter()
        for _ in range(iterations):
            analyze(text)
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            return iterations / elapsed
        iterations *= 2 if elapsed < SECONDS / 10 else max(2, round(SECONDS / elapsed))


def short_gsm() -> float:
    return analyses_per_second(SHORT_GSM)


def one_part_gsm() -> float:
    return analyses_per_second(ONE_PART_GSM)


def six_part_gsm() -> float:
    return analyses_per_second(SIX_PART_GSM)


def short_unicode() -> float:
    return analyses_per_second(SHORT_UNICODE)


def one_part_unicode() -> float:
    return analyses_per_second(ONE_PART_UNICODE)


def six_part_unicode() -> float:
    return analyses_per_second(SIX_PART_UNICODE)


MEASUREMENTS: list[tuple[str, str, Callable[[], float]]] = [
    ("short GSM-7", SHORT_GSM, short_gsm),
    ("one-part GSM-7", ONE_PART_GSM, one_part_gsm),
    ("six-part GSM-7", SIX_PART_GSM, six_part_gsm),
    ("short UCS-2", SHORT_UNICODE, short_unicode),
    ("one-part UCS-2", ONE_PART_UNICODE, one_part_unicode),
    ("six-part UCS-2", SIX_PART_UNICODE, six_part_unicode),
]


PREVIEW_REQUESTS = 400
PREVIEW_WARM_UP = 20
MEMBER_EMAIL = "member@bench.example"


class ServerTimer:
    """WSGI middleware that records how long the app took for each request, client excluded."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.seconds: list[float] = []

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = b"".join(self.wsgi_app(environ, start_response))
        self.seconds.append(time.perf_counter() - started)
        return [body]


def preview_latency(text: str = SIX_PART_GSM) -> tuple[float, float]:
    """Median and p95 milliseconds of the composer's htmx preview of `text`, signed in as a member."""
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "INSTANCE_PATH": folder})
        with app.app_context():
            upgrade(x_arg=["quiet=1"])
            admin = create_account("Bench", "admin@bench.example", password)
            add_user(admin.account_id, admin, MEMBER_EMAIL, Role.MEMBER, password)
        client = app.test_client()
        credentials = {"email": MEMBER_EMAIL, "password": password}
        client.post("/login", data=credentials, headers=_csrf_header(client, "/login"))
        headers = {"HX-Request": "true", **_csrf_header(client, "/campaigns/new")}
        form = {"name": "", "sender": "", "message": text, "action": "preview"}
        timer = ServerTimer(app.wsgi_app)
        app.wsgi_app = timer
        for _ in range(PREVIEW_WARM_UP + PREVIEW_REQUESTS):
            response = client.post("/campaigns/new", data=form, headers=headers)
            if response.status_code != 200 or "<html" in response.get_data(as_text=True):
                raise RuntimeError(f"the preview answered {response.status_code}, not a fragment")
        _stop_embedded_redis(app)
    milliseconds = [seconds * 1000 for seconds in timer.seconds[PREVIEW_WARM_UP:]]
    return statistics.median(milliseconds), statistics.quantiles(milliseconds, n=20)[-1]


def _csrf_header(client, path: str) -> dict[str, str]:
    """The CSRF header htmx sends, read from the page as the browser would."""
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    if token is None:
        raise RuntimeError(f"{path} carries no CSRF token: is the member signed in?")
    return {"X-CSRFToken": token[1]}


def _stop_embedded_redis(app) -> None:
    """The sign-in limits started the embedded Redis in the temporary folder: stop it with it."""
    server = app.extensions.get("embedded_redis")
    if server is not None:
        server.shutdown(nosave=True)


def main() -> None:
    for label, text, measure in MEASUREMENTS:
        analysis = analyze(text)
        shape = f"{len(text)} chars, {analysis.units} units, {analysis.parts} parts, {analysis.encoding}"
        print(f"{label:<16} {measure():>10,.0f} analyses/s   ({shape})")
    for label, text in (("six-part GSM-7", SIX_PART_GSM), ("six-part UCS-2", SIX_PART_UNICODE)):
        median, p95 = preview_latency(text)
        print(
            f"preview endpoint, {label} ({len(text)} chars): median {median:.2f} ms, p95 {p95:.2f} ms "
            f"server-side over {PREVIEW_REQUESTS} requests"
        )


if __name__ == "__main__":
    main()
