"""Sign-up: the answer is always "check your inbox", whether the address or the name is
free or taken; what differs goes only to the address (accounts.services, "Enumeration
policy"). The new account starts once the mailed link is opened."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
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


def activation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/activate/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def visible_text(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


@pytest.mark.django_db
def test_it_creates_an_unconfirmed_account_and_mails_the_link_that_starts_it(client):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.com" and carol.check_password(PASSWORD)
    assert not carol.is_active
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]

    link = activation_link(mail.outbox[0])
    page = client.get(link)
    assert page.context["valid"] is True
    response = client.post(link, follow=True)

    carol.refresh_from_db()
    assert carol.is_active
    assert response.context["user"] == carol
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Welcome to FerMusic, carol!" in response.content


@pytest.mark.django_db
def test_an_unconfirmed_account_cannot_log_in(client):
    client.post(SIGNUP, signup_data())

    response = client.post(reverse("accounts:login"), {"username": "carol", "password": PASSWORD})

    assert response.status_code == 200
    assert "Open the link we e-mailed you first" in response.content.decode()


@pytest.mark.django_db
def test_the_activation_link_works_once(client):
    client.post(SIGNUP, signup_data())
    link = activation_link(mail.outbox[0])
    client.post(link)
    client.post(reverse("accounts:logout"))

    assert client.get(link).context["valid"] is False
    client.post(link)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_forged_activation_link_activates_nothing(client):
    client.post(SIGNUP, signup_data())
    carol = User.objects.get(username="carol")
    forged = re.sub(r"/[^/]+/$", "/not-a-token/", activation_link(mail.outbox[0]))

    client.post(forged)
    assert client.get("/accounts/activate/garbage/garbage/").status_code == 200

    carol.refresh_from_db()
    assert not carol.is_active


@pytest.mark.django_db
def test_new_accounts_get_the_default_preferences(client, settings):
    client.post(SIGNUP, signup_data())

    carol = User.objects.get(username="carol")
    assert carol.photo_retention == settings.PHOTO_RETENTION_DEFAULT
    assert carol.mood_strategy == User.MoodStrategy.MATCH


@pytest.mark.django_db
def test_it_follows_a_safe_next_parameter_once_the_account_is_confirmed(client):
    client.post(f"{SIGNUP}?next={reverse('accounts:profile')}", signup_data())
    link = activation_link(mail.outbox[0])
    assert "next=" in link

    response = client.post(link)

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")


@pytest.mark.django_db
def test_it_ignores_a_next_parameter_pointing_to_another_site(client):
    client.post(f"{SIGNUP}?next=https://evil.example.com/", signup_data())
    link = activation_link(mail.outbox[0])
    assert "evil" not in link

    assert client.post(link).url == reverse("home")


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com", "Alice@EXAMPLE.COM"])
def test_a_taken_email_gets_the_same_answer_and_its_owner_a_mail(client, alice, email):
    free = client.post(SIGNUP, signup_data(username="dora", email="dora@example.com"))
    mail.outbox.clear()

    response = client.post(SIGNUP, signup_data(email=email))

    assert response.status_code == 200
    assert visible_text(response).replace("alice@example.com", "dora@example.com").replace(
        email, "dora@example.com"
    ) == visible_text(free)
    assert DUPLICATE_EMAIL not in response.content.decode()
    assert not User.objects.filter(username="carol").exists()
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "already have one" in message.body and '"alice"' in message.body


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_a_taken_username_gets_the_same_answer_and_the_address_a_mail(client, alice, username):
    response = client.post(SIGNUP, signup_data(username=username))

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert DUPLICATE_USERNAME not in response.content.decode()
    assert not User.objects.filter(email="carol@example.com").exists()
    [message] = mail.outbox
    assert message.to == ["carol@example.com"]
    assert "already taken" in message.body


@pytest.mark.django_db
def test_signing_up_again_before_confirming_resends_the_link(client):
    client.post(SIGNUP, signup_data())
    client.post(SIGNUP, signup_data())

    assert User.objects.filter(email="carol@example.com").count() == 1
    assert len(mail.outbox) == 2
    client.post(activation_link(mail.outbox[1]))
    assert User.objects.get(username="carol").is_active


def test_a_taken_address_with_another_mistake_shows_only_the_mistake(client, alice):
    response = client.post(SIGNUP, signup_data(email="alice@example.com", password2="something-else-entirely"))

    errors = response.context["form"].errors
    assert "password2" in errors and "email" not in errors
    assert DUPLICATE_EMAIL not in response.content.decode()
    assert mail.outbox == []


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
