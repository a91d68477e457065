"""API tokens (django-rest-knox): one per log-in, hashed, expiring, and dead after a
password change, a password reset, "log out everywhere" and account deletion."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken as APIToken
from rest_framework.test import APIClient

from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-melody-2024"


def token_for(username: str, password: str = PASSWORD, **headers) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **headers
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_with(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def works(token: str) -> bool:
    status = api_with(token).get("/api/v1/me/").status_code
    assert status in (200, 401), status
    return status == 200


def test_each_log_in_gets_its_own_expiring_token_stored_only_as_a_hash(alice, settings):
    first = token_for("alice")
    second = token_for("ALICE")

    assert first != second and works(first) and works(second)
    stored = APIToken.objects.filter(user=alice)
    assert stored.count() == 2
    assert not stored.filter(digest__in=[first, second]).exists()
    cli = stored.get(token_key=first[:15])
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    assert abs((cli.expiry - expected).total_seconds()) < 60


def test_an_expired_token_is_refused(alice):
    token = token_for("alice")
    APIToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))

    assert not works(token)


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "guess"}, format="json")

    assert response.status_code == 400
    assert not APIToken.objects.exists()


def test_logout_revokes_only_the_token_it_carries(alice):
    laptop, phone = token_for("alice"), token_for("alice")

    assert api_with(laptop).post("/api/v1/auth/logout/").status_code == 204

    assert not works(laptop) and works(phone)


def test_a_token_is_dead_after_a_password_change(alice, alice_client):
    token = token_for("alice")

    response = alice_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not works(token)
    # The page that changed it stays logged in; a new token needs the new password.
    assert alice_client.get(reverse("accounts:profile")).status_code == 200
    assert works(token_for("alice", NEW_PASSWORD))


def test_a_token_is_dead_after_a_password_reset(alice, client):
    token = token_for("alice")
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)

    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not works(token)


def test_a_token_is_dead_after_log_out_everywhere_on_the_web(alice, alice_client):
    token = token_for("alice")

    response = alice_client.post(reverse("accounts:log_out_everywhere"))

    assert response.url == reverse("accounts:login")
    assert not works(token)
    assert alice_client.get(reverse("accounts:profile")).status_code == 302


def test_a_token_is_dead_after_log_out_everywhere_through_the_api(alice):
    token, other = token_for("alice"), token_for("alice")

    assert api_with(token).post("/api/v1/auth/logout-everywhere/").status_code == 204

    assert not works(token) and not works(other)


def test_a_token_is_dead_after_account_deletion(alice, alice_client):
    token = token_for("alice")

    alice_client.post(reverse("accounts:delete"), {"password": PASSWORD})

    assert not works(token)
    assert not APIToken.objects.exists()


def test_a_hash_upgrade_at_log_in_is_no_password_change(alice, settings):
    # Django re-hashes a password with the current hasher as it checks it.
    token = token_for("alice")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]

    token_for("alice")

    assert alice.__class__.objects.get(pk=alice.pk).password.startswith("pbkdf2_sha256$")
    assert works(token)


def test_i_list_my_tokens_and_revoke_one_and_bob_cannot(alice, bob):
    mine, other = token_for("alice"), token_for("alice")
    bobs = token_for("bob")

    listed = api_with(mine).get("/api/v1/auth/tokens/").json()
    assert {t["token_key"] for t in listed} == {mine[:15], other[:15]}
    assert [t["current"] for t in listed if t["token_key"] == mine[:15]] == [True]
    assert all(len(t["token_key"]) == 15 and "digest" not in t for t in listed)

    assert api_with(bobs).delete(f"/api/v1/auth/tokens/{other[:15]}/").status_code == 404
    assert works(other)
    assert api_with(mine).delete(f"/api/v1/auth/tokens/{other[:15]}/").status_code == 204
    assert not works(other) and works(mine)


@pytest.mark.parametrize("key", ["%00abc", "a%20b", "%C3%A9t%C3%A9"])
def test_a_token_or_session_named_with_bytes_no_key_has_is_not_found(alice, key):
    """Keys are letters and digits; anything else (a NUL byte, which PostgreSQL refuses in
    text) is a 404 from the URL itself, before any query."""
    api = api_with(token_for("alice"))
    assert api.delete(f"/api/v1/auth/tokens/{key}/").status_code == 404
    assert api.delete(f"/api/v1/auth/sessions/{key}/").status_code == 404
