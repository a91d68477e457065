""" "Download my data": the ZIP holds everything the user owns, and nothing of anyone else's."""

import io
import json
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.export import EXPORTS_PER_HOUR, ExportRateThrottle
from tests.support.privacy import everything_of, photo_file

EXPORT_PAGE = reverse("accounts:export")
EXPORT_API = reverse("api-export")


@pytest.fixture(autouse=True)
def _no_earlier_downloads(alice):
    # The hour-long count is kept in Redis in production, which outlives the test
    # database; a new test database gives alice the id of an earlier run's alice.
    throttle = ExportRateThrottle()
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": alice.pk})


@pytest.fixture
def owned(alice, bob):
    return {"alice": everything_of(alice, "alice"), "bob": everything_of(bob, "bob")}


def opened(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read_json(archive, name):
    return json.loads(archive.read(name))


def check_it_is_alices(archive, owned):
    mine, theirs = owned["alice"], owned["bob"]
    names = set(archive.namelist())
    detection = mine["detection"]
    assert names == {
        "README.txt",
        "account.json",
        "detections.json",
        "ratings.json",
        "playlists.json",
        "recommendation_logs.json",
        f"photos/{detection.pk}.jpg",
    }

    account = read_json(archive, "account.json")
    assert account["username"] == "alice" and account["email"] == "alice@example.com"
    assert account["face_consent_notice"] and account["face_consent_at"]
    assert "password" not in account

    [exported] = read_json(archive, "detections.json")
    assert exported["id"] == str(detection.pk)
    assert exported["photo"] == f"photos/{detection.pk}.jpg"
    assert exported["created_at"] and exported["finished_at"]
    [face] = exported["faces"]
    stored = detection.faces.get()
    assert face["probabilities"] == stored.probabilities
    assert face["emotion"] == "sad" and face["confidence"] == pytest.approx(0.7)
    assert archive.read(exported["photo"]) == photo_file(detection).read_bytes()

    [rating] = read_json(archive, "ratings.json")
    assert rating["value"] == "Like" and rating["track"]["title"] == "alice's song"
    own, curated = sorted(read_json(archive, "playlists.json"), key=lambda p: p["name"] != "alice's playlist")
    assert own["name"] == "alice's playlist" and [t["title"] for t in own["tracks"]] == ["alice's song"]
    assert curated["name"] == "alice's curated playlist" and curated["published"]
    [log] = read_json(archive, "recommendation_logs.json")
    assert log["detection"] == str(detection.pk) and log["emotion"] == "sad"
    assert log["items"][0]["title"] == "alice's song"

    # Nothing of bob's, anywhere in the archive.
    everything = b"".join(archive.read(name) for name in names)
    for needle in ("bob", str(theirs["detection"].pk), "bob's song", "bob's playlist"):
        assert needle.encode() not in everything, needle
    assert photo_file(theirs["detection"]).read_bytes() not in everything


def test_the_profile_page_download_holds_everything_alice_owns_and_nothing_of_bobs(alice_client, owned):
    profile = alice_client.get(reverse("accounts:profile"))
    assert f'href="{EXPORT_PAGE}"'.encode() in profile.content

    response = alice_client.get(EXPORT_PAGE)

    assert response["Content-Disposition"].startswith('attachment; filename="fermusic-data-alice-')
    check_it_is_alices(opened(response), owned)


def test_the_api_download_holds_the_same_for_a_token(client, alice, owned):
    token = Token.objects.create(user=alice)

    response = client.get(EXPORT_API, HTTP_AUTHORIZATION=f"Token {token.key}")

    check_it_is_alices(opened(response), owned)


def test_an_account_with_nothing_yet_exports_empty_lists(client, alice):
    client.force_login(alice)
    archive = opened(client.get(EXPORT_API))
    for name in ("detections", "ratings", "playlists", "recommendation_logs"):
        assert read_json(archive, f"{name}.json") == []
    assert "README.txt" in archive.namelist()


def test_a_visitor_cannot_download_anything(client, owned):
    assert client.get(EXPORT_API).status_code in (401, 403)
    response = client.get(EXPORT_PAGE)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_downloads_are_limited_to_a_few_an_hour(alice_client, alice):
    for _ in range(EXPORTS_PER_HOUR):
        assert alice_client.get(EXPORT_API).status_code == 200
    refused = alice_client.get(EXPORT_API)
    assert refused.status_code == 429
    assert "detail" in refused.json()
    page = alice_client.get(EXPORT_PAGE, follow=True)
    assert b"You downloaded your data several times in the last hour" in page.content
