import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.support.factories import PASSWORD, UserFactory

User = get_user_model()


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_users_with_their_preferences(admin_client, alice):
    response = admin_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "alice@example.com" in html
    assert "Delete as soon as the analysis ends" in html


def test_the_admin_edits_the_preference_fields(admin_client, alice):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"photo_retention", "mood_strategy", "email"} <= set(form.fields)


def test_the_admin_creates_a_user_with_an_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "erin",
            "email": "erin@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "photo_retention": "keep",
            "mood_strategy": "lift",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    erin = User.objects.get(username="erin")
    assert (erin.email, erin.photo_retention, erin.mood_strategy) == ("erin@example.com", "keep", "lift")
    assert erin.check_password(PASSWORD)


def test_the_admin_rejects_a_duplicate_email_whatever_its_case(admin_client, alice):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "erin",
            "email": "ALICE@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "photo_retention": "delete",
            "mood_strategy": "match",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="erin").exists()


def test_non_staff_users_cannot_open_the_admin(alice_client):
    response = alice_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
