"""Live mode stores no frame: nothing reaches the database or a file, and the task's
logs and monitoring events name the frame without carrying it."""

import base64
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection

from tests.support.live import (
    answer_to,
    connect_live,
    served_model,  # noqa: F401  (a fixture)
    webcam_frame,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("served_model")]

# Files bigger than this (model checkpoints of a training run) cannot be a frame's copy.
LARGEST_FILE_SEARCHED = 64 * 1024 * 1024


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def files_containing(needles: list[bytes], roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    stat = path.stat()
                    if stat.st_mtime < since or stat.st_size > LARGEST_FILE_SEARCHED or not path.is_file():
                        continue
                    content = path.read_bytes()
                except OSError:
                    continue  # gone meanwhile, or not ours to read
                if any(needle in content for needle in needles):
                    found.append(path)
    return found


async def test_no_frame_is_written_to_the_database_or_to_disk(celery_worker, alice):
    marker = f"fermusic-live-test-{uuid.uuid4()}".encode()
    frames = [webcam_frame(shift, comment=marker) for shift in (0, 3, 6)]
    # A copy written as text (a log line, a JSON dump) would hold the base64 form.
    needles = [marker] + [base64.b64encode(frame)[200:280] for frame in frames]
    before = await sync_to_async(row_counts)()
    started = time.time() - 1

    communicator = await connect_live(alice)
    for seq, frame in enumerate(frames, start=1):
        await communicator.send_to(bytes_data=frame)
        assert (await answer_to(communicator, seq))["type"] == "result"
    await communicator.disconnect()

    assert await sync_to_async(row_counts)() == before
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        assert not Path(root).exists() or not any(Path(root).rglob("*"))
    roots = [Path(tempfile.gettempdir()), Path(settings.VAR_DIR), Path(settings.MEDIA_ROOT).parent]
    assert await sync_to_async(files_containing)(needles, roots, started) == []


async def test_the_task_message_and_the_logs_name_the_frame_without_carrying_it(celery_worker, alice, caplog):
    frame = webcam_frame()
    published = []

    def remember(sender=None, headers=None, body=None, **kwargs):
        if sender == "emotions.tasks.analyse_frame":
            published.append(headers)

    before_task_publish.connect(remember, weak=False)
    try:
        with caplog.at_level(logging.DEBUG):
            communicator = await connect_live(alice)
            await communicator.send_to(bytes_data=frame)
            assert (await answer_to(communicator, 1))["type"] == "result"
            await communicator.disconnect()
    finally:
        before_task_publish.disconnect(remember)

    assert len(published) == 1
    assert published[0]["argsrepr"] == f"(<JPEG frame, {len(frame)} bytes>,)"
    assert published[0]["live_reply"]["seq"] == 1
    assert base64.b64encode(frame)[200:280].decode() not in caplog.text
