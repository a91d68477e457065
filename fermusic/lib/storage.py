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
