import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import DUPLICATE_EMAIL

User = get_user_model()
PROFILE = reverse("accounts:profile")


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


def test_it_saves_the_email_and_preferences(alice_client, alice):
    response = alice_client.post(
        PROFILE,
        {"email": "alice@new.example.com", "photo_retention": "24h", "mood_strategy": "lift"},
        follow=True,
    )

    assert b"Your profile has been saved." in response.content
    alice.refresh_from_db()
    assert alice.email == "alice@new.example.com"
    assert alice.photo_retention == User.PhotoRetention.DAY
    assert alice.mood_strategy == User.MoodStrategy.LIFT


def test_it_does_not_count_the_users_own_email_as_a_duplicate(alice_client, alice):
    response = alice_client.post(
        PROFILE, {"email": "Alice@example.com", "photo_retention": "keep", "mood_strategy": "match"}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.photo_retention == User.PhotoRetention.KEEP


def test_it_rejects_an_email_another_account_uses(alice_client, alice, bob):
    response = alice_client.post(
        PROFILE, {"email": "BOB@example.com", "photo_retention": "delete", "mood_strategy": "match"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [DUPLICATE_EMAIL]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_it_rejects_an_unknown_preference(alice_client, alice):
    response = alice_client.post(
        PROFILE, {"email": "alice@example.com", "photo_retention": "forever", "mood_strategy": "match"}
    )

    assert "photo_retention" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.photo_retention == User.PhotoRetention.DELETE


def test_a_user_edits_only_their_own_profile(alice_client, bob):
    alice_client.post(PROFILE, {"email": "alice2@example.com", "photo_retention": "keep", "mood_strategy": "lift"})

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
