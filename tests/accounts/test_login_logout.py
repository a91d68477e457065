import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.support.factories import PASSWORD

User = get_user_model()
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
PROFILE = reverse("accounts:profile")


@pytest.mark.django_db
def test_a_visitor_can_sign_up_log_in_see_their_profile_and_log_out(client):
    client.post(
        reverse("accounts:signup"),
        {
            "username": "dave",
            "email": "dave@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "face_consent": "on",
        },
    )
    client.post(LOGOUT)
    assert "_auth_user_id" not in client.session

    response = client.post(LOGIN, {"username": "dave", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")

    profile = client.get(PROFILE)
    assert profile.status_code == 200
    assert profile.context["user"].username == "dave"
    assert b"dave@example.com" in profile.content

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(PROFILE).status_code == 302


def test_it_refuses_a_wrong_password(client, alice):
    response = client.post(LOGIN, {"username": "alice", "password": "not-the-password"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_unknown_username(client, alice):
    response = client.post(LOGIN, {"username": "mallory", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_returns_to_the_page_that_asked_for_a_login(client, alice):
    response = client.get(PROFILE)
    assert response.url == f"{LOGIN}?next={PROFILE}"

    response = client.post(response.url, {"username": "alice", "password": PASSWORD})

    assert response.url == PROFILE


def test_logging_out_requires_a_post(alice_client):
    response = alice_client.get(LOGOUT)

    assert response.status_code == 405
    assert "_auth_user_id" in alice_client.session


def test_the_logout_button_is_a_form_posting_to_logout(alice_client):
    response = alice_client.get(reverse("home"))

    html = response.content.decode()
    assert f'<form method="post" action="{LOGOUT}">' in html
    assert "csrfmiddlewaretoken" in html


def test_it_sends_signed_in_users_away_from_the_login_page(alice_client):
    response = alice_client.get(LOGIN)

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_the_username_is_not_case_sensitive_on_the_form_and_the_api(client, alice):
    response = client.post(LOGIN, {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(alice.pk)

    token = client.post(
        reverse("api-token"), {"username": "Alice", "password": PASSWORD}, content_type="application/json"
    )
    assert token.status_code == 200 and token.json()["token"]


def test_a_case_insensitive_match_still_needs_the_password(client, alice):
    response = client.post(LOGIN, {"username": "Alice", "password": "not-the-password"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_old_accounts_that_differ_only_in_case_each_keep_their_exact_name(client, alice):
    # Sign-up refuses such a pair now; one made before that rule must not lock both out.
    from tests.support.factories import UserFactory

    other = UserFactory(username="Alice", email="other-alice@example.com")
    assert client.post(LOGIN, {"username": "Alice", "password": PASSWORD}).status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)
    client.post(LOGOUT)
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
    client.post(LOGOUT)
    assert client.post(LOGIN, {"username": "ALICE", "password": PASSWORD}).status_code == 200


def test_a_username_longer_than_any_account_can_have_is_refused_without_a_query(alice, django_assert_num_queries):
    from django.contrib.auth import authenticate

    with django_assert_num_queries(0):
        assert authenticate(username="A" * 151, password=PASSWORD) is None
