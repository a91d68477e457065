"""Every page of the accounts part renders inside the base layout, with no asset from outside."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

ANONYMOUS_PAGES = [
    "home",
    "accounts:login",
    "accounts:signup",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
]
SIGNED_IN_PAGES = ["home", "accounts:profile", "accounts:password_change", "accounts:delete"]


def assert_base_layout(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert 'href="/static/css/app.css"' in html
    assert re.search(r"<title>[^<]+ · FerMusic</title>", html)
    assert '<meta name="viewport"' in html


def external_assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_render_in_the_base_layout(client, name):
    response = client.get(reverse(name))

    assert_base_layout(response)
    assert external_assets(response.content.decode()) == []


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_pages_render_in_the_base_layout(alice_client, name):
    response = alice_client.get(reverse(name))

    assert_base_layout(response)
    assert external_assets(response.content.decode()) == []


def test_the_password_reset_confirm_page_renders_in_the_base_layout(client, alice):
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, "bad-token"]))

    assert_base_layout(response)
    assert response.context["validlink"] is False


@pytest.mark.django_db
def test_anonymous_visitors_see_log_in_and_sign_up_in_the_navigation(client):
    html = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("accounts:login")}"' in html
    assert f'href="{reverse("accounts:signup")}"' in html
    assert "Log out" not in html


def test_signed_in_users_see_their_name_and_a_log_out_button(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert "alice" in html
    assert f'href="{reverse("accounts:profile")}"' in html
    assert '<button class="btn btn-secondary btn-sm" type="submit">Log out</button>' in html
    assert f'href="{reverse("accounts:signup")}"' not in html


def test_the_current_page_is_marked_in_the_navigation(alice_client):
    html = alice_client.get(reverse("accounts:profile")).content.decode()

    assert re.search(rf'href="{reverse("accounts:profile")}"\s+aria-current="page"', html)


def test_django_messages_are_shown(alice_client):
    response = alice_client.post(
        reverse("accounts:profile"),
        {"email": "alice@example.com", "photo_retention": "delete", "mood_strategy": "match"},
        follow=True,
    )

    assert b'class="alert alert-success" role="status"' in response.content


@pytest.mark.parametrize(
    "path", ["favicon.svg", "favicon.png", "apple-touch-icon.png", "css/app.css", "js/csrf.js", "js/nav.js"]
)
def test_the_base_layout_assets_exist(path):
    assert finders.find(path)


def test_the_stylesheet_has_a_dark_theme_and_a_visible_focus_style():
    css = Path(finders.find("css/app.css")).read_text()

    assert "@media (prefers-color-scheme: dark)" in css
    assert ":focus-visible" in css
    assert "@import" not in css and "url(http" not in css


def test_the_csrf_helper_exports_a_token_reader():
    js = Path(finders.find("js/csrf.js")).read_text()

    assert "export function csrfToken()" in js
    assert "csrftoken" in js


def test_the_favicon_at_the_root_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.png")
    assert client.post("/favicon.ico").status_code == 405
