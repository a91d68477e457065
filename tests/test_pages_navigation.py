import pytest
from django.test import RequestFactory
from django.urls import reverse

from fermusic import context_processors
from fermusic.context_processors import NavLink, navigation


@pytest.fixture
def links(monkeypatch):
    """Navigation made of two pages that exist and one whose app is not wired up."""
    monkeypatch.setattr(
        context_processors,
        "APP_LINKS",
        [("Profile", "accounts:profile"), ("Not built yet", "emotions:nowhere"), ("Password", "accounts:password_change")],
    )


def test_it_skips_links_whose_url_name_does_not_resolve(links, alice):
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
    monkeypatch.setattr(context_processors, "APP_LINKS", [("Accounts", "accounts:profile"), ("Delete", "accounts:delete")])
    monkeypatch.setattr(context_processors, "reverse", {"accounts:profile": "/accounts/", "accounts:delete": "/accounts/delete/"}.get)
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


def test_the_rendered_navigation_links_only_to_existing_pages(links, alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert "Not built yet" not in html
    assert f'<li><a href="{reverse("accounts:password_change")}">Password</a></li>' in html


def test_the_default_navigation_names_the_product_pages():
    assert context_processors.APP_LINKS == [
        ("Analyse a photo", "emotions:upload"),
        ("Webcam", "emotions:webcam"),
        ("Live", "emotions:live"),
        ("History", "emotions:history"),
        ("Discover music", "music:discover"),
        ("My ratings", "music:ratings"),
    ]
