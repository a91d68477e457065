from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files that must never have a URL (face photos, uploaded CSVs): only views
    that check ownership stream them."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through an owner-checked view.")
