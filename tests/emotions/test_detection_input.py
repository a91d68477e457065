"""Bad uploads get a clear message and a 4xx, and nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emotions.engine.preprocess import NOT_A_PHOTO
from emotions.models import Detection
from tests.support.images import BAD_UPLOADS, FOREIGN_FORMATS, astronaut_jpeg, bad_upload


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_api(client, content, name, content_type):
    return client.post("/api/v1/detections/", {"image": SimpleUploadedFile(name, content, content_type)})


@pytest.mark.parametrize("kind", sorted(BAD_UPLOADS))
def test_the_api_rejects_a_bad_upload_with_a_message(alice_client, settings, kind):
    response = post_api(alice_client, *bad_upload(kind))
    assert response.status_code == 400, response.content
    body = response.json()
    message = " ".join(body["errors"]["image"])
    assert body["detail"] == body["errors"]["image"][0]
    assert len(message) > 10
    assert Detection.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("kind", sorted(BAD_UPLOADS))
def test_the_upload_page_rejects_a_bad_upload_with_a_message(alice_client, settings, kind):
    content, content_type, name = bad_upload(kind)
    response = alice_client.post("/analyse/", {"image": SimpleUploadedFile(name, content, content_type)})
    assert response.status_code == 400
    assert list(response.context["messages"])
    assert Detection.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("kind", FOREIGN_FORMATS)
def test_the_api_refuses_a_photo_in_another_format_with_the_plain_message(alice_client, settings, kind):
    response = post_api(alice_client, *bad_upload(kind))
    assert response.status_code == 400
    assert response.json()["detail"] == NOT_A_PHOTO
    assert Detection.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize("kind", FOREIGN_FORMATS)
def test_the_upload_page_refuses_a_photo_in_another_format_with_the_plain_message(alice_client, settings, kind):
    content, content_type, name = bad_upload(kind)
    response = alice_client.post("/analyse/", {"image": SimpleUploadedFile(name, content, content_type)})
    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [NOT_A_PHOTO]
    assert Detection.objects.count() == 0 and stored_files(settings) == []


def test_it_rejects_a_photo_over_the_size_limit(alice_client, settings):
    settings.MAX_UPLOAD_MB = 1
    big = astronaut_jpeg() * 40  # 1.6 MB: a JPEG followed by junk, refused on size alone
    assert len(big) > 1024 * 1024
    response = post_api(alice_client, big, "big.jpg", "image/jpeg")
    assert response.status_code == 400
    assert "1 MB" in response.json()["detail"]
    assert Detection.objects.count() == 0


def test_it_rejects_a_request_without_a_file(alice_client):
    response = alice_client.post("/api/v1/detections/", {})
    assert response.status_code == 400
    assert "image" in response.json()["errors"]


def test_uploads_are_rate_limited_per_user(alice_client, bob, settings, client):
    settings.UPLOADS_PER_MINUTE = 2
    codes = [post_api(alice_client, astronaut_jpeg(), "a.jpg", "image/jpeg").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    page = alice_client.post("/analyse/", {"image": SimpleUploadedFile("a.jpg", astronaut_jpeg(), "image/jpeg")})
    assert page.status_code == 429
    client.force_login(bob)
    assert post_api(client, astronaut_jpeg(), "b.jpg", "image/jpeg").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_an_upload_the_broker_refuses_is_a_503_and_leaves_nothing(client, settings, monkeypatch):
    # The analysis is queued once the row is committed; a broker that goes away just
    # then (the fault tests restart Redis for real) must not leave a detection queued forever.
    from kombu.exceptions import OperationalError

    from emotions.tasks import analyse_detection
    from tests.support.factories import UserFactory

    def broker_gone(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    client.force_login(UserFactory())
    monkeypatch.setattr(analyse_detection, "delay", broker_gone)
    response = post_api(client, astronaut_jpeg(), "me.jpg", "image/jpeg")

    assert response.status_code == 503 and "unavailable" in response.json()["detail"]
    assert Detection.objects.count() == 0 and stored_files(settings) == []


def test_a_stored_photo_and_its_folders_are_the_owners_alone(alice_client, settings):
    assert post_api(alice_client, astronaut_jpeg(), "me.jpg", "image/jpeg").status_code == 202
    root = settings.PRIVATE_MEDIA_ROOT
    (photo,) = stored_files(settings)
    folders = [root, *(parent for parent in photo.parents if root in parent.parents)]
    assert {oct(folder.stat().st_mode & 0o777) for folder in folders} == {oct(0o700)}
    assert oct(photo.stat().st_mode & 0o777) == oct(0o600)
