"""A CSV uploaded in the admin goes through the real stack: a real Celery worker
imports it, progress reaches the uploader's WebSocket through the configured channel
layer (Redis in CI), and the moods are refitted afterwards."""

import time

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fermusic.routing import websocket_urlpatterns
from music.models import ImportJob, MoodModelRun, Track
from tests.support.music_factories import (
    CLASSIC_HITS_HEADER,
    StaffFactory,
    classic_hits_row,
    csv_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)


def upload(user, data: bytes) -> str:
    client = Client()
    client.force_login(user)
    response = client.post("/admin/music/importjob/add/", {"file": SimpleUploadedFile("hits.csv", data, "text/csv")})
    assert response.status_code == 302, response.content
    return response["Location"]


def wait_for_refit(timeout=120) -> MoodModelRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = MoodModelRun.objects.filter(trigger="import").first()
        if run:
            return run
        time.sleep(0.2)
    raise AssertionError(f"no mood refit within {timeout}s")


@pytest.mark.asyncio
async def test_an_uploaded_csv_is_imported_by_a_worker_with_progress_pushed_live(celery_worker):
    editor = await sync_to_async(StaffFactory)(username="editor", email="editor@example.com")
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/events/")
    communicator.scope["user"] = editor
    connected, _ = await communicator.connect()
    assert connected

    moods = ["happy", "energetic", "calm", "sad"]
    rows = [classic_hits_row(f"Song {i}", f"Band {i % 9}", mood=moods[i % 4]) for i in range(120)]
    rows.insert(7, ["", *rows[0][1:]])
    page = await sync_to_async(upload)(editor, csv_bytes(CLASSIC_HITS_HEADER, rows))

    events = []
    deadline = time.monotonic() + 120
    while not events or events[-1]["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, f"no finished import event in 120 s: {events}"
        # Polling: the in-memory layer is fed from the worker's thread, which does not
        # wake this event loop, so it has to wake itself to look.
        if await communicator.receive_nothing(timeout=0.5, interval=0.05):
            continue
        message = await communicator.receive_json_from(timeout=5)
        if message["event"] == "music.import":
            events.append(message["payload"])
    await communicator.disconnect()

    job = await sync_to_async(ImportJob.objects.get)()
    assert page == f"/admin/music/importjob/{job.pk}/change/"
    assert {e["id"] for e in events} == {job.pk}
    assert events[0]["status"] == "running" and events[-1]["status"] == "succeeded"
    assert events[-1]["percent"] == 100
    summary = events[-1]["summary"]
    assert (summary["created"], summary["skipped"]) == (120, 1)
    assert summary["skipped_because"] == [{"reason": "missing title", "rows": 1, "lines": [9]}]

    run = await sync_to_async(wait_for_refit)()
    assert run.tracks == 120
    assert await sync_to_async(Track.objects.exclude(mood="").count)() == 120
