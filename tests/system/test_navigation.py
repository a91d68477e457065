import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from fermusic import context_processors
from fermusic.context_processors import NavLink, navigation


@pytest.fixture
def links(monkeypatch):
    """Navigation made of two account pages."""
    monkeypatch.setattr(
        context_processors, "APP_LINKS", [("Profile", "accounts:profile"), ("Password", "accounts:password_change")]
    )


def test_it_lists_the_links_in_order_with_their_urls(links, alice):
    request = RequestFactory().get("/")
    request.user = alice

    assert navigation(request)["nav_links"] == [
        NavLink("Profile", "accounts:profile", reverse("accounts:profile"), current=False),
        NavLink("Password", "accounts:password_change", reverse("accounts:password_change"), current=False),
    ]


def test_it_marks_the_link_of_the_current_page(links, alice):
    request = RequestFactory().get(reverse("accounts:password_change"))
    request.user = alice

    current = [link.label for link in navigation(request)["nav_links"] if link.current]

    assert current == ["Password"]


def test_the_longest_matching_link_is_the_current_one(monkeypatch, alice):
    monkeypatch.setattr(
        context_processors, "APP_LINKS", [("Accounts", "accounts:profile"), ("Delete", "accounts:delete")]
    )
    monkeypatch.setattr(
        context_processors, "reverse", {"accounts:profile": "/accounts/", "accounts:delete": "/accounts/delete/"}.get
    )
    request = RequestFactory().get("/accounts/delete/")
    request.user = alice

    current = [link.label for link in navigation(request)["nav_links"] if link.current]

    assert current == ["Delete"]


@pytest.mark.django_db
def test_anonymous_visitors_get_no_app_links(links):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert navigation(request) == {"nav_links": []}


def test_the_rendered_navigation_links_to_its_pages(links, alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert f'<li><a href="{reverse("accounts:profile")}">Profile</a></li>' in html
    assert f'<li><a href="{reverse("accounts:password_change")}">Password</a></li>' in html


def test_a_link_to_a_page_that_does_not_exist_is_an_error_not_a_silent_gap(monkeypatch, alice):
    monkeypatch.setattr(context_processors, "APP_LINKS", [("Nowhere", "emotions:nowhere")])
    request = RequestFactory().get("/")
    request.user = alice

    with pytest.raises(NoReverseMatch):
        navigation(request)


def test_the_default_navigation_names_the_product_pages():
    assert context_processors.APP_LINKS == [
        ("Analyse a photo", "emotions:upload"),
        ("Webcam", "emotions:webcam"),
        ("Live", "emotions:live"),
        ("History", "emotions:history"),
        ("Discover music", "music:discover"),
        ("Playlists", "music:playlists"),
        ("My ratings", "music:ratings"),
    ]
