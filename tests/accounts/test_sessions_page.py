"""Where I am logged in: my browser sessions and API tokens, on a page and in the API,
each ended on its own; nobody else's listed or endable."""

import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db
SESSIONS = reverse("accounts:sessions")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"


def browser(username: str, user_agent: str, address: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def test_it_lists_my_browsers_and_tokens_and_marks_this_one(alice, bob):
    laptop = browser("alice", FIREFOX)
    browser("alice", IPHONE, "198.51.100.7")
    browser("bob", FIREFOX, "203.0.113.1")
    _, token = AuthToken.objects.create(user=alice)

    page = laptop.get(SESSIONS)

    html = page.content.decode()
    assert len(page.context["sessions"]) == 2
    assert "Firefox 140" in html and "iPhone" in html and "198.51.100.7" in html
    assert "203.0.113.1" not in html
    assert html.count("This browser") == 1
    assert token[:8] in html and token not in html
    assert laptop.cookies["sessionid"].value not in html


def test_i_log_out_another_browser_and_it_is_signed_out(alice):
    laptop, phone = browser("alice", FIREFOX), browser("alice", IPHONE)
    phones = next(s for s in laptop.get(SESSIONS).context["sessions"] if "iPhone" in s.device)

    response = laptop.post(reverse("accounts:end_session", args=[phones.id]), follow=True)

    assert "That session has been logged out." in response.content.decode()
    assert not signed_in(phone) and signed_in(laptop)


def test_i_revoke_a_token_from_the_page(alice):
    laptop = browser("alice", FIREFOX)
    instance, token = AuthToken.objects.create(user=alice)

    laptop.post(reverse("accounts:revoke_token", args=[instance.token_key]))

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401


def test_bob_can_neither_end_my_session_nor_revoke_my_token(alice, bob):
    laptop = browser("alice", FIREFOX)
    mine = laptop.get(SESSIONS).context["sessions"][0]
    instance, _ = AuthToken.objects.create(user=alice)
    bobs = browser("bob", IPHONE)

    bobs.post(reverse("accounts:end_session", args=[mine.id]))
    bobs.post(reverse("accounts:revoke_token", args=[instance.token_key]))
    api = APIClient()
    api.force_login(bob)

    assert api.delete(f"/api/v1/auth/sessions/{mine.id}/").status_code == 404
    assert api.delete(f"/api/v1/auth/tokens/{instance.token_key}/").status_code == 404
    assert signed_in(laptop) and AuthToken.objects.filter(pk=instance.pk).exists()


def test_the_api_lists_and_ends_my_sessions(alice):
    phone = browser("alice", IPHONE)
    api = APIClient(HTTP_USER_AGENT=FIREFOX)
    api.force_login(alice)

    listed = api.get("/api/v1/auth/sessions/").json()

    assert {s["current"] for s in listed} == {True, False}
    assert all(set(s) == {"id", "device", "ip", "created_at", "updated_at", "current"} for s in listed)
    phones = next(s for s in listed if not s["current"])
    assert api.delete(f"/api/v1/auth/sessions/{phones['id']}/").status_code == 204
    assert not signed_in(phone)


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(SESSIONS).status_code == 302
    assert APIClient().get("/api/v1/auth/sessions/").status_code == 401
