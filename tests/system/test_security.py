"""Security checks across the whole URL conf: CSRF on every form post and on
session-authenticated API writes, no object of alice's reachable by bob at any object
URL, curation for staff only, and no secret committed to the repository. (The
production profile's `check --deploy` is in tests/system/test_settings.py.)"""

import re
import subprocess

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from knox.models import get_token_model
from rest_framework.test import APIClient

from fermusic.lib.events import user_group
from music.models import MoodMapping, ShownList, ShownListEntry
from music.services import ratings
from tests.support.factories import UserFactory
from tests.support.music_factories import PlaylistFactory, TrackFactory
from tests.support.paths import REPO_ROOT
from tests.support.recommend import detection_with_faces
from tests.system.test_bad_input_corpus import database_state, events_communicator, stores_nothing

ROOT = REPO_ROOT

pytestmark = pytest.mark.django_db


def all_routes(patterns=None, prefix="") -> list[tuple[str, URLPattern]]:
    """(route, pattern) for every URL in the URL conf, the route as written there."""
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            routes += all_routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            routes.append((prefix + str(entry.pattern), entry))
    return routes


def is_admin(route: str) -> bool:
    return route.startswith("admin/")


def is_api(route: str) -> bool:
    return route.startswith("api/v1/")


# Regex routes (DRF's router) name their object (?P<pk>[^/.]+); path routes <uuid:pk>.
OBJECT_PARAMETER = re.compile(r"<(?:uuid|str):pk>|\(\?P<pk>[^)]*\)")
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>[^)]*\)/\?\$$")


def plain(route: str) -> str:
    """The route without the anchors of its regex parts: "api/v1/detections/(?P<pk>...)/"."""
    return route.replace("^", "").replace("$", "")


def concrete(route: str, pk) -> str:
    """A path for the route, naming the object ``pk`` and "1" (or a regex's first
    alternative) for any other parameter."""
    path = OBJECT_PARAMETER.sub(str(pk), plain(route))
    path = re.sub(r"\(\?P<\w+>([\w]+)(?:\|[^)]*)\)", r"\1", path)  # (?P<app_label>auth|music) -> auth
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = re.sub(r"<[^>]+>", "1", path)
    return "/" + path.replace("\\", "").replace("/?", "/")


# --- CSRF -----------------------------------------------------------------------------


@pytest.fixture
def csrf_client(client):
    client.handler.enforce_csrf_checks = True
    return client


def test_every_page_refuses_a_post_without_a_csrf_token(csrf_client, alice):
    """Every route outside the API, the admin's included, with alice signed in by her
    session: a POST without the token is a 403 before any view runs."""
    detection = detection_with_faces(alice)
    csrf_client.force_login(alice)
    routes = [r for r, _ in all_routes() if not is_api(r)]
    assert len(routes) > 20  # the URL conf was read
    for route in routes:
        path = concrete(route, detection.pk)
        resolve(path)  # a path that resolves nowhere would be a 404 before the CSRF check
        with stores_nothing():
            response = csrf_client.post(path, {"face": "0", "password": "correct-horse-battery-staple"})
        assert response.status_code == 403, (path, response.status_code)
        assert b"CSRF" in response.content, path


