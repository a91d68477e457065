"""Password-reset and sign-up requests are limited (django-ratelimit): a few mails an
hour to one address, and ACCOUNT_REQUESTS_PER_HOUR from one client address."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")
SIGNUP = reverse("accounts:signup")


def sign_up(client, n, email=None, **extra):
    data = {
        "username": f"user-{n}",
        "email": email or f"user-{n}@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "face_consent": "on",
    }
    return client.post(SIGNUP, data, **extra)


def test_one_address_gets_only_a_few_reset_mails_an_hour(client, alice, settings):
    statuses = [client.post(RESET, {"email": "alice@example.com"}).status_code for _ in range(5)]
    # In any case: the limit is on the address, not on how it is spelled.
    refused = client.post(RESET, {"email": "ALICE@example.com"}, REMOTE_ADDR="198.51.100.9")

    assert statuses == [302] * settings.ACCOUNT_MAILS_PER_HOUR + [429] * (5 - settings.ACCOUNT_MAILS_PER_HOUR)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Too many requests" in refused.content.decode()
    assert len(mail.outbox) == settings.ACCOUNT_MAILS_PER_HOUR


def test_one_client_can_ask_for_only_so_many_resets_an_hour(client, settings):
    settings.ACCOUNT_REQUESTS_PER_HOUR = 4
    statuses = [client.post(RESET, {"email": f"someone-{n}@example.com"}).status_code for n in range(6)]

    assert statuses == [302] * 4 + [429] * 2
    assert client.post(RESET, {"email": "x@example.com"}, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_one_client_can_sign_up_only_so_many_times_an_hour(client, settings):
    settings.ACCOUNT_REQUESTS_PER_HOUR = 3
    statuses = [sign_up(client, n).status_code for n in range(5)]

    assert statuses == [200] * 3 + [429] * 2
    assert len(mail.outbox) == 3


def test_sign_ups_for_one_address_mail_it_only_a_few_times_an_hour(client, settings):
    statuses = [
        sign_up(client, n, email="target@example.com", REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(5)
    ]

    assert statuses.count(429) == 5 - settings.ACCOUNT_MAILS_PER_HOUR
    assert len(mail.outbox) == settings.ACCOUNT_MAILS_PER_HOUR


def test_a_forwarded_address_does_not_escape_the_client_limit(client, settings):
    settings.ACCOUNT_REQUESTS_PER_HOUR = 2
    statuses = [
        client.post(RESET, {"email": f"s-{n}@example.com"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 429]


def test_looking_at_the_pages_is_not_limited(client, settings):
    settings.ACCOUNT_REQUESTS_PER_HOUR = 1
    assert all(client.get(page).status_code == 200 for page in [RESET, SIGNUP] * 3)
