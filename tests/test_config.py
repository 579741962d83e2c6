"""Settings come from the environment, with safe embedded defaults and no hard-coded secrets."""

import stat

from portal.config import database_uri, load_config


def test_defaults_are_sqlite_and_embedded_redis_in_the_instance_folder(tmp_path):
    config = load_config(tmp_path, environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config["REDIS_URL"] is None
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_config(tmp_path, environ={})["SECRET_KEY"]
    second = load_config(tmp_path, environ={})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    other = load_config(tmp_path / "elsewhere", environ={})["SECRET_KEY"]
    assert other != first


def test_environment_overrides_the_defaults(tmp_path):
    config = load_config(
        tmp_path,
        environ={
            "SECRET_KEY": "from-env",
            "DATABASE_URL": "postgresql://db.internal:5432/portal",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "PUBLIC_BASE_URL": "https://sms.example.com/",
        },
    )
    assert config["SECRET_KEY"] == "from-env"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.internal:5432/portal"
    assert config["REDIS_URL"] == "redis://cache.internal:6379/0"
    assert config["PUBLIC_BASE_URL"] == "https://sms.example.com"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_heroku_style_postgres_urls_use_psycopg_3(tmp_path):
    assert database_uri("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_embedded_redis_is_used_when_no_url_is_set(tmp_path):
    from portal import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "REDIS_URL": None})
    assert app.config["EMBEDDED_REDIS"] is True
    assert app.config["REDIS_URL"] == f"unix://{tmp_path / 'redis' / 'redis.sock'}"


def test_embedded_default_serves_pages_and_starts_its_redis(tmp_path):
    from portal import create_app

    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "REDIS_URL": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    try:
        response = app.test_client().get("/login")
        assert response.status_code == 200
        assert app.extensions["redis"].ping()
    finally:
        app.extensions["embedded_redis"].shutdown(nosave=True)


def test_forwarded_for_is_ignored_without_proxies_and_trusted_behind_one(app, tmp_path):
    from flask import request

    from portal import create_app

    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    app.test_client().get("/login", headers={"X-Forwarded-For": "198.51.100.9"})
    assert seen[-1] == "127.0.0.1"
    proxied = create_app({**app.config, "PROXY_COUNT": 1, "INSTANCE_PATH": str(tmp_path)})
    proxied.before_request(lambda: seen.append(request.remote_addr))
    proxied.test_client().get("/login", headers={"X-Forwarded-For": "198.51.100.9"})
    assert seen[-1] == "198.51.100.9"
