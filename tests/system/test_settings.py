"""Settings read the environment strictly: a bad value stops start-up with
ImproperlyConfigured naming the variable, instead of being guessed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from fermusic import env
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
GOOD_KEY = "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789"


def run_manage(*args, **variables):
    """Run manage.py in a clean environment with only ``variables`` set."""
    environ = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **variables}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env.boolean("X", False), "maybe"),
        (lambda: env.integer("X", 1), "ten"),
        (lambda: env.integer("X", 1, minimum=1, maximum=100), "0"),
        (lambda: env.choice("X", "delete", ("delete", "24h", "keep")), "forever"),
        (lambda: env.string_list("X", []), " , "),
        (lambda: env.database("X", Path("db.sqlite3")), "mysql://u@h/db"),
        (lambda: env.database("X", Path("db.sqlite3")), "not a url"),
        (lambda: env.redis_url("X"), "http://127.0.0.1:6379"),
    ],
)
def test_it_rejects_a_bad_value(monkeypatch, reader, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match="X"):
        reader()


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("YES", True), ("off", False), ("0", False)]
)
def test_it_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv("X", value)
    assert env.boolean("X", not expected) is expected


def test_it_parses_a_postgres_url(monkeypatch):
    monkeypatch.setenv("X", "postgres://fm:secret@db.internal:5433/fermusic")
    config = env.database("X", Path("unused"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.internal", 5433, "fermusic", "fm")


def test_the_embedded_default_needs_no_variables(tmp_path):
    result = run_manage("check", FERMUSIC_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DEBUG", "maybe"), ("MAX_UPLOAD_MB", "lots"), ("PHOTO_RETENTION_DEFAULT", "forever"), ("SECRET_KEY", "short")],
)
def test_start_up_fails_loudly_on_a_bad_value(tmp_path, variable, value):
    result = run_manage("check", FERMUSIC_VAR_DIR=str(tmp_path), **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


def test_the_production_profile_passes_the_deploy_check(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        FERMUSIC_VAR_DIR=str(tmp_path),
        SECRET_KEY=GOOD_KEY,
        HTTPS="true",
        ALLOWED_HOSTS="fermusic.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/fermusic",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
