"""Consent to face processing: asked at sign-up (required), recorded with its time and
the notice's version, asked before the next analysis of anyone without it, and
withdrawn at will, which deletes the kept photos and refuses analysis with a 403."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import accounts.models
from accounts.consent import CONSENT_REQUIRED
from accounts.models import PRIVACY_NOTICE_VERSION, User
from emotions.models import Detection
from emotions.services.retention import CONSENT_WITHDRAWN_REASON
from tests.support.factories import PASSWORD, UserFactory
from tests.support.images import astronaut_jpeg
from tests.support.privacy import kept_photo, photo_file

UPLOAD_PAGE = reverse("emotions:upload")
UPLOAD_API = reverse("detection-list")


def photo():
    return SimpleUploadedFile("face.jpg", astronaut_jpeg(), "image/jpeg")


def stored_photos(settings) -> list[Path]:
    return [p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def carol(db):
    """An account from before consent was asked: she never gave it."""
    return UserFactory(username="carol", face_consent_at=None)


@pytest.fixture
def carol_client(client, carol):
    client.force_login(carol)
    return client


# --- Sign-up ---------------------------------------------------------------------------


def signup(client, **overrides):
    data = {"username": "dora", "email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("accounts:signup"), {**data, **overrides})


@pytest.mark.django_db
def test_sign_up_requires_consent_to_face_processing(client):
    response = signup(client)

    assert response.status_code == 200
    assert b"FerMusic cannot read your mood without your consent to face analysis." in response.content
    assert not User.objects.filter(username="dora").exists()


@pytest.mark.django_db
def test_sign_up_records_the_consent_with_its_time_and_the_notice_version(client):
    before = timezone.now()

    response = signup(client, face_consent="on")

    assert response.status_code == 302
    dora = User.objects.get(username="dora")
    assert dora.face_consent_notice == PRIVACY_NOTICE_VERSION
    assert before <= dora.face_consent_at <= timezone.now()
    assert dora.has_face_consent


@pytest.mark.django_db
def test_the_sign_up_page_links_the_privacy_notice_from_the_consent_box(client):
    html = client.get(reverse("accounts:signup")).content.decode()

    assert '<input type="checkbox" name="face_consent" required' in html
    assert html.count(f'href="{reverse("privacy")}"') >= 3  # the box, the page and the footer


@pytest.mark.django_db
def test_the_privacy_notice_says_what_why_how_long_and_the_rights(client):
    html = client.get(reverse("privacy")).content.decode()

    for heading in ("What we process", "Why, and on what basis", "How long we keep it", "Your rights"):
        assert heading in html
    assert PRIVACY_NOTICE_VERSION in html
    assert "biometric data" in html and "Withdraw consent" in html
    assert f'href="{reverse("privacy")}"' in client.get(reverse("home")).content.decode()


# --- Existing accounts without consent ---------------------------------------------------


@pytest.mark.parametrize("page", ["emotions:upload", "emotions:webcam", "emotions:live"])
def test_an_account_without_consent_is_asked_for_it_before_an_analysis_page(carol_client, page):
    response = carol_client.get(reverse(page))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:consent')}?next={reverse(page).replace('/', '%2F')}"


def test_giving_consent_then_lets_the_account_analyse(carol_client, carol):
    asked = carol_client.get(f"{reverse('accounts:consent')}?next={UPLOAD_PAGE}")
    assert b"May FerMusic analyse your face?" in asked.content

    refused = carol_client.post(reverse("accounts:consent"), {"next": UPLOAD_PAGE})
    assert refused.status_code == 200
    carol.refresh_from_db()
    assert not carol.has_face_consent

    given = carol_client.post(reverse("accounts:consent"), {"face_consent": "on", "next": UPLOAD_PAGE})

    assert given.status_code == 302 and given.url == UPLOAD_PAGE
    carol.refresh_from_db()
    assert carol.has_face_consent and carol.face_consent_notice == PRIVACY_NOTICE_VERSION
    assert carol_client.get(UPLOAD_PAGE).status_code == 200
    accepted = carol_client.post(UPLOAD_API, {"image": photo()})
    assert accepted.status_code == 202


def test_the_consent_page_never_sends_the_user_to_another_site(carol_client):
    response = carol_client.post(reverse("accounts:consent"), {"face_consent": "on", "next": "https://evil.example/"})

    assert response.status_code == 302 and response.url == reverse("home")


def test_a_new_privacy_notice_asks_everyone_again(alice_client, alice, monkeypatch):
    assert alice.has_face_consent
    monkeypatch.setattr(accounts.models, "PRIVACY_NOTICE_VERSION", "2099-01-01")
    alice.refresh_from_db()

    assert not alice.has_face_consent
    assert alice_client.get(UPLOAD_PAGE).status_code == 302
    asked = alice_client.get(reverse("accounts:consent"))
    assert b"changed since you consented" in asked.content


# --- Analyses refused without consent ---------------------------------------------------


def test_the_upload_page_refuses_a_photo_without_consent(carol_client, settings):
    as_fetch = carol_client.post(UPLOAD_PAGE, {"image": photo()}, headers={"Accept": "application/json"})
    as_form = carol_client.post(UPLOAD_PAGE, {"image": photo()})

    assert as_fetch.status_code == 403
    assert as_fetch.json()["detail"] == CONSENT_REQUIRED
    assert as_form.status_code == 403
    assert CONSENT_REQUIRED.encode() in as_form.content
    assert not Detection.objects.exists() and stored_photos(settings) == []


def test_the_api_refuses_a_photo_without_consent_and_says_how_to_give_it(carol_client, settings):
    response = carol_client.post(UPLOAD_API, {"image": photo()})

    assert response.status_code == 403
    assert "/api/v1/me/consent/" in response.json()["detail"]
    assert not Detection.objects.exists() and stored_photos(settings) == []


def test_a_failed_analysis_cannot_be_rerun_without_consent(carol_client, carol):
    failed = Detection.objects.create(owner=carol, status=Detection.Status.FAILED, retention="delete")

    assert carol_client.post(reverse("detection-rerun", args=[failed.pk])).status_code == 403
    failed.refresh_from_db()
    assert failed.status == Detection.Status.FAILED


# --- Withdrawing consent -----------------------------------------------------------------


def test_withdrawing_consent_on_the_profile_deletes_photos_and_stops_analyses(alice_client, alice, bob):
    kept = kept_photo(alice)
    queued = Detection.objects.create(owner=alice, retention="keep", status=Detection.Status.QUEUED)
    bobs = kept_photo(bob)
    paths = [photo_file(kept)]
    assert alice_client.get(reverse("accounts:withdraw_consent")).status_code == 200

    response = alice_client.post(reverse("accounts:withdraw_consent"), follow=True)

    assert b"Your consent is withdrawn" in response.content
    alice.refresh_from_db()
    assert not alice.has_face_consent and alice.face_consent_at is None
    assert not any(path.exists() for path in paths)
    kept.refresh_from_db()
    queued.refresh_from_db()
    assert not kept.photo and kept.faces.exists()  # the readings stay until deleted
    assert queued.status == Detection.Status.FAILED and queued.failure_reason == CONSENT_WITHDRAWN_REASON
    assert photo_file(bobs).exists()
    assert alice_client.post(UPLOAD_API, {"image": photo()}).status_code == 403
    assert b"Give consent" in alice_client.get(reverse("accounts:profile")).content


def test_the_api_gives_and_withdraws_consent(alice_client, alice):
    kept = kept_photo(alice)
    path = photo_file(kept)

    withdrawn = alice_client.delete(reverse("api-consent"))
    assert withdrawn.status_code == 204
    assert not path.exists()
    assert alice_client.get(reverse("api-consent")).json()["face_consent"] is False
    assert alice_client.post(UPLOAD_API, {"image": photo()}).status_code == 403

    refused = alice_client.post(reverse("api-consent"), {"face_consent": False}, content_type="application/json")
    assert refused.status_code == 400 and "errors" in refused.json()
    given = alice_client.post(reverse("api-consent"), {"face_consent": True}, content_type="application/json")

    assert given.status_code == 200
    assert given.json()["face_consent"] is True
    assert given.json()["face_consent_notice"] == PRIVACY_NOTICE_VERSION
    assert alice_client.get(reverse("api-profile")).json()["face_consent_notice"] == PRIVACY_NOTICE_VERSION
    assert alice_client.post(UPLOAD_API, {"image": photo()}).status_code == 202
