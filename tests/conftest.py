"""Shared fixtures: two users (alice and bob) for "bob cannot see alice's data",
private media in a temporary folder, and the real Celery worker and channel layer
of whichever profile the environment selects (Redis when REDIS_URL is set)."""

import pytest
from django.conf import settings

from tests.support.factories import PASSWORD, UserFactory


def pytest_configure(config):
    # Full-strength password hashing is the slowest thing in the suite and is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # live_server's listening backlog, 5 by default, resets connections beyond it: the
    # capacity tests send 100 requests at once, as daphne (backlog 50) would take them.
    from django.core.servers.basehttp import ThreadedWSGIServer

    ThreadedWSGIServer.request_queue_size = 128
    # Tests that import fermusic.asgi (the request limits, the socket routing) would start
    # the embedded profile's worker thread in this process, beside the suite's own
    # (celery_worker): two consumers of one in-memory broker take each other's tasks, and
    # a test that holds the one worker busy (tests/emotions/live/test_slow_worker.py) no
    # longer can. The browser tests' servers are processes of their own and keep theirs.
    settings.EMBEDDED_WORKER = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {**settings.STORAGES["private"]["OPTIONS"], "location": tmp_path / "private"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # File fields resolve their storage once, when models load; point the private ones
    # at the test's folder too, so no test writes into the repository's var/.
    from django.apps import apps
    from django.core.files.storage import storages
    from django.db.models import FileField

    from fermusic.lib.storage import PrivateStorage

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField) and isinstance(field.storage, PrivateStorage):
                monkeypatch.setattr(field, "storage", storages["private"])


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Throttle counters are keyed by user id. SQLite reuses ids after a rollback, so the
    # in-process cache is emptied; PostgreSQL never reuses them, and flushing Redis would
    # also drop the Celery broker's queues, so it is left alone.
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    # The counted throttles (fermusic.lib.throttles) and the live-socket counts keep keys
    # of their own, which outlive a test run whose fresh database numbers users from 1
    # again: only those are removed. So do the sign-up and password-reset limits, keyed by
    # client address (every test's is 127.0.0.1) and e-mail address (alice's in many tests).
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    stale = client.keys("fermusic:throttle_*") + client.keys("fermusic:live-sockets:*")
    stale += list(client.scan_iter(match=f"*{settings.RATELIMIT_CACHE_PREFIX}*"))
    if stale:
        client.delete(*stale)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(scope="session")
def celery_app():
    from celery_app import app

    return app


@pytest.fixture(scope="session")
def celery_worker(celery_app, django_db_setup, django_db_blocker):
    """A real Celery worker thread consuming the configured broker (Redis or memory)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import worker_process_init

    from emotions.tasks import load_model_when_a_worker_starts

    # No model warm-up thread in the test process: tests load the models they need (the
    # tiny one, mostly) and train with TensorFlow, which must not be imported from two
    # threads at once. tests/emotions/test_worker_warm_up.py tests the warm-up itself.
    worker_process_init.disconnect(load_model_when_a_worker_starts)
    try:
        with (
            django_db_blocker.unblock(),
            start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker,
        ):
            worker_process_init.connect(load_model_when_a_worker_starts)
            yield worker
    finally:
        worker_process_init.connect(load_model_when_a_worker_starts)


def using_redis() -> bool:
    return bool(settings.REDIS_URL)


@pytest.fixture
def fresh_catalogue_index():
    """Each recommendation test starts without a cached catalogue index: test databases
    reuse ids after a rollback, so an index built for another test could look current."""
    from music.services.catalogue_index import forget_catalogue_index

    forget_catalogue_index()
    yield
    forget_catalogue_index()
