"""The var folder, the secret key and the embedded SQLite database are this user's
alone (0700 and 0600) whatever the umask says; a stored photo's modes are tested with
the uploads (tests/emotions/test_detection_input.py)."""

import os
import stat

import pytest
from django.db import connection

from fermusic.lib.sqlite3.base import create_private_file
from fermusic.lib.storage import private_directory
from tests.system.test_settings import run_manage


def mode(path) -> str:
    return oct(stat.S_IMODE(os.stat(path).st_mode))


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_fresh_embedded_install_keeps_its_var_folder_key_and_database_private(tmp_path, open_umask):
    var = tmp_path / "var"
    result = run_manage("migrate", "-v0", FERMUSIC_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert mode(var) == oct(0o700)
    assert mode(var / "secret_key") == oct(0o600)
    assert mode(var / "fermusic.sqlite3") == oct(0o600)


def test_an_existing_var_folder_open_to_others_is_narrowed(tmp_path, open_umask):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    assert mode(var) == oct(0o755)
    private_directory(var)
    assert mode(var) == oct(0o700)


def test_a_private_file_is_0600_under_an_open_umask(tmp_path, open_umask):
    create_private_file(tmp_path / "db.sqlite3")
    assert mode(tmp_path / "db.sqlite3") == oct(0o600)


def test_the_test_database_file_and_its_journal_are_private(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its files in its own data folder")
    name = connection.settings_dict["NAME"]
    files = [path for path in (name, f"{name}-wal", f"{name}-shm") if os.path.exists(path)]
    assert files and {mode(path) for path in files} == {oct(0o600)}
