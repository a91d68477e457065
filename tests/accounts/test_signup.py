import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.forms import DUPLICATE_USERNAME
from accounts.models import DUPLICATE_EMAIL
from tests.support.factories import PASSWORD

User = get_user_model()
SIGNUP = reverse("accounts:signup")


def signup_data(**overrides):
    return {
        "username": "carol",
        "email": "carol@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "face_consent": "on",
        **overrides,
    }


@pytest.mark.django_db
def test_it_creates_an_account_and_logs_the_new_user_in(client):
    response = client.post(SIGNUP, signup_data(), follow=True)

    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.com"
    assert carol.check_password(PASSWORD)
    assert response.context["user"] == carol
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Welcome to FerMusic, carol!" in response.content


@pytest.mark.django_db
def test_new_accounts_get_the_default_preferences(client, settings):
    client.post(SIGNUP, signup_data())

    carol = User.objects.get(username="carol")
    assert carol.photo_retention == settings.PHOTO_RETENTION_DEFAULT
    assert carol.mood_strategy == User.MoodStrategy.MATCH


@pytest.mark.django_db
def test_it_follows_a_safe_next_parameter_after_sign_up(client):
    response = client.post(f"{SIGNUP}?next={reverse('accounts:profile')}", signup_data())

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")


@pytest.mark.django_db
def test_it_ignores_a_next_parameter_pointing_to_another_site(client):
    response = client.post(f"{SIGNUP}?next=https://evil.example.com/", signup_data())

    assert response.url == reverse("home")


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_it_rejects_a_duplicate_username_whatever_its_case(client, alice, username):
    response = client.post(SIGNUP, signup_data(username=username))

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [DUPLICATE_USERNAME]
    assert not User.objects.filter(email="carol@example.com").exists()


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com", "Alice@EXAMPLE.COM"])
def test_it_rejects_a_duplicate_email_whatever_its_case(client, alice, email):
    response = client.post(SIGNUP, signup_data(email=email))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [DUPLICATE_EMAIL]
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_it_shows_the_duplicate_message_on_the_page(client, alice):
    response = client.post(SIGNUP, signup_data(email="ALICE@example.com"))

    assert "An account with this e-mail address already exists." in response.content.decode()


@pytest.mark.django_db
def test_it_requires_an_email_address(client):
    response = client.post(SIGNUP, signup_data(email=""))

    assert "email" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_rejects_passwords_that_do_not_match(client):
    response = client.post(SIGNUP, signup_data(password2="something-else-entirely"))

    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_rejects_a_weak_password(client):
    response = client.post(SIGNUP, signup_data(password1="123456", password2="123456"))

    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


def test_it_sends_signed_in_users_away_from_the_sign_up_page(alice_client):
    response = alice_client.get(SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("home")
