import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages


class PrivateStorage(FileSystemStorage):
    """Files that must never have a URL (face photos, uploaded CSVs): only views
    that check ownership stream them."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through an owner-checked view.")


def private_storage():
    """The private storage (``STORAGES["private"]``), as a callable so that migrations
    do not freeze the settings of the machine that made them."""
    return storages["private"]


def private_directory(path: Path) -> Path:
    """Create ``path`` (and its missing parents) with mode 0700, and narrow it to 0700 if
    this user owns it and it was wider: everything below it is then this user's alone.
    A folder someone else owns is left as its owner set it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = path.stat()
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        path.chmod(0o700)
    return path
