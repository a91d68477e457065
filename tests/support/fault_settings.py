"""The production settings for the fault tests' servers and workers, except that static
files are collected without compression: compressing them takes over a minute on a busy
two-core machine, and the fault tests need only the manifest that pages link through."""

from fermusic.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
