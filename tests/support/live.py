"""Webcam-like frames and a signed-in live-mode socket for the live-mode tests."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from PIL import Image
from skimage import data as skdata

from accounts.consent import record_consent
from fermusic.routing import websocket_urlpatterns
from tests.support.engine import tiny_model_dir

TIMEOUT = 60


def webcam_frame(shift: int = 0, comment: bytes = b"") -> bytes:
    """A 320x240 JPEG like the page sends: the astronaut's face, moved ``shift`` pixels."""
    photo = np.roll(skdata.astronaut(), shift, axis=1)
    frame = cv2.resize(photo[0:384], (320, 240), interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=80, comment=comment)
    return buffer.getvalue()


def consenting(user):
    """``user`` (saved or not) as one who consents to face processing, as live mode requires."""
    record_consent(user, save=False)
    return user


def live_communicator(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/live/")
    communicator.scope["user"] = user
    return communicator


async def connect_live(user) -> WebsocketCommunicator:
    communicator = live_communicator(user)
    connected, _ = await communicator.connect()
    assert connected
    ready = await communicator.receive_json_from(timeout=TIMEOUT)
    assert ready["type"] == "ready"
    return communicator


async def answer_to(communicator, seq: int, timeout: float = TIMEOUT) -> dict:
    """The next message about frame ``seq``; other frames' answers must not come first."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message.get("type") == "emotion_changed":
            continue
        assert message.get("seq") == seq, message
        return message


@pytest.fixture
def served_model(settings) -> Path:
    """The committed model when there is one, otherwise a tiny trained stand-in."""
    if not (Path(settings.EMOTION_MODEL_DIR) / "metadata.json").exists():
        settings.EMOTION_MODEL_DIR = tiny_model_dir()
    return Path(settings.EMOTION_MODEL_DIR)
