"""Decoding an upload is bounded: a photo declaring more pixels than the upload limit is
refused from its header, before it is decoded, and only a few photos are decoded at once."""

import threading
import time

import pytest

from emotions.services import detections
from tests.support.images import astronaut_jpeg, decompression_bomb_png


def upload(client, content: bytes, name: str = "photo.png", kind: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/v1/detections/", {"image": SimpleUploadedFile(name, content, kind)})


def test_a_png_declaring_40_megapixels_is_refused_from_its_header(alice_client, settings):
    settings.MAX_UPLOAD_MEGAPIXELS = 24
    bomb = decompression_bomb_png(8000, 5000)
    started = time.perf_counter()
    response = upload(alice_client, bomb)
    assert response.status_code == 400
    assert "8000x5000" in response.json()["detail"] and "24 megapixels" in response.json()["detail"]
    # Refused from the header: decoding 40 megapixels takes far longer than this.
    assert time.perf_counter() - started < 0.5


def test_a_photo_within_the_pixel_limit_is_accepted(alice_client, settings):
    settings.MAX_UPLOAD_MEGAPIXELS = 1
    assert upload(alice_client, astronaut_jpeg(), "face.jpg", "image/jpeg").status_code == 202


def test_an_upload_that_finds_every_decoder_busy_is_told_to_try_again(alice_client, monkeypatch):
    busy = threading.BoundedSemaphore(1)
    busy.acquire()
    monkeypatch.setattr(detections, "_decoding", busy)
    monkeypatch.setattr(detections, "DECODE_WAIT_SECONDS", 0.1)
    response = upload(alice_client, astronaut_jpeg(), "face.jpg", "image/jpeg")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert alice_client.get("/api/v1/detections/").json()["count"] == 0


@pytest.fixture(autouse=True)
def _uploads_unthrottled(settings):
    settings.UPLOADS_PER_MINUTE = 1000
