"""Django's SQLite backend, with the database file created readable by this user only:
it holds password hashes, tokens, e-mails and readings. SQLite gives its -wal and -shm
files the database file's mode, so creating the file first covers them too."""

import contextlib
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = conn_params["database"]
        if not self.creation.is_in_memory_db(name) and not str(name).startswith("file:"):
            create_private_file(name)
        return super().get_new_connection(conn_params)


def create_private_file(path) -> None:
    """Create an empty file with mode 0600 unless it exists (the umask can only narrow it)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
