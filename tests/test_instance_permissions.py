"""The instance folder, the SQLite file and the embedded Redis files are readable by their owner only."""

import stat

from sqlalchemy import text

from portal import create_app, embedded_redis
from portal.extensions import db


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_folder_database_and_secrets_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        db.session.execute(text("CREATE TABLE probe (id INTEGER)"))
        db.session.commit()
        db.engine.dispose()
    assert _mode(instance) == 0o700
    for name in ("portal.db", "secret_key", "token_key"):
        assert _mode(instance / name) & 0o077 == 0, name


def test_an_existing_world_readable_instance_is_tightened(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "portal.db").touch(mode=0o644)
    create_app({"INSTANCE_PATH": str(instance), "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert _mode(instance) == 0o700
    assert _mode(instance / "portal.db") == 0o600


def test_embedded_redis_files_are_owner_only(tmp_path):
    server = embedded_redis.start(tmp_path)
    try:
        server.set("probe", "1")
        folder = tmp_path / "redis"
        assert _mode(folder) == 0o700
        for path in folder.iterdir():
            assert _mode(path) & 0o077 == 0, path.name
    finally:
        server.shutdown(nosave=True)
