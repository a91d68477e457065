"""Live mode through the real stack: JPEG frames over the WebSocket, analysed by a real
Celery worker on the configured broker, answered through the configured channel layer."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from emotions.engine.labels import EMOTIONS
from emotions.live.protocol import MAX_FRAME_BYTES
from tests.support.live import (
    TIMEOUT,
    answer_to,
    connect_live,
    live_communicator,
    served_model,  # noqa: F401  (a fixture)
    webcam_frame,
)

pytestmark = pytest.mark.django_db(transaction=True)


def assert_live_face(face, width=320, height=240):
    x, y, w, h = face["box"]
    assert x >= 0 and y >= 0 and x + w <= width and y + h <= height and w > 0 and h > 0
    assert set(face["probabilities"]) == set(EMOTIONS)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["emotion"] == max(face["probabilities"], key=face["probabilities"].get)
    assert isinstance(face["uncertain"], bool)


@pytest.mark.asyncio
@pytest.mark.usefixtures("served_model")
async def test_frames_come_back_with_faces_and_a_smoothed_emotion(celery_worker, alice):
    communicator = await connect_live(alice)
    results = []
    changes = []
    for seq, shift in enumerate((0, 4, 8), start=1):
        await communicator.send_to(bytes_data=webcam_frame(shift))
        while True:
            message = await communicator.receive_json_from(timeout=TIMEOUT)
            if message["type"] == "emotion_changed":
                changes.append(message)
                continue
            assert message["type"] == "result", message
            assert message["seq"] == seq
            results.append(message)
            break
    # The first face seen sets the mood, announced right after that frame's result.
    if not changes:
        changes.append(await communicator.receive_json_from(timeout=TIMEOUT))
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()

    for result in results:
        assert (result["width"], result["height"]) == (320, 240)
        assert len(result["faces"]) >= 1
        for face in result["faces"]:
            assert_live_face(face)
        x, y, w, h = result["faces"][0]["box"]
        assert 80 < x + w / 2 < 220 and 0 < y + h / 2 < 130  # the astronaut's face, not the flag
        assert result["latency_ms"] > 0
        assert result["timings"]["analyse_ms"] > 0
        assert result["dropped"] == 0
        smoothed = result["smoothed"]
        assert smoothed["emotion"] in EMOTIONS
        assert sum(smoothed["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        assert smoothed["emotion"] == max(smoothed["probabilities"], key=smoothed["probabilities"].get)

    assert changes[0]["type"] == "emotion_changed"
    assert changes[0]["previous"] is None
    assert changes[0]["emotion"] == results[0]["smoothed"]["emotion"]
    # One reading, so the first smoothed estimate is that face's own probabilities.
    assert results[0]["smoothed"]["probabilities"] == results[0]["faces"][0]["probabilities"]


@pytest.mark.asyncio
async def test_an_anonymous_socket_is_closed_with_4401():
    communicator = live_communicator(AnonymousUser())
    await communicator.connect()
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
@pytest.mark.usefixtures("served_model")
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(celery_worker, alice):
    communicator = await connect_live(alice)
    good = webcam_frame()

    await communicator.send_to(bytes_data=b"\xff\xd8\xff" + b"\x00" * MAX_FRAME_BYTES)
    too_large = await answer_to(communicator, 1)
    assert too_large["type"] == "error" and too_large["code"] == "too_large"

    await communicator.send_to(bytes_data=b"this is not a picture at all")
    garbage = await answer_to(communicator, 2)
    assert garbage["type"] == "error" and garbage["code"] == "not_jpeg"

    # Looks like a JPEG to the web process; the worker finds it cut short.
    await communicator.send_to(bytes_data=good[: len(good) // 3])
    truncated = await answer_to(communicator, 3)
    assert truncated["type"] == "error" and truncated["code"] == "unreadable"
    assert "could not be read" in truncated["message"]

    await communicator.send_to(text_data='{"type": "hello"}')
    text = await communicator.receive_json_from(timeout=TIMEOUT)
    assert text == {
        "type": "error",
        "seq": None,
        "code": "bad_message",
        "message": "Send frames as binary JPEG messages.",
    }

    await communicator.send_to(bytes_data=good)
    result = await answer_to(communicator, 4)
    assert result["type"] == "result" and result["faces"]
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_missing_model_is_reported_as_unavailable_not_as_a_bad_frame(celery_worker, alice, settings, tmp_path):
    settings.EMOTION_MODEL_DIR = tmp_path / "no-model"
    communicator = await connect_live(alice)
    await communicator.send_to(bytes_data=webcam_frame())
    failed = await answer_to(communicator, 1)
    assert failed["type"] == "error" and failed["code"] == "unavailable"
    assert "no-model" not in failed["message"]
    await communicator.disconnect()


def test_the_live_page_needs_a_signed_in_user(client):
    response = client.get(reverse("emotions:live"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_live_page_loads_its_script_and_the_emotion_styles(alice_client):
    response = alice_client.get(reverse("emotions:live"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "js/emotions/live-mode.js" in html
    assert 'id="emotion-style"' in html
    assert 'aria-current="page">Live</a>' in html
