import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_i_can_read_my_profile(api, alice):
    body = api.get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert body["photo_retention"] == "delete" and body["mood_strategy"] == "match"


def test_i_can_change_my_preferences(api, alice):
    response = api.patch("/api/v1/me/", {"photo_retention": "24h", "mood_strategy": "lift"}, format="json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.photo_retention, alice.mood_strategy) == ("24h", "lift")


def test_it_rejects_an_unknown_preference(api):
    response = api.patch("/api/v1/me/", {"photo_retention": "forever"}, format="json")
    assert response.status_code == 400
    assert "photo_retention" in response.json()["errors"]


def test_it_rejects_an_email_another_user_has(api, bob):
    response = api.patch("/api/v1/me/", {"email": "BOB@example.com"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_my_username_cannot_be_changed_here(api, alice):
    api.patch("/api/v1/me/", {"username": "mallory"}, format="json")
    alice.refresh_from_db()
    assert alice.username == "alice"


def test_an_email_taken_by_a_concurrent_request_is_the_same_400(api, bob, monkeypatch):
    # Validation passed before the other account's write committed; the constraint catches it.
    from accounts.models import DUPLICATE_EMAIL
    from accounts.serializers import ProfileSerializer

    monkeypatch.setattr(ProfileSerializer, "validate_email", lambda self, value: value)
    response = api.patch("/api/v1/me/", {"email": "BOB@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": DUPLICATE_EMAIL, "errors": {"email": [DUPLICATE_EMAIL]}}
