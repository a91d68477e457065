"""Errors have one shape in the API, and an unreachable service is a 503 with a
message, never a 500."""

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path
from django.utils.functional import SimpleLazyObject

from fermusic.lib.errors import UNAVAILABLE_MESSAGE


def database_down(request):
    raise OperationalError("connection refused")


def database_down_for_the_user_too(request):
    # As with PostgreSQL stopped: the signed-in user cannot be loaded either.
    request.user = SimpleLazyObject(lambda: database_down(request))
    return database_down(request)


urlpatterns = [
    path("down/", database_down),
    path("api/down/", database_down),
    path("down-for-everyone/", database_down_for_the_user_too),
]


@override_settings(ROOT_URLCONF=__name__)
def test_an_unreachable_database_gives_a_503_page(client):
    response = client.get("/down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert UNAVAILABLE_MESSAGE in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_503_page_does_not_need_the_database_to_know_who_is_signed_in(alice_client):
    response = alice_client.get("/down-for-everyone/")
    assert response.status_code == 503
    assert UNAVAILABLE_MESSAGE in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_an_unreachable_database_gives_a_503_json_to_api_clients(client):
    response = client.get("/api/down/")
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE_MESSAGE}


@pytest.mark.django_db
def test_api_errors_have_one_shape(alice_client):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/detections/").json() == {"detail": "Authentication credentials were not provided."}
    missing = alice_client.get("/api/v1/detections/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    invalid = alice_client.post("/api/v1/detections/", {})
    assert invalid.status_code == 400 and set(invalid.json()) == {"detail", "errors"}


@pytest.mark.django_db
def test_an_unknown_page_is_a_friendly_404(alice_client):
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
