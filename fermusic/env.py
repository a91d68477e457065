"""Typed readers for settings from the environment.

Each raises ImproperlyConfigured naming the variable when its value cannot be read,
instead of guessing. URL-shaped values are parsed by django-environ.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
# Django's SQLite backend, creating the database file 0600 (fermusic/lib/sqlite3).
SQLITE_ENGINE = "fermusic.lib.sqlite3"
FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def string(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value in (None, "") else value


def boolean(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def integer(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={number} is outside {minimum}..{maximum}")
    return number


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value in (None, ""):
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def string_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but empty; give a comma-separated list")
    return items


def path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value).expanduser().resolve() if value else default


def database(name: str, default_sqlite: Path) -> dict:
    value = _raw(name)
    if not value:
        return {
            "ENGINE": SQLITE_ENGINE,
            "NAME": default_sqlite,
            # WAL lets the in-process worker write while pages read.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20},
            # A file, not Django's default in-memory test database: its shared cache
            # locks whole tables, so the worker thread would fail with "table is locked"
            # instead of waiting its turn as it does on the real file. One per test run
            # (the process id), so two runs side by side do not drop each other's tables.
            "TEST": {"NAME": default_sqlite.with_name(f"test-{os.getpid()}-{default_sqlite.name}")},
        }
    try:
        with warnings.catch_warnings():
            # django-environ only warns about an unknown scheme; here that is an error.
            warnings.simplefilter("error")
            config = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises a mix of types on malformed URLs
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if config.get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"{name}: only postgres:// and sqlite:// URLs are supported")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = SQLITE_ENGINE
    else:
        # Each process borrows from a bounded pool (psycopg's): more concurrent requests
        # than connections wait up to the timeout, then get a 503, never "too many clients".
        # processes x DB_POOL_MAX_SIZE must stay under PostgreSQL's max_connections.
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": integer("DB_POOL_MAX_SIZE", 8, minimum=1),
            "timeout": integer("DB_POOL_TIMEOUT_SECONDS", 10, minimum=1),
        }
    return config


def redis_url(name: str) -> str | None:
    value = _raw(name)
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={value!r} must start with redis://, rediss:// or unix://")
    return value


def email(name: str) -> dict:
    value = _raw(name)
    if not value:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    try:
        return environ.Env.email_url_config(value)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not a valid e-mail URL (smtp://user:pass@host:port): {exc}") from None
