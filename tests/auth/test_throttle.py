"""Sign-in limits: per (e-mail, address) and per address, counted before the password is checked,
with a per-e-mail ceiling far above what a person types, and still signing in without Redis."""

import logging
import threading
import time

import pytest

from portal.auth.routes import LAST_ATTEMPT
from portal.auth.throttle import describe_wait
from tests.conftest import PASSWORD


def _login(client, email, password, address="203.0.113.5"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_from_another_address_do_not_lock_the_owner_out(app, client, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "3 per 15 minutes"
    for _ in range(6):
        _login(client, account.admin_email, "wrong password", address="198.51.100.66")
    assert _login(client, account.admin_email, "wrong password", address="198.51.100.66").status_code == 429
    assert _login(app.test_client(), account.admin_email, PASSWORD).status_code == 302


def test_per_email_ceiling_over_all_addresses(app, client, account):
    app.config["LOGIN_LIMIT_PER_EMAIL_ALL_ADDRESSES"] = "4 per 15 minutes"
    for number in range(4):
        assert _login(client, account.admin_email, "wrong", address=f"198.51.100.{number}").status_code == 401
    assert _login(client, account.admin_email, PASSWORD, address="198.51.100.99").status_code == 429


def test_lockout_says_how_long_and_the_last_attempt_warns(app, client, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "3 per 10 minutes"
    warning = LAST_ATTEMPT["email-address"].format(wait="10 minutes")
    assert warning not in _login(client, account.admin_email, "wrong").data.decode()
    assert warning in _login(client, account.admin_email, "wrong").data.decode()
    assert _login(client, account.admin_email, "wrong").status_code == 401
    locked = _login(client, account.admin_email, PASSWORD)
    assert locked.status_code == 429
    assert "try again in 10 minutes" in locked.data.decode()
    assert 0 < int(locked.headers["Retry-After"]) <= 600


def test_the_last_attempt_warning_names_the_limit_closest_to_running_out(app, client, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "5 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 2 minutes"
    _login(client, account.member_email, "wrong")
    page = _login(client, account.admin_email, "wrong").data.decode()
    assert LAST_ATTEMPT["address"].format(wait="2 minutes") in page
    assert "signing in with this e-mail is paused" not in page and "15 minutes" not in page
    _login(client, account.admin_email, "wrong")
    locked = _login(client, account.admin_email, PASSWORD)
    assert locked.status_code == 429 and "try again in 2 minutes" in locked.data.decode()


def test_waits_are_said_in_the_singular_and_the_plural_right():
    assert [describe_wait(seconds) for seconds in (1, 2, 59, 60, 89, 90, 900, 5399, 5400, 86400)] == [
        "1 second", "2 seconds", "59 seconds", "1 minute", "1 minute", "2 minutes", "15 minutes",
        "90 minutes", "2 hours", "24 hours",
    ]


def test_parallel_wrong_passwords_cannot_pass_the_limit(app, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "5 per 15 minutes"
    start = threading.Barrier(12)
    statuses = []

    def attempt():
        client = app.test_client()
        client.get("/login")
        start.wait()
        statuses.append(_login(client, account.admin_email, "wrong password").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == 5
    assert statuses.count(429) == 7


def test_sign_in_works_and_limits_when_redis_is_unreachable(app, client, account, caplog):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "2 per 15 minutes"
    with caplog.at_level(logging.WARNING, logger="portal.auth.throttle"):
        assert _login(client, account.admin_email, PASSWORD).status_code == 302
    assert "cannot reach Redis" in caplog.text
    other = app.test_client()
    for _ in range(2):
        assert _login(other, account.member_email, "wrong").status_code == 401
    assert _login(other, account.member_email, PASSWORD).status_code == 429


def test_sign_in_limits_and_the_job_queue_go_back_to_redis_once_it_is_back(
    app, client, account, private_redis, monkeypatch, caplog
):
    from redis import Redis
    from redis.exceptions import RedisError

    from portal.auth import throttle
    from portal.queue import redis_connection

    monkeypatch.setattr(throttle, "REDIS_RETRY_AFTER", 0.3)
    private_redis.start()
    app.config["REDIS_URL"] = private_redis.url
    app.config["RATELIMIT_STORAGE_URI"] = private_redis.url
    app.extensions.pop("redis", None)
    app.extensions.pop("sign_in_throttle", None)
    counters = Redis.from_url(private_redis.url)
    with app.app_context():
        queue_client = redis_connection()
        assert queue_client.ping()
    assert _login(client, account.member_email, "wrong").status_code == 401
    assert counters.keys("*"), "the failure is counted in Redis"

    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="portal.auth.throttle"):
        assert _login(app.test_client(), account.admin_email, PASSWORD).status_code == 302
    assert "cannot reach Redis" in caplog.text
    with app.app_context(), pytest.raises(RedisError):
        redis_connection().ping()

    private_redis.start()
    counters.flushall()
    time.sleep(0.4)  # the throttle tries Redis again after REDIS_RETRY_AFTER
    assert _login(app.test_client(), account.member_email, "wrong").status_code == 401
    assert counters.keys("*"), "failures are counted in Redis again"
    with app.app_context():
        assert redis_connection() is queue_client
        assert queue_client.ping(), "the same client reconnects"
