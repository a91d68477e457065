"""Photo to emotion through the real stack: the API stores the photo, a real Celery
worker analyses it with the served model, and the result is pushed to the owner's
WebSocket through the configured channel layer (Redis in CI)."""

import time

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from emotions.engine.labels import EMOTIONS
from emotions.models import Detection
from fermusic.routing import websocket_urlpatterns
from tests.support.images import astronaut_jpeg, blank_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def api_client_for(user, password) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def upload(client, content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return client.post(
        "/api/v1/detections/", {"image": SimpleUploadedFile(name, content, content_type)}, format="multipart"
    )


def wait_until_finished(detection_id, timeout=120) -> Detection:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detection = Detection.objects.get(pk=detection_id)
        if detection.is_finished:
            return detection
        time.sleep(0.2)
    raise AssertionError(f"detection {detection_id} did not finish in {timeout}s")


def assert_face_shape(face):
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert set(face["probabilities"]) == set(EMOTIONS)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["emotion"] in EMOTIONS
    assert face["confidence"] == pytest.approx(max(face["probabilities"].values()), abs=1e-6)
    assert isinstance(face["uncertain"], bool)


@pytest.mark.asyncio
async def test_an_upload_is_analysed_by_a_worker_and_pushed_live(celery_worker, alice, password):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/events/")
    communicator.scope["user"] = alice
    connected, _ = await communicator.connect()
    assert connected

    client = await sync_to_async(api_client_for)(alice, password)
    response = await sync_to_async(upload)(client, astronaut_jpeg())
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["status"] == "queued"

    statuses = []
    while True:
        message = await communicator.receive_json_from(timeout=120)
        assert message["event"] == "detection.updated"
        payload = message["payload"]
        assert payload["id"] == created["id"]
        statuses.append(payload["status"])
        if payload["status"] in ("done", "failed"):
            break
    await communicator.disconnect()

    assert statuses[-2:] == ["running", "done"]
    assert len(payload["faces"]) == 1
    assert_face_shape(payload["faces"][0])
    x, y, w, h = payload["faces"][0]["box"]
    assert 150 < x + w / 2 < 260 and 50 < y + h / 2 < 160  # the astronaut's face, not the flag

    fetched = await sync_to_async(client.get)(f"/api/v1/detections/{created['id']}/")
    assert fetched.status_code == 200
    assert fetched.json()["faces"] == payload["faces"]


def test_a_photo_with_no_face_finishes_with_no_faces(celery_worker, alice, password):
    client = api_client_for(alice, password)
    response = upload(client, blank_jpeg())
    assert response.status_code == 202
    detection = wait_until_finished(response.json()["id"])
    assert detection.status == Detection.Status.DONE
    assert detection.faces.count() == 0
    body = client.get(f"/api/v1/detections/{detection.pk}/").json()
    assert body["faces"] == [] and body["status"] == "done"


# The tests below do not need the analysis, but the session's worker (if an earlier test
# started it) runs it anyway: each waits for it, so that it cannot race the table flush.


def test_the_stored_photo_has_no_metadata(celery_worker, alice, password, settings):
    alice.photo_retention = "keep"
    alice.save()
    client = api_client_for(alice, password)
    detection_id = upload(client, astronaut_jpeg(exif=True)).json()["id"]
    detection = wait_until_finished(detection_id)
    with detection.photo.open("rb") as handle:
        stored = Image.open(handle)
        stored.load()
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert str(settings.PRIVATE_MEDIA_ROOT) in detection.photo.path


def test_another_user_gets_404_for_my_detection_and_my_photo(celery_worker, alice, bob, password, client):
    alice.photo_retention = "keep"
    alice.save()
    detection_id = upload(api_client_for(alice, password), astronaut_jpeg()).json()["id"]
    wait_until_finished(detection_id)

    bob_api = api_client_for(bob, password)
    assert bob_api.get(f"/api/v1/detections/{detection_id}/").status_code == 404
    assert bob_api.delete(f"/api/v1/detections/{detection_id}/").status_code == 404
    assert bob_api.post(f"/api/v1/detections/{detection_id}/rerun/").status_code == 404
    client.force_login(bob)
    assert client.get(f"/detections/{detection_id}/photo/").status_code == 404
    assert client.get(f"/detections/{detection_id}/").status_code == 404
    client.force_login(alice)
    photo = client.get(f"/detections/{detection_id}/photo/")
    assert photo.status_code == 200
    assert photo["Cache-Control"] == "private, no-store"


def test_the_api_requires_authentication():
    client = APIClient()
    assert client.get("/api/v1/detections/").status_code == 401
    assert upload(client, astronaut_jpeg()).status_code == 401


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "not-her-password"}, format="json"
    )
    assert response.status_code == 400
