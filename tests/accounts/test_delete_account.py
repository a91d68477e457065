import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS
from django.urls import reverse
from knox.models import get_token_model

from tests.support.factories import PASSWORD

User = get_user_model()
DELETE = reverse("accounts:delete")


def owned_rows(user) -> dict:
    """Every row that deleting `user` cascades to, whichever app it belongs to."""
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    collector.collect([user])
    return {model: {obj.pk for obj in objects} for model, objects in collector.data.items()}


def give_rows_to(user):
    get_token_model().objects.create(user=user)
    user.groups.add(Group.objects.get_or_create(name="listeners")[0])
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=User.objects.filter(pk=user.pk), action_flag=ADDITION, single_object=True
    )


def test_it_deletes_the_account_and_everything_it_owns(alice_client, alice, bob):
    give_rows_to(alice)
    give_rows_to(bob)
    alice_rows = owned_rows(alice)
    assert len(alice_rows) >= 4, "the user, a token, a group membership and a log entry"

    response = alice_client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:deleted")
    assert b"Your account has been deleted" in response.content
    assert not User.objects.filter(pk=alice.pk).exists()
    for model, pks in alice_rows.items():
        assert not model._default_manager.filter(pk__in=pks).exists(), f"{model.__name__} rows survived"


def test_deleting_an_account_leaves_other_users_alone(alice_client, alice, bob):
    give_rows_to(bob)
    bob_rows = owned_rows(bob)

    alice_client.post(DELETE, {"password": PASSWORD})

    for model, pks in bob_rows.items():
        assert model._default_manager.filter(pk__in=pks).count() == len(pks), f"{model.__name__} rows of bob lost"


def test_deleting_an_account_logs_the_user_out(alice_client, alice):
    response = alice_client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert not response.context["user"].is_authenticated
    assert "_auth_user_id" not in alice_client.session
    assert alice_client.get(reverse("accounts:profile")).status_code == 302


def test_it_keeps_the_account_when_the_password_is_wrong(alice_client, alice):
    response = alice_client.post(DELETE, {"password": "not-my-password"})

    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["That password is not correct."]
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_delete_page_asks_for_confirmation_first(alice_client, alice):
    response = alice_client.get(DELETE)

    assert response.status_code == 200
    assert b"This cannot be undone." in response.content
    assert User.objects.filter(pk=alice.pk).exists()


@pytest.mark.django_db
def test_anonymous_users_cannot_reach_the_delete_page(client):
    response = client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_goodbye_page_is_shown_only_right_after_a_deletion(client):
    response = client.get(reverse("accounts:deleted"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_the_goodbye_page_is_shown_only_once(alice_client):
    alice_client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert alice_client.get(reverse("accounts:deleted")).status_code == 302


def test_deleting_an_account_keeps_rows_it_only_refers_to(alice_client, alice):
    give_rows_to(alice)

    alice_client.post(DELETE, {"password": PASSWORD})

    assert Group.objects.filter(name="listeners").exists()
