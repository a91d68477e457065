from django.urls import reverse

from tests.support.factories import PASSWORD

CHANGE = reverse("accounts:password_change")
NEW_PASSWORD = "a-brand-new-melody-2024"


def test_it_changes_the_password_and_keeps_the_user_logged_in(alice_client, alice):
    response = alice_client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert b"Your password has been changed." in response.content
    assert response.context["user"] == alice
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_it_refuses_to_change_the_password_without_the_old_one(alice_client, alice):
    response = alice_client.post(
        CHANGE,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_anonymous_users_are_sent_to_log_in_before_changing_a_password(client):
    response = client.get(CHANGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
