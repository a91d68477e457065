import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.accounts.test_profile import confirmation_link
from tests.support.factories import PASSWORD

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
    assert "current_password" not in body


def test_i_can_change_my_preferences(api, alice):
    response = api.patch("/api/v1/me/", {"photo_retention": "24h", "mood_strategy": "lift"}, format="json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.photo_retention, alice.mood_strategy) == ("24h", "lift")


def test_it_rejects_an_unknown_preference(api):
    response = api.patch("/api/v1/me/", {"photo_retention": "forever"}, format="json")
    assert response.status_code == 400
    assert "photo_retention" in response.json()["errors"]


def test_a_token_alone_cannot_change_the_email(api, alice):
    missing = api.patch("/api/v1/me/", {"email": "mallory@example.com"}, format="json")
    wrong = api.patch("/api/v1/me/", {"email": "mallory@example.com", "current_password": "guess"}, format="json")

    assert missing.status_code == wrong.status_code == 400
    assert "current_password" in missing.json()["errors"] and "current_password" in wrong.json()["errors"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert mail.outbox == []


def test_a_new_email_with_the_password_is_confirmed_by_mail_and_the_old_address_is_told(api, alice, client):
    response = api.patch("/api/v1/me/", {"email": "alice@new.example.com", "current_password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert response.json()["pending_email"] == "alice@new.example.com"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "alice@new.example.com"]
    confirm = next(m for m in mail.outbox if m.to == ["alice@new.example.com"])
    client.post(confirmation_link(confirm))
    alice.refresh_from_db()
    assert alice.email == "alice@new.example.com"
    assert mail.outbox[-1].to == ["alice@example.com"]


def test_an_email_another_user_has_gets_the_same_answer(api, alice, bob):
    free = api.patch("/api/v1/me/", {"email": "nobody@example.com", "current_password": PASSWORD}, format="json")
    taken = api.patch("/api/v1/me/", {"email": "BOB@example.com", "current_password": PASSWORD}, format="json")

    assert free.status_code == taken.status_code == 200
    assert {**taken.json(), "pending_email": None} == {**free.json(), "pending_email": None}
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_my_username_cannot_be_changed_here(api, alice):
    api.patch("/api/v1/me/", {"username": "mallory"}, format="json")
    alice.refresh_from_db()
    assert alice.username == "alice"
