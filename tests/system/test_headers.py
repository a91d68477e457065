"""Every response carries the Content-Security-Policy and the Permissions-Policy; API
responses and signed-in pages are never cached; the API docs load scripts from this
origin only, and no template holds an inline script or event handler."""

import re

import pytest
from django.http import HttpResponse
from rest_framework.test import APIClient

from fermusic.lib.headers import PrivacyHeadersMiddleware
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "frame-src": "https://open.spotify.com",  # the embed player, and nothing else
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


def assert_private_headers(response):
    assert response["Permissions-Policy"] == "camera=(self), microphone=(), geolocation=()"
    assert "no-store" in response["Cache-Control"]


def test_a_public_page_has_the_strict_policy_and_may_be_cached(client):
    response = client.get("/")
    assert response.status_code == 200
    assert policy(response).items() >= STRICT.items()
    assert response["Permissions-Policy"] == "camera=(self), microphone=(), geolocation=()"
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/history/", "/accounts/profile/"])
def test_a_signed_in_page_is_never_cached(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code == 200
    assert policy(response).items() >= STRICT.items()
    assert_private_headers(response)


def test_an_api_response_is_never_cached_with_a_token_or_without(alice):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert_private_headers(response)
    refused = APIClient().get("/api/v1/me/")
    assert refused.status_code == 401
    assert_private_headers(refused)


def test_an_error_page_has_the_headers_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert policy(response).items() >= STRICT.items()
    assert response["Permissions-Policy"]


def scripts(html: str) -> list[tuple[str, str]]:
    """(attributes, body) of every <script> element that would run."""
    found = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    return [(attrs, body) for attrs, body in found if "application/json" not in attrs]


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_api_docs_load_only_same_origin_scripts_and_keep_the_strict_script_policy(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code == 200
    found = scripts(response.content.decode())
    assert found and all(not body.strip() for _, body in found), found
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in found]
    assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    directives = policy(response)
    assert directives["script-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert_private_headers(response)


def test_the_swagger_start_up_script_is_served_as_a_file(alice_client):
    page = alice_client.get("/api/v1/docs/").content.decode()
    script_url = re.search(r'src="([^"]*\?script[^"]*)"', page).group(1).replace("&amp;", "&")
    response = alice_client.get(script_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_no_template_holds_an_inline_script_or_event_handler():
    offenders = []
    for template in (REPO_ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for attrs, _ in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S | re.I):
            if "src=" not in attrs and "application/json" not in attrs:
                offenders.append(f"{template}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text, re.I):
            offenders.append(f"{template}: inline event handler")
    assert not offenders, offenders


def test_static_files_stay_cacheable_for_a_signed_in_user(rf, settings):
    request = rf.get("/static/js/nav.js")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    response = PrivacyHeadersMiddleware(lambda request: HttpResponse("", headers={"Cache-Control": "max-age=3600"}))(
        request
    )
    assert response["Permissions-Policy"] and response["Cache-Control"] == "max-age=3600"
