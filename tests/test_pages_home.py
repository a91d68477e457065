import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse

from fermusic import context_processors, views


def fake_page(request):
    return HttpResponse("a page of another app")


# Home, accounts and two pages of an emotions app that lacks the others; the URLconf
# of the tests marked with @pytest.mark.urls(__name__).
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path(
        "emotions/",
        include(([path("", fake_page, name="upload"), path("history/", fake_page, name="history")], "emotions")),
    ),
]


@pytest.mark.django_db
def test_anonymous_visitors_see_the_landing_page(client):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your face stays yours" in html
    assert "Photos are deleted as soon as the analysis ends, by default." in html
    assert f'href="{reverse("accounts:signup")}"' in html


def test_signed_in_users_see_their_dashboard(alice_client):
    response = alice_client.get(reverse("home"))

    html = response.content.decode()
    assert "Hi alice, how are you feeling?" in html
    assert "Your preferences" in html
    assert "Delete as soon as the analysis ends" in html
    assert "Your face stays yours" not in html


@pytest.mark.urls(__name__)
def test_the_dashboard_puts_photo_analysis_first_when_it_exists(alice_client):
    response = alice_client.get(reverse("home"))

    assert response.context["analyse"].url == "/emotions/"
    assert [link.label for link, _ in response.context["cards"]] == ["History"]
    assert b'<a class="btn btn-lg" href="/emotions/">' in response.content


@pytest.mark.urls(__name__)
def test_the_navigation_shows_the_wired_up_pages_and_skips_the_others(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert '<li><a href="/emotions/">Analyse a photo</a></li>' in html
    assert '<li><a href="/emotions/history/">History</a></li>' in html
    assert "Webcam" not in html
    assert "Discover music" not in html


def test_the_dashboard_leaves_out_pages_that_do_not_exist_yet(monkeypatch, alice_client):
    monkeypatch.setattr(context_processors, "APP_LINKS", [("Analyse a photo", "emotions:nowhere")])

    response = alice_client.get(reverse("home"))

    assert response.context["analyse"] is None
    assert response.context["cards"] == []
