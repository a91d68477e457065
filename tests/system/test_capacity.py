"""Load turns into refusals that say so, never into 500s or unbounded work: the upload
limit holds exactly under parallel uploads, a database pool with no connection free is a
503 with Retry-After, and reads keep answering when the throttles' Redis is down."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from knox.models import get_token_model
from psycopg_pool import PoolTimeout

from tests.support.images import astronaut_jpeg

PARALLEL_UPLOADS = 100


@pytest.fixture
def purge_queued_analyses(celery_app):
    """The uploads queue analyses that no worker here runs: gone when the test ends, so
    no later test's worker picks them up."""
    yield
    celery_app.control.purge()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_hundred_parallel_uploads_by_one_user_let_exactly_the_limit_through(
    live_server, alice, settings, purge_queued_analyses
):
    settings.UPLOADS_PER_MINUTE = 20
    token = get_token_model().objects.create(user=alice)[1]
    photo = astronaut_jpeg()
    start = threading.Barrier(PARALLEL_UPLOADS)

    def upload(_):
        with requests.Session() as session:
            start.wait()
            response = session.post(
                f"{live_server.url}/api/v1/detections/",
                headers={"Authorization": f"Token {token}"},
                files={"image": ("face.jpg", photo, "image/jpeg")},
                timeout=60,
            )
            return response.status_code, response.headers.get("Retry-After")

    with ThreadPoolExecutor(PARALLEL_UPLOADS) as pool:
        answers = list(pool.map(upload, range(PARALLEL_UPLOADS)))
    statuses = [status for status, _ in answers]
    assert statuses.count(202) == 20, statuses
    # The rest are told to wait: 429, or 503 with Retry-After if the database pool was full.
    assert all(status == 429 or (status == 503 and retry) for status, retry in answers if status != 202)
    assert alice.detections.count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_request_that_finds_no_database_connection_free_gets_a_503_with_retry_after(live_server, alice):
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's (psycopg_pool)")
    token = get_token_model().objects.create(user=alice)[1]
    pool = connection.pool
    timeout, pool.timeout = pool.timeout, 1
    held = []
    try:
        # Everything the pool has (the test's own connection is one of them).
        with contextlib.suppress(PoolTimeout):
            while True:
                held.append(pool.getconn(timeout=0.5))
        response = requests.get(
            f"{live_server.url}/api/v1/detections/", headers={"Authorization": f"Token {token}"}, timeout=30
        )
    finally:
        for held_connection in held:
            pool.putconn(held_connection)
        pool.timeout = timeout
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "briefly unavailable" in response.json()["detail"]


@pytest.fixture
def throttles_redis_down(settings):
    # A Redis that does not answer: nothing listens on port 1.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }


def test_api_reads_answer_from_the_database_while_the_throttle_cache_is_down(alice_client, throttles_redis_down):
    response = alice_client.get("/api/v1/detections/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_api_write_while_the_throttle_cache_is_down_is_a_503_not_a_500(alice_client, throttles_redis_down):
    response = alice_client.post("/api/v1/ratings/", {"track": 1, "value": 1}, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
