"""Failed log-ins (django-axes): after LOGIN_FAILURE_LIMIT (10) failures in a row for an
account or from a client address, the log-in form, the API token endpoint and the admin
all refuse even the right password, with the reason, until the cool-down has passed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
ADMIN_LOGIN = "/admin/login/?next=/admin/"
TOKEN = "/api/v1/auth/token/"


def form_log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def admin_log_in(client, username, password, **extra):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, **extra)


def token_log_in(client, username, password, **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def form_succeeded(response) -> bool:
    return response.status_code == 302


def token_succeeded(response) -> bool:
    return response.status_code == 200 and "token" in response.json()


SURFACES = {
    "form": (form_log_in, form_succeeded),
    "admin": (admin_log_in, form_succeeded),
    "token": (token_log_in, token_succeeded),
}


@pytest.fixture
def staff_alice():
    return UserFactory(username="alice", email="alice@example.com", is_staff=True, is_superuser=True)


def wait_out_the_cool_down(settings):
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    )


@pytest.mark.parametrize("surface", SURFACES)
def test_the_eleventh_try_is_refused_even_with_the_right_password_until_the_cool_down(
    client, staff_alice, settings, surface
):
    log_in, succeeded = SURFACES[surface]
    assert settings.LOGIN_FAILURE_LIMIT == 10
    for attempt in range(9):
        assert not succeeded(log_in(client, "alice", f"wrong-{attempt}"))
    tenth = log_in(client, "alice", "wrong-10")
    assert tenth.status_code == 429

    refused = log_in(client, "alice", PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.LOGIN_LOCKOUT_MINUTES * 60
    text = refused.content.decode()
    assert "Too many failed log-ins" in text and f"{settings.LOGIN_LOCKOUT_MINUTES} minutes" in text
    assert "_auth_user_id" not in client.session

    wait_out_the_cool_down(settings)
    assert succeeded(log_in(client, "alice", PASSWORD))


def test_the_api_says_why_in_the_error_shape(staff_alice):
    for attempt in range(10):
        token_log_in(None, "alice", f"wrong-{attempt}")

    body = token_log_in(None, "alice", PASSWORD).json()

    assert body == {"detail": body["detail"]} and body["detail"].startswith("Too many failed log-ins")


def test_failures_on_every_surface_add_up_for_one_account(client, staff_alice):
    for attempt in range(4):
        form_log_in(client, "alice", f"wrong-{attempt}")
        token_log_in(client, "ALICE", f"wrong-{attempt}")  # any case is one account
    admin_log_in(client, "Alice", "wrong")
    admin_log_in(client, "alice", "wrong")

    assert form_log_in(client, "alice", PASSWORD).status_code == 429


def test_a_locked_account_is_refused_from_another_address_too(client, staff_alice):
    for attempt in range(10):
        form_log_in(client, "alice", f"wrong-{attempt}", REMOTE_ADDR="203.0.113.7")

    assert form_log_in(client, "alice", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(client, staff_alice):
    for attempt in range(10):
        form_log_in(client, f"someone-{attempt}", "guess", REMOTE_ADDR="203.0.113.7")

    assert form_log_in(client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert form_succeeded(form_log_in(client, "alice", PASSWORD, REMOTE_ADDR="198.51.100.9"))


def test_a_success_resets_the_count(client, staff_alice):
    for attempt in range(9):
        form_log_in(client, "alice", f"wrong-{attempt}")
    assert form_succeeded(form_log_in(client, "alice", PASSWORD))
    client.post(reverse("accounts:logout"))

    for attempt in range(9):
        form_log_in(client, "alice", f"wrong-{attempt}")
    assert form_succeeded(form_log_in(client, "alice", PASSWORD))


def test_tries_during_the_lock_out_do_not_prolong_it(client, staff_alice, settings):
    for attempt in range(10):
        form_log_in(client, "alice", f"wrong-{attempt}")
    wait_out_the_cool_down(settings)
    # No new failure was recorded while locked, so the one cool-down is what counts.
    assert form_succeeded(form_log_in(client, "alice", PASSWORD))


# --- Which client: X-Forwarded-For only through trusted proxies ------------------------


def test_x_forwarded_for_is_ignored_by_default(client, staff_alice, settings):
    assert settings.TRUSTED_PROXIES == 0
    for attempt in range(10):
        form_log_in(client, f"someone-{attempt}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")

    # Every try came from 127.0.0.1, whatever the header claimed.
    assert form_log_in(client, "alice", PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_x_forwarded_for_names_the_client_behind_the_trusted_proxies(client, staff_alice, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for attempt in range(10):
        # A client may prepend what it likes; the proxy appends the address it saw.
        form_log_in(client, f"someone-{attempt}", "guess", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = form_log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    assert form_succeeded(form_log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9"))


def test_a_garbled_forwarded_address_counts_as_the_peer(client, staff_alice, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    response = form_log_in(client, "alice", "guess", HTTP_X_FORWARDED_FOR="not-an-address")

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


def test_api_throttles_count_clients_by_the_same_rule(rf, settings):
    request = rf.get("/api/v1/tracks/", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="127.0.0.1")
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert AnonRateThrottle().get_ident(request) == "127.0.0.1"

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert AnonRateThrottle().get_ident(request) == "198.51.100.1"


def test_a_username_longer_than_any_account_can_have_is_counted_not_a_500(client, staff_alice):
    response = form_log_in(client, "x" * 5000, "guess")
    api = token_log_in(None, "x" * 5000, "guess")

    assert response.status_code == 200 and api.status_code == 400
    assert AccessAttempt.objects.get().username == "x" * 150
