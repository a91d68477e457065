"""The profile page: preferences saved at once; a new e-mail address needs the current
password, is confirmed from the new inbox, and the current address is told; the answer
never says whether another account has the address."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import DUPLICATE_EMAIL
from tests.support.factories import PASSWORD

User = get_user_model()
PROFILE = reverse("accounts:profile")


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/email/confirm/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def profile_data(**overrides):
    return {"email": "alice@example.com", "photo_retention": "keep", "mood_strategy": "lift", **overrides}


@pytest.mark.django_db
def test_anonymous_users_are_redirected_to_log_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={PROFILE}"


def test_it_shows_the_current_email_and_preferences(alice_client):
    response = alice_client.get(PROFILE)

    html = response.content.decode()
    assert 'value="alice@example.com"' in html
    assert "Delete as soon as the analysis ends" in html
    assert "Lift my mood" in html
    assert "Current password" in html


def test_it_saves_the_preferences_without_asking_for_the_password(alice_client, alice):
    response = alice_client.post(PROFILE, profile_data())

    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.photo_retention, alice.mood_strategy) == ("keep", "lift")
    assert mail.outbox == []


def test_a_new_email_needs_the_current_password(alice_client, alice):
    missing = alice_client.post(PROFILE, profile_data(email="alice@new.example.com"))
    wrong = alice_client.post(PROFILE, profile_data(email="alice@new.example.com", current_password="guess"))

    assert "current_password" in missing.context["form"].errors
    assert wrong.context["form"].errors["current_password"] == ["That password is not correct."]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.photo_retention == "delete"
    assert mail.outbox == []


def test_a_new_email_is_confirmed_from_the_new_inbox_and_the_old_one_is_told(alice_client, alice):
    response = alice_client.post(
        PROFILE, profile_data(email="alice@new.example.com", current_password=PASSWORD), follow=True
    )

    assert "open the link we sent to alice@new.example.com" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # not until the link is opened
    confirm, warn = sorted(mail.outbox, key=lambda m: m.to != ["alice@new.example.com"])
    assert confirm.to == ["alice@new.example.com"]
    assert warn.to == ["alice@example.com"] and "alice@new.example.com" in warn.body

    link = confirmation_link(confirm)
    assert alice_client.get(link).context["valid"] is True
    alice_client.post(link)

    alice.refresh_from_db()
    assert alice.email == "alice@new.example.com"
    changed = mail.outbox[-1]
    assert changed.to == ["alice@example.com"]
    assert changed.subject == "Your FerMusic e-mail address was changed"
    # Used once: the address has changed since it was sent.
    assert alice_client.get(link).context["valid"] is False


def test_an_email_another_account_uses_gets_the_same_answer_and_changes_nothing(alice_client, alice, bob):
    free = alice_client.post(PROFILE, profile_data(email="nobody@example.com", current_password=PASSWORD), follow=True)
    mail.outbox.clear()

    taken = alice_client.post(PROFILE, profile_data(email="BOB@example.com", current_password=PASSWORD), follow=True)

    assert DUPLICATE_EMAIL not in taken.content.decode()
    assert [str(m) for m in taken.context["messages"]] == [
        str(m).replace("nobody@example.com", "BOB@example.com") for m in free.context["messages"]
    ]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    in_use = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    assert "already belongs to an account" in in_use.body
    assert "/accounts/email/confirm/" not in in_use.body


def test_a_link_is_void_once_another_account_took_the_address(alice_client, alice):
    alice_client.post(PROFILE, profile_data(email="carol@example.com", current_password=PASSWORD))
    link = confirmation_link(next(m for m in mail.outbox if m.to == ["carol@example.com"]))
    User.objects.create_user("carol", "Carol@example.com", PASSWORD)

    alice_client.post(link)

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_tampered_link_changes_nothing(alice_client, alice):
    alice_client.post(PROFILE, profile_data(email="alice@new.example.com", current_password=PASSWORD))
    link = confirmation_link(mail.outbox[0])

    alice_client.post(link.replace(":", ";", 1))
    assert alice_client.get("/accounts/email/confirm/garbage/").context["valid"] is False

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_it_does_not_count_the_users_own_email_in_another_case_as_a_change(alice_client, alice):
    response = alice_client.post(PROFILE, profile_data(email="Alice@example.com"))

    assert response.status_code == 302
    assert mail.outbox == []


def test_it_rejects_an_unknown_preference(alice_client, alice):
    response = alice_client.post(PROFILE, profile_data(photo_retention="forever"))

    assert "photo_retention" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.photo_retention == User.PhotoRetention.DELETE


def test_a_user_edits_only_their_own_profile(alice_client, bob):
    alice_client.post(PROFILE, profile_data(email="alice2@example.com", current_password=PASSWORD))

    bob.refresh_from_db()
    assert (bob.email, bob.photo_retention, bob.mood_strategy) == ("bob@example.com", "delete", "match")


def test_the_database_refuses_an_email_that_differs_only_in_case(alice):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("carol", "ALICE@example.com", "x")


def test_model_validation_reports_a_duplicate_email_on_the_email_field(alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        User(username="carol", email="Alice@Example.com").validate_constraints()
    assert caught.value.message_dict == {"email": [DUPLICATE_EMAIL]}