def test_a_form_post_with_the_token_gets_through(csrf_client, alice):
    csrf_client.force_login(alice)
    page = csrf_client.get("/accounts/profile/")
    token = page.context["csrf_token"]
    response = csrf_client.post(
        "/accounts/profile/",
        {"email": alice.email, "photo_retention": "keep", "mood_strategy": "lift", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


@pytest.fixture
def alices_things(alice):
    track = TrackFactory(title="Song", artists="Band")
    rating, _ = ratings.rate(alice, track, 1)
    detection = detection_with_faces(alice, emotions=("sad", "happy"))
    shown = ShownList.objects.create(
        user=alice, detection=detection, key="sad", emotion="sad", strategy="match", moods=["sad"], seed=1,
        shown_at=timezone.now(),
    )  # fmt: skip
    ShownListEntry.objects.create(shown_list=shown, position=1, track=track, reason="sad", because="popular", score=1)
    return {"detection": detection, "rating": rating, "track": track, "shown": shown}


API_WRITES = [
    ("post", "/api/v1/ratings/", lambda t: {"track": t["track"].pk, "value": -1}),
    ("patch", "/api/v1/ratings/{rating}/", lambda t: {"value": -1}),
    ("put", "/api/v1/ratings/{rating}/", lambda t: {"track": t["track"].pk, "value": -1}),
    ("delete", "/api/v1/ratings/{rating}/", lambda t: None),
    ("patch", "/api/v1/me/", lambda t: {"photo_retention": "keep"}),
    ("put", "/api/v1/me/", lambda t: {"email": "a2@example.com", "photo_retention": "keep"}),
    ("post", "/api/v1/detections/{detection}/select-face/", lambda t: {"selected_face": 1}),
    ("post", "/api/v1/detections/{detection}/rerun/", lambda t: None),
    ("delete", "/api/v1/detections/{detection}/", lambda t: None),
    ("patch", "/api/v1/detections/{detection}/", lambda t: {"felt_emotion": "sad"}),
    ("post", "/api/v1/detections/", lambda t: {"source": "upload"}),
    ("post", "/api/v1/auth/logout-everywhere/", lambda t: None),
    ("delete", "/api/v1/auth/tokens/{token}/", lambda t: None),
    ("delete", "/api/v1/auth/sessions/{session}/", lambda t: None),
    ("post", "/api/v1/me/consent/", lambda t: {"face_consent": True}),
    ("delete", "/api/v1/me/consent/", lambda t: None),
    ("post", "/api/v1/detections/{detection}/recommendations/", lambda t: None),
    ("post", "/api/v1/lists/{shown}/ratings/", lambda t: {"track": t["track"].pk, "value": -1}),
    ("post", "/api/v1/lists/{shown}/undo/", lambda t: {"track": t["track"].pk}),
]


def api_url(template: str, things: dict) -> str:
    names = {name: getattr(thing, "pk", thing) for name, thing in things.items()}
    return template.format(**names, token="a-token-key", session="a-session-id")


@pytest.mark.parametrize(("method", "url", "body"), API_WRITES, ids=[f"{m} {u}" for m, u, _ in API_WRITES])
def test_a_session_signed_in_api_write_needs_the_csrf_token(alice, alices_things, method, url, body):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(alice)
    with stores_nothing():
        response = getattr(api, method)(api_url(url, alices_things), body(alices_things), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_every_api_write_is_listed_for_the_csrf_check():
    """A new write endpoint must join API_WRITES (or say why not)."""
    listed = {re.sub(r"\{\w+\}", "{pk}", url) for _, url, _ in API_WRITES}
    writable = set()
    for route, pattern in all_routes():
        if not is_api(route) or FORMAT_SUFFIX.search(route):
            continue
        actions = getattr(pattern.callback, "actions", None) or {}
        view = getattr(pattern.callback, "cls", None)
        methods = set(actions) if actions else {m for m in ("post", "put", "patch") if hasattr(view, m)}
        if methods & {"post", "put", "patch", "delete"}:
            writable.add("/" + OBJECT_PARAMETER.sub("{pk}", plain(route)))
    # The token endpoint takes a password, not a session, and logout takes the token
    # it revokes; playlists are written by staff (tests/music/api/test_catalogue.py and
    # the staff-only checks below).
    assert writable - listed == {
        "/api/v1/auth/token/",
        "/api/v1/auth/logout/",
        "/api/v1/playlists/",
        "/api/v1/playlists/{pk}/",
    }


def test_an_api_write_with_a_token_needs_no_csrf_token(alice, alices_things):
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {get_token_model().objects.create(user=alice)[1]}")
    response = api.patch(f"/api/v1/ratings/{alices_things['rating'].pk}/", {"value": -1}, format="json")
    assert response.status_code == 200


# --- No object of alice's for bob ----------------------------------------------------

# Which of alice's things each object route names, by the route's first segments.
OWNED_ROUTES = {
    "detections/": "detection",
    "music/detections/": "detection",
    "api/v1/detections/": "detection",
    "api/v1/ratings/": "rating",
    "api/v1/lists/": "shown",
}
# Object routes that are not anyone's: the catalogue (public), curated playlists
# (published ones public, drafts staff-only: tests/music/api/test_catalogue.py).
PUBLIC_OBJECT_ROUTES = ("api/v1/tracks/", "api/v1/playlists/")


def object_routes() -> list[str]:
    return [
        route
        for route, _ in all_routes()
        if OBJECT_PARAMETER.search(route) and not is_admin(route) and not FORMAT_SUFFIX.search(route)
    ]


def owner_kind(route: str) -> str | None:
    return next((kind for prefix, kind in OWNED_ROUTES.items() if plain(route).startswith(prefix)), None)


def test_every_object_route_is_either_owned_or_public():
    routes = object_routes()
    assert len(routes) >= 10
    unknown = [r for r in routes if owner_kind(r) is None and not plain(r).startswith(PUBLIC_OBJECT_ROUTES)]
    assert not unknown, f"say whose objects these routes name: {unknown}"


OWNED = [route for route in object_routes() if owner_kind(route)]


@pytest.mark.parametrize("route", OWNED)
def test_bob_gets_404_for_alices_object_whatever_the_method(client, bob, alices_things, route):
    thing = alices_things[owner_kind(route)]
    path = concrete(route, thing.pk)
    client.force_login(bob)
    statuses = {}
    with stores_nothing():
        statuses["get"] = client.get(path).status_code
        body = {
            "value": -1,
            "selected_face": 1,
            "face": "1",
            "felt_emotion": "angry",
            "track": alices_things["track"].pk,
        }
        for method in ("post", "put", "patch", "delete"):
            statuses[method] = getattr(client, method)(path, body, content_type="application/json").status_code
    # 405 for a method the route does not take; for every other one, nothing at all.
    assert set(statuses.values()) <= {404, 405}, statuses
    assert 404 in statuses.values()


def test_bob_lists_none_of_alices_detections_or_ratings(client, bob, alices_things):
    client.force_login(bob)
    for url in ("/api/v1/detections/", "/api/v1/ratings/"):
        assert client.get(url).json()["results"] == []
    history = client.get("/history/").content.decode()
    assert str(alices_things["detection"].pk) not in history
    assert "Song" not in client.get("/music/ratings/").content.decode()


@pytest.mark.asyncio
async def test_bob_hears_nothing_pushed_to_alice():
    alice, bob = UserFactory.build(pk=5151, username="alice-ws"), UserFactory.build(pk=5252, username="bob-ws")
    alices, bobs = events_communicator(alice), events_communicator(bob)
    assert (await alices.connect())[0] and (await bobs.connect())[0]
    event = {"type": "user.event", "event": "detection.updated", "payload": {"id": "secret"}}
    await get_channel_layer().group_send(user_group(alice.pk), event)
    assert (await alices.receive_json_from(timeout=5))["payload"] == {"id": "secret"}
    assert await bobs.receive_nothing(timeout=0.3)
    await alices.disconnect()
    await bobs.disconnect()


# --- Curation is for staff -----------------------------------------------------------


@pytest.fixture
def curated():
    track = TrackFactory(title="Song", artists="Band")
    playlist = PlaylistFactory(name="Rainy", mood="sad", published=True)
    playlist.append([track])
    return {"playlist": playlist, "track": track, "mapping": MoodMapping.objects.order_by("pk").first()}


def admin_writes(curated) -> list[tuple[str, dict]]:
    playlist_form = {
        "name": "Hijacked",
        "mood": "happy",
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    return [
        ("/admin/music/playlist/add/", playlist_form),
        (f"/admin/music/playlist/{curated['playlist'].pk}/change/", playlist_form),
        (f"/admin/music/playlist/{curated['playlist'].pk}/delete/", {"post": "yes"}),
        (f"/admin/music/moodmapping/{curated['mapping'].pk}/change/", {"moods": "sad"}),
        ("/admin/music/track/add/", {"title": "Mine", "artists": "Me"}),
        ("/admin/music/track/", {"action": "override_mood", "_selected_action": [curated["track"].pk],
                                 "index": "0", "apply": "1", "mood": "happy"}),
        ("/admin/music/moodmodelrun/refit/", {}),
    ]  # fmt: skip


def test_a_listener_cannot_curate_in_the_admin(client, alice, curated):
    client.force_login(alice)
    for url, data in admin_writes(curated):
        with stores_nothing():
            response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def test_staff_without_the_music_permissions_cannot_curate(client, curated):
    client.force_login(UserFactory(username="helper", is_staff=True))
    for url, data in admin_writes(curated):
        before = database_state()
        response = client.post(url, data)
        assert response.status_code in (302, 403), url
        assert database_state() == before, url
        if response.status_code == 302:  # the refit's own redirect: nothing was queued
            assert response["Location"] == "/admin/music/moodmodelrun/"


def test_staff_without_the_playlist_permissions_cannot_curate_through_the_api(curated):
    playlist = curated["playlist"]
    helper = APIClient()
    helper.force_authenticate(UserFactory(username="helper", is_staff=True))
    body = {"name": "Hijacked", "mood": "happy", "published": True, "tracks": []}
    with stores_nothing():
        assert helper.post("/api/v1/playlists/", body, format="json").status_code == 403
        assert helper.patch(f"/api/v1/playlists/{playlist.pk}/", {"published": False}, format="json").status_code == 403
        assert helper.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 403
    # Reading is not curating: the helper still sees the published playlist.
    assert helper.get(f"/api/v1/playlists/{playlist.pk}/").status_code == 200


def test_staff_with_only_the_change_permission_can_publish_but_not_delete(curated):
    playlist = curated["playlist"]
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_playlist"))
    api = APIClient()
    api.force_authenticate(editor)
    assert api.patch(f"/api/v1/playlists/{playlist.pk}/", {"published": False}, format="json").status_code == 200
    assert api.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 403
    assert api.post("/api/v1/playlists/", {"name": "New", "tracks": []}, format="json").status_code == 403


def test_a_listener_cannot_replace_a_playlist_and_a_visitor_cannot_write_at_all(alice, curated):
    playlist = curated["playlist"]
    listener = APIClient()
    listener.force_authenticate(alice)
    body = {"name": "Mine", "mood": "happy", "published": True, "tracks": []}
    with stores_nothing():
        assert listener.put(f"/api/v1/playlists/{playlist.pk}/", body, format="json").status_code == 403
        visitor = APIClient()
        assert visitor.post("/api/v1/playlists/", body, format="json").status_code == 401
        assert visitor.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 401


# --- No secret in the repository -----------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Django's generated insecure key": re.compile("django" + "-insecure-"),
    "SECRET_KEY set to a literal": re.compile(r"""\bSECRET_KEY\s*[:=]\s*["'][^"'\s]{8,}["']"""),
    "Spotify secret set to a literal": re.compile(r"""SPOTIFY_CLIENT_SECRET\s*[:=]\s*["']?[0-9a-f]{32}\b"""),
    "password in a URL": re.compile(r"\b(?:postgres|postgresql|redis|amqp|smtp)s?://[^/\s:@'\"]+:[^@\s'\"]{12,}@"),
}
# Files that must never be committed, whatever their content.
SECRET_FILES = re.compile(r"(^|/)(\.env(\..+)?|secret_key|.+\.(pem|key|p12|sqlite3))$")


def tracked_files() -> list[str]:
    return (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    )


def test_no_secret_is_committed():
    found = []
    files = [name for name in tracked_files() if name]
    assert len(files) > 100
    for name in files:
        if SECRET_FILES.search(name):
            found.append(f"{name}: a secret file")
            continue
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 1_000_000:
            continue  # the model's weights, or deleted in the working tree
        content = path.read_bytes()
        if b"\0" in content[:8192]:
            continue  # binary
        text = content.decode("utf-8", errors="replace")
        found += [f"{name}: {kind}" for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    assert not found


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "AKIA" + "IOSFODNN7EXAMPLE",
        "SECRET_KEY = " + '"hunter2-hunter2-hunter2"',
        "DATABASE_URL=postgres://fm:" + "s3cr3t-passw0rd!@db:5432/fermusic",
        "SPOTIFY_CLIENT_SECRET=" + "0123456789abcdef" * 2,
    ],
    # Each sample is split so that this file does not hold a secret-looking string.
)
def test_the_secret_scan_recognises_a_secret(text):
    assert any(pattern.search(text) for pattern in SECRET_PATTERNS.values())
