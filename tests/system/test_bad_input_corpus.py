"""Every entry point meets the bad-input corpus of tests/support/corpus.py: the HTML forms, the
REST API, both WebSockets, the CSV imports and the Spotify adapter. Each answers with
a clear 4xx or message, never a 500, and stores nothing: the database and the stored
files are the same after a bad input as before it."""

from __future__ import annotations

import io
import ipaddress
import json
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import responses
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from emotions.live import analysis as live_analysis
from fermusic.routing import websocket_urlpatterns
from music.catalogue.spotify import SpotifyCatalog, SpotifyError
from music.models import ImportJob, MoodMapping, Playlist, Track
from music.services import playlists, ratings
from music.services.spotify_import import import_playlist
from tests.support import corpus
from tests.support.factories import PASSWORD
from tests.support.live import (  # noqa: F401  (served_model is a fixture)
    TIMEOUT,
    answer_to,
    connect_live,
    consenting,
    served_model,
)
from tests.support.music_factories import PlaylistFactory, StaffFactory, TrackFactory, csv_bytes
from tests.support.recommend import detection_with_faces

NEW_PASSWORD = "a-brand-new-passphrase-42"

# --- Nothing stored -------------------------------------------------------------------


def database_state() -> dict[str, list[str]]:
    """Every row of every table but the sessions (a signed-in client's session is not data)."""
    with connection.cursor() as cursor:
        state = {}
        for table in connection.introspection.table_names(cursor):
            if table != "django_session":
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                state[table] = sorted(map(repr, cursor.fetchall()))
        return state


def stored_files() -> list[str]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    return sorted(str(p) for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


@contextmanager
def stores_nothing():
    before = database_state(), stored_files()
    yield
    after = database_state(), stored_files()
    changed = [table for table in before[0] if before[0][table] != after[0].get(table)]
    assert not changed, f"rows changed in {changed}"
    assert after[1] == before[1], "files were stored"


@pytest.fixture
def world(db, alice, bob):
    """Something of each kind for the forms and endpoints to name."""
    track = TrackFactory(title="Song", artists="Band")
    other_track = TrackFactory(title="Other song", artists="Band")
    playlist = PlaylistFactory(name="Rainy", mood="sad", published=True)
    playlist.append([track])
    rating, _ = ratings.rate(alice, track, 1)
    mine = playlists.save_list(alice, [track.pk], "Alice's")
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        staff=StaffFactory(username="editor", email="editor@example.com"),
        ids={
            "track": track.pk,
            "other_track": other_track.pk,
            "playlist": playlist.pk,
            "my_playlist": mine.pk,
            "rating": rating.pk,
            "detection": detection_with_faces(alice, emotions=("sad", "happy")).pk,
            "mapping": MoodMapping.objects.order_by("pk").first().pk,
        },
    )


# A field left out of a body altogether (None is JSON's null).
OMIT = "<omit>"


def filled(template, ids: dict):
    """``template`` with the world's ids in place of "{track}"-style placeholders: a
    whole-value placeholder becomes the id itself, one inside a URL is formatted."""
    if isinstance(template, str) and "{" in template:
        key = template.strip("{}")
        return ids[key] if template == f"{{{key}}}" else template.format(**ids)
    if isinstance(template, dict):
        return {k: filled(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [filled(v, ids) for v in template]
    return template


def with_overrides(data: dict, overrides: dict) -> dict:
    return {k: v for k, v in {**data, **overrides}.items() if v != OMIT}


def signed_in(client, world, actor: str):
    if actor != "anonymous":
        client.force_login(getattr(world, actor))
    return client


# --- HTML forms -----------------------------------------------------------------------


def text_cases(*fields: str, required: bool = True) -> dict[str, dict]:
    """The corpus's bad text in each of ``fields``, one field at a time."""
    kinds = corpus.BAD_TEXT if required else {k: v for k, v in corpus.BAD_TEXT.items() if k != "empty"}
    return {f"{name} {kind}": {name: value} for name in fields for kind, value in kinds.items()}


@dataclass
class Form:
    url: str
    actor: str
    valid: dict
    bad: dict[str, dict] = field(default_factory=dict)
    # How the form refuses: re-rendered with errors ("page"), or a redirect with an
    # error message or a 404 ("redirect"), as the no-JavaScript rating buttons do.
    refuses_by: str = "page"
    # A changelist posted no action just lists its rows: there is nothing to refuse.
    takes_raw_bodies: bool = True


PLAYLIST_FORM = {
    "name": "Sunday",
    "description": "",
    "mood": "calm",
    "published": "on",
    "entries-TOTAL_FORMS": "1",
    "entries-INITIAL_FORMS": "0",
    "entries-MIN_NUM_FORMS": "0",
    "entries-MAX_NUM_FORMS": "1000",
    "entries-0-track": "{other_track}",
    "entries-0-position": "1",
}
PLAYLIST_FORM_CASES = {
    **text_cases("name"),
    "unknown mood": {"mood": "gloomy"},
    "unknown track": {"entries-0-track": "999999"},
    "track not a number": {"entries-0-track": "abc"},
    "track number too large": {"entries-0-track": "9" * 30},
    "position not a number": {"entries-0-position": "first"},
    "negative position": {"entries-0-position": "-3"},
    "management form missing": {"entries-TOTAL_FORMS": OMIT, "entries-INITIAL_FORMS": OMIT},
    "absurd number of entries": {"entries-TOTAL_FORMS": "99999999"},
}
ACTION_FORM = {"action": "add_to_playlist", "_selected_action": ["{track}"], "index": "0", "apply": "1"}

FORMS = {
    "sign up": Form(
        "/accounts/signup/",
        "anonymous",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "face_consent": "on",
        },
        {
            **text_cases("username", "email", "password1", "password2"),
            "email not an address": {"email": "carol"},
            "username with a right-to-left override": {"username": "\u202ecarol"},
        },
    ),
    "log in": Form(
        "/accounts/login/",
        "anonymous",
        {"username": "alice", "password": PASSWORD},
        text_cases("username", "password"),
    ),
    "profile": Form(
        "/accounts/profile/",
        "alice",
        {"email": "alice.new@example.com", "photo_retention": "keep", "mood_strategy": "lift"},
        {
            **text_cases("email", "photo_retention", "mood_strategy"),
            "unknown retention": {"photo_retention": "forever"},
            "unknown strategy": {"mood_strategy": "ignore"},
        },
    ),
    "password change": Form(
        "/accounts/password/change/",
        "alice",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        text_cases("old_password", "new_password1", "new_password2"),
    ),
    "password reset": Form(
        "/accounts/password/reset/", "anonymous", {"email": "alice@example.com"}, text_cases("email")
    ),
    "delete account": Form("/accounts/delete/", "alice", {"password": PASSWORD}, text_cases("password")),
    "rating buttons": Form(
        "/music/ratings/rate/",
        "alice",
        {"track": "{track}", "value": "1"},
        {
            **text_cases("track", "value"),
            "unknown track": {"track": "999999"},
            "track number too large": {"track": "9" * 30},
            "track not a whole number": {"track": "1.5"},
            "value out of range": {"value": "5"},
        },
        refuses_by="redirect",
    ),
    "save this list": Form(
        "/music/playlists/save/",
        "alice",
        {"track": ["{track}", "{other_track}"], "name": "Rainy day"},
        {
            **text_cases("name", required=False),
            "no songs": {"track": OMIT},
            "unknown song": {"track": "999999"},
            "song number too large": {"track": "9" * 30},
            "song not a whole number": {"track": "1.5"},
        },
        refuses_by="redirect",
    ),
    "rename my playlist": Form(
        "/music/playlists/{my_playlist}/rename/", "alice", {"name": "Sunday"}, text_cases("name"), refuses_by="redirect"
    ),
    "move in my playlist": Form(
        "/music/playlists/{my_playlist}/move/",
        "alice",
        {"track": "{track}", "direction": "down"},
        {
            **text_cases("track", "direction"),
            "not in the playlist": {"track": "{other_track}"},
            "song number too large": {"track": "9" * 30},
            "position too large to read": {"direction": OMIT, "position": "9" * 30},
        },
        refuses_by="redirect",
    ),
    "face choice": Form(
        "/detections/{detection}/face/",
        "alice",
        {"face": "1"},
        {
            **text_cases("face"),
            "no such face": {"face": "7"},
            "negative face": {"face": "-1"},
            "face number too long to read": {"face": "9" * 5000},
        },
        refuses_by="redirect",
    ),
    "admin: new playlist": Form("/admin/music/playlist/add/", "staff", PLAYLIST_FORM, PLAYLIST_FORM_CASES),
    "admin: edit playlist": Form(
        "/admin/music/playlist/{playlist}/change/", "staff", PLAYLIST_FORM, PLAYLIST_FORM_CASES
    ),
    "admin: new track": Form(
        "/admin/music/track/add/",
        "staff",
        {"title": "Hand made", "artists": "Band", "album": "", "year": "2001", "mood_override": "sad"},
        {
            **text_cases("title", "artists"),
            "year not a number": {"year": "19x9"},
            "energy out of range": {"energy": "2.5"},
            "unknown mood": {"mood_override": "gloomy"},
            "bad Spotify id": {"spotify_id": "spotify:track:short"},
            "genre not an id": {"genres": ["abc"]},
            "genre id too large": {"genres": ["9" * 30]},
        },
    ),
    "admin: mood mapping": Form(
        "/admin/music/moodmapping/{mapping}/change/",
        "staff",
        {"moods": "calm, happy"},
        {
            **text_cases("moods"),
            "unknown mood": {"moods": "gloomy"},
            "a mood twice": {"moods": "calm, calm"},
        },
    ),
    "admin: add tracks to a playlist": Form(
        "/admin/music/track/",
        "staff",
        {**ACTION_FORM, "new_playlist": "Sunday"},
        {
            **text_cases("new_playlist"),
            "unknown playlist": {"playlist": "999999", "new_playlist": ""},
            "playlist not a number": {"playlist": "abc", "new_playlist": ""},
            "both a playlist and a new one": {"playlist": "{playlist}"},
        },
        takes_raw_bodies=False,
    ),
    "admin: override moods": Form(
        "/admin/music/track/",
        "staff",
        {**ACTION_FORM, "action": "override_mood", "mood": "calm"},
        {**text_cases("mood"), "unknown mood": {"mood": "gloomy"}},
        takes_raw_bodies=False,
    ),
}

FORM_CASES = [(name, case) for name, form in FORMS.items() for case in form.bad]
FORM_RAW_CASES = [
    (name, kind) for name, form in FORMS.items() if form.takes_raw_bodies for kind in corpus.RAW_FORM_BODIES
]


def assert_refused(response, refuses_by: str):
    """The request was refused with a message for the person, not a 500 or a success."""
    assert response.status_code < 500
    if refuses_by == "redirect" and response.status_code == 404:
        return
    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    if refuses_by == "redirect":
        assert response.status_code == 302 and errors, response.status_code
        return
    if response.status_code == 400:
        return
    assert response.status_code == 200, response.status_code
    context = response.context
    form = context.get("form") or getattr(context.get("adminform"), "form", None)
    assert (form is not None and form.errors) or context.get("errors") or errors, "no error shown"


@pytest.mark.parametrize("form_name", FORMS)
def test_the_corpus_starts_from_data_each_form_accepts(client, world, form_name):
    """So that each bad case differs from a success by its one bad value."""
    form = FORMS[form_name]
    response = signed_in(client, world, form.actor).post(filled(form.url, world.ids), filled(form.valid, world.ids))
    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize(("form_name", "case"), FORM_CASES)
def test_a_form_refuses_a_bad_value_and_stores_nothing(client, world, form_name, case):
    form = FORMS[form_name]
    data = with_overrides(filled(form.valid, world.ids), filled(form.bad[case], world.ids))
    signed_in(client, world, form.actor)
    with stores_nothing():
        response = client.post(filled(form.url, world.ids), data)
    assert_refused(response, form.refuses_by)
    assert not mail.outbox


@pytest.mark.parametrize(("form_name", "kind"), FORM_RAW_CASES)
def test_a_form_refuses_a_body_that_is_not_a_form(client, world, form_name, kind):
    form = FORMS[form_name]
    content_type, body = corpus.RAW_FORM_BODIES[kind]
    signed_in(client, world, form.actor)
    with stores_nothing():
        response = client.post(filled(form.url, world.ids), body, content_type=content_type)
    if response.status_code == 400:
        return  # refused before the view: a malformed or oversized body
    assert_refused(response, form.refuses_by)


@pytest.mark.parametrize("page", ["/analyse/", "/webcam/"])
@pytest.mark.parametrize("kind", sorted(corpus.RAW_FORM_BODIES))
def test_the_photo_pages_refuse_a_body_without_a_photo(alice_client, page, kind):
    content_type, body = corpus.RAW_FORM_BODIES[kind]
    with stores_nothing():
        response = alice_client.post(page, body, content_type=content_type)
    assert response.status_code == 400


@pytest.mark.parametrize("kind", sorted(corpus.BAD_TEXT))
def test_the_photo_pages_refuse_text_where_the_photo_belongs(alice_client, kind):
    with stores_nothing():
        response = alice_client.post("/webcam/", {"image": corpus.BAD_TEXT[kind]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["image"]


# --- REST API -------------------------------------------------------------------------


@dataclass
class Endpoint:
    method: str
    url: str
    actor: str
    valid: dict
    bad: dict[str, object]
    content_types: tuple[str, ...] = ("application/json",)


PROFILE = {"email": "alice.new@example.com", "photo_retention": "keep", "mood_strategy": "lift"}
PROFILE_CASES = {
    "email not an address": {"email": "alice"},
    "email a number": {"email": 123},
    "email a list": {"email": ["alice@example.com"]},
    "email huge": {"email": corpus.HUGE + "@example.com"},
    "email with a null byte": {"email": "alice\x00@example.com"},
    "unknown retention": {"photo_retention": "forever"},
    "retention null": {"photo_retention": None},
    "strategy a number": {"mood_strategy": 1},
    "strategy an object": {"mood_strategy": {"value": "lift"}},
}
PLAYLIST = {"name": "Sunday", "mood": "calm", "published": False, "tracks": ["{track}"]}
PLAYLIST_CASES = {
    "name empty": {"name": ""},
    "name huge": {"name": corpus.HUGE},
    "name with a null byte": {"name": "Sun\x00day"},
    "unknown mood": {"mood": "gloomy"},
    "published not a boolean": {"published": "maybe"},
    "tracks not a list": {"tracks": "abc"},
    "track not an id": {"tracks": ["abc"]},
    "unknown track": {"tracks": [999999]},
    "track id too large": {"tracks": [10**30]},
    "a track twice": {"tracks": ["{track}", "{track}"]},
    "tracks an object": {"tracks": {"first": 1}},
    "tracks null": {"tracks": None},
}
SELECT_FACE_CASES = {
    "missing": {"selected_face": OMIT},
    "null": {"selected_face": None},
    "not a number": {"selected_face": "first"},
    "negative": {"selected_face": -1},
    "no such face": {"selected_face": 7},
    "fraction": {"selected_face": 1.5},
    "boolean": {"selected_face": True},
    "list": {"selected_face": [1]},
    "too large": {"selected_face": 10**30},
    "huge string": {"selected_face": corpus.HUGE},
}

ENDPOINTS = {
    "token": Endpoint(
        "post",
        "/api/v1/auth/token/",
        "anonymous",
        {"username": "alice", "password": PASSWORD},
        {
            "missing fields": {"username": OMIT, "password": OMIT},
            "username a list": {"username": ["alice"]},
            "password a number": {"password": 12345},
            "username huge": {"username": corpus.HUGE},
            "username with a null byte": {"username": "ali\x00ce"},
            "wrong password": {"password": "not-the-password"},
        },
    ),
    "my profile (PATCH)": Endpoint("patch", "/api/v1/me/", "alice", PROFILE, PROFILE_CASES),
    "my profile (PUT)": Endpoint("put", "/api/v1/me/", "alice", PROFILE, PROFILE_CASES),
    "photo upload": Endpoint(
        "post",
        "/api/v1/detections/",
        "alice",
        {"source": "upload"},
        {
            "missing photo": {},
            "photo as base64 text": {"image": "aGVsbG8gd29ybGQ="},
            "photo a number": {"image": 1},
            "photo null": {"image": None, "source": "upload"},
            "unknown source": {"image": "x", "source": "satellite"},
        },
        content_types=("application/json", "multipart/form-data"),
    ),
    "face choice": Endpoint(
        "post", "/api/v1/detections/{detection}/select-face/", "alice", {"selected_face": 1}, SELECT_FACE_CASES
    ),
    "rate a track": Endpoint(
        "post",
        "/api/v1/ratings/",
        "alice",
        {"track": "{other_track}", "value": 1},
        {
            "track id too large": {"track": 10**30},
            "track a list": {"track": ["{track}"]},
            "value a word": {"value": "like"},
            "value a fraction": {"value": 0.5},
            "value null": {"value": None},
            "value huge": {"value": corpus.HUGE},
        },
    ),
    "change a rating (PATCH)": Endpoint(
        "patch",
        "/api/v1/ratings/{rating}/",
        "alice",
        {"value": -1},
        {
            "value out of range": {"value": 5},
            "value a word": {"value": "dislike"},
            "value null": {"value": None},
            "another track": {"track": "{other_track}"},
        },
    ),
    "change a rating (PUT)": Endpoint(
        "put",
        "/api/v1/ratings/{rating}/",
        "alice",
        {"track": "{track}", "value": -1},
        {"missing fields": {"track": OMIT, "value": OMIT}, "value a word": {"value": "dislike"}},
    ),
    "new playlist": Endpoint("post", "/api/v1/playlists/", "staff", PLAYLIST, PLAYLIST_CASES),
    "edit a playlist (PATCH)": Endpoint("patch", "/api/v1/playlists/{playlist}/", "staff", PLAYLIST, PLAYLIST_CASES),
    "edit a playlist (PUT)": Endpoint("put", "/api/v1/playlists/{playlist}/", "staff", PLAYLIST, PLAYLIST_CASES),
}


@pytest.fixture
def api(world):
    # A fresh address per test: the anonymous throttle counts by address, and in the
    # production profile its counters outlive the test.
    return APIClient(REMOTE_ADDR=str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24))))


def call(api, world, endpoint: Endpoint, body: bytes, content_type: str):
    if endpoint.actor != "anonymous":
        api.force_authenticate(getattr(world, endpoint.actor))
    url = filled(endpoint.url, world.ids)
    return getattr(api, endpoint.method)(url, body, content_type=content_type)


def assert_api_error(response, status: int):
    assert response.status_code == status, (response.status_code, response.content[:300])
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail


@pytest.mark.parametrize("endpoint_name", [name for name in ENDPOINTS if name != "photo upload"])
def test_the_corpus_starts_from_bodies_each_endpoint_accepts(api, world, endpoint_name):
    """So that each bad case differs from a success by its one bad value (a valid
    photo upload has its own tests; the corpus sends none)."""
    endpoint = ENDPOINTS[endpoint_name]
    response = call(api, world, endpoint, json.dumps(filled(endpoint.valid, world.ids)), "application/json")
    assert response.status_code in (200, 201), response.content[:300]


@pytest.mark.parametrize("endpoint_name", ENDPOINTS)
@pytest.mark.parametrize("kind", corpus.MALFORMED_JSON)
def test_malformed_json_is_a_400(api, world, endpoint_name, kind):
    with stores_nothing():
        response = call(api, world, ENDPOINTS[endpoint_name], corpus.MALFORMED_JSON[kind], "application/json")
    assert_api_error(response, 400)
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("endpoint_name", ENDPOINTS)
@pytest.mark.parametrize("kind", corpus.NOT_AN_OBJECT)
def test_json_that_is_not_an_object_is_a_400(api, world, endpoint_name, kind):
    with stores_nothing():
        response = call(
            api, world, ENDPOINTS[endpoint_name], json.dumps(corpus.NOT_AN_OBJECT[kind]), "application/json"
        )
    assert_api_error(response, 400)


@pytest.mark.parametrize("endpoint_name", ENDPOINTS)
@pytest.mark.parametrize("kind", corpus.WRONG_CONTENT_TYPES)
def test_a_content_type_the_endpoint_does_not_speak_is_a_415(api, world, endpoint_name, kind):
    content_type, body = corpus.WRONG_CONTENT_TYPES[kind]
    with stores_nothing():
        response = call(api, world, ENDPOINTS[endpoint_name], body, content_type)
    assert_api_error(response, 415)


ENDPOINT_CASES = [(name, case) for name, endpoint in ENDPOINTS.items() for case in endpoint.bad]


@pytest.mark.parametrize(("endpoint_name", "case"), ENDPOINT_CASES)
def test_a_bad_value_is_a_400_in_the_error_shape(api, world, endpoint_name, case):
    endpoint = ENDPOINTS[endpoint_name]
    body = with_overrides(filled(endpoint.valid, world.ids), filled(endpoint.bad[case], world.ids))
    with stores_nothing():
        response = call(api, world, endpoint, json.dumps(body), "application/json")
    assert_api_error(response, 400)


def multipart(**fields) -> tuple[bytes, str]:
    boundary = "corpusboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "fields",
    [{}, {"source": "upload"}, {"image": "not a file"}, {"image": corpus.HUGE}, {"image": "x", "source": "satellite"}],
    ids=["empty", "no photo", "photo as a text field", "photo as huge text", "unknown source"],
)
def test_a_multipart_upload_without_a_photo_is_a_400(api, world, fields):
    api.force_authenticate(world.alice)
    body, content_type = multipart(**fields)
    with stores_nothing():
        response = api.post("/api/v1/detections/", body, content_type=content_type)
    assert_api_error(response, 400)


@pytest.mark.parametrize("kind", sorted(corpus.RAW_FORM_BODIES))
def test_a_broken_multipart_upload_is_a_4xx(api, world, kind):
    api.force_authenticate(world.alice)
    content_type, body = corpus.RAW_FORM_BODIES[kind]
    with stores_nothing():
        response = api.post("/api/v1/detections/", body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


# Every URL naming one object, with the user allowed to reach that object.
OBJECT_URLS = [
    ("alice", "get", "/api/v1/detections/{id}/"),
    ("alice", "delete", "/api/v1/detections/{id}/"),
    ("alice", "post", "/api/v1/detections/{id}/rerun/"),
    ("alice", "post", "/api/v1/detections/{id}/select-face/"),
    ("alice", "get", "/api/v1/detections/{id}/recommendations/"),
    ("alice", "get", "/api/v1/ratings/{id}/"),
    ("alice", "patch", "/api/v1/ratings/{id}/"),
    ("alice", "put", "/api/v1/ratings/{id}/"),
    ("alice", "delete", "/api/v1/ratings/{id}/"),
    ("alice", "get", "/api/v1/tracks/{id}/"),
    ("staff", "get", "/api/v1/playlists/{id}/"),
    ("staff", "patch", "/api/v1/playlists/{id}/"),
    ("staff", "put", "/api/v1/playlists/{id}/"),
    ("staff", "delete", "/api/v1/playlists/{id}/"),
    ("alice", "get", "/detections/{id}/"),
    ("alice", "get", "/detections/{id}/photo/"),
    ("alice", "post", "/detections/{id}/delete/"),
    ("alice", "post", "/detections/{id}/rerun/"),
    ("alice", "post", "/detections/{id}/face/"),
]


@pytest.mark.parametrize(("actor", "method", "url"), OBJECT_URLS)
@pytest.mark.parametrize("kind", corpus.BAD_IDS)
def test_an_id_that_names_nothing_is_a_404(client, world, actor, method, url, kind):
    client.force_login(getattr(world, actor))
    body = {"value": 1, "selected_face": 0, "face": "0", "name": "x", "track": world.ids["track"]}
    if method == "get":
        args, kwargs = (), {}
    elif url.startswith("/api/"):
        args, kwargs = (json.dumps(body),), {"content_type": "application/json"}
    else:
        args, kwargs = (body,), {}
    with stores_nothing():
        response = getattr(client, method)(url.format(id=corpus.BAD_IDS[kind]), *args, **kwargs)
    assert response.status_code == 404


# --- WebSockets -----------------------------------------------------------------------


def events_communicator(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/events/")
    communicator.scope["user"] = user
    return communicator


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", corpus.EVENTS_MESSAGES)
async def test_the_event_socket_answers_a_bad_message_with_an_error_and_stays_open(django_user_model, kind):
    text, data = corpus.EVENTS_MESSAGES[kind]
    communicator = events_communicator(django_user_model(pk=4343, username="ws-corpus"))
    connected, _ = await communicator.connect()
    assert connected

    await communicator.send_to(text_data=text, bytes_data=data)
    answer = await communicator.receive_json_from(timeout=5)
    assert answer["event"] == "error" and "ping" in answer["payload"]["message"]

    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"event": "pong"}
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text",
    ["hello", "[" * 100_000, '{"type": "frame", "data": "AAAA"}'],
    ids=["text", "deeply nested", "frame as JSON"],
)
async def test_the_live_socket_answers_text_with_an_error_and_stays_open(django_user_model, text):
    communicator = await connect_live(consenting(django_user_model(pk=4344, username="live-corpus")))
    await communicator.send_to(text_data=text)
    answer = await communicator.receive_json_from(timeout=5)
    assert answer["type"] == "error" and answer["code"] == "bad_message" and answer["seq"] is None

    frame, code = corpus.LIVE_FRAMES_REFUSED["one byte"]
    await communicator.send_to(bytes_data=frame)
    assert (await answer_to(communicator, 1, timeout=5))["code"] == code
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_the_live_socket_refuses_frames_that_are_not_jpeg_one_by_one(django_user_model):
    communicator = await connect_live(consenting(django_user_model(pk=4345, username="live-corpus")))
    for seq, (frame, code) in enumerate(corpus.LIVE_FRAMES_REFUSED.values(), start=1):
        await communicator.send_to(bytes_data=frame)
        answer = await answer_to(communicator, seq, timeout=5)
        assert answer["type"] == "error" and answer["code"] == code and answer["message"]
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("served_model")
async def test_frames_the_worker_cannot_read_are_answered_as_unreadable(celery_worker, django_user_model):
    communicator = await connect_live(consenting(django_user_model(pk=4346, username="live-corpus")))
    for seq, frame in enumerate(corpus.LIVE_FRAMES_UNREADABLE.values(), start=1):
        await communicator.send_to(bytes_data=frame)
        answer = await answer_to(communicator, seq, timeout=TIMEOUT)
        assert answer["type"] == "error" and answer["code"] == "unreadable", answer
    await communicator.disconnect()


@pytest.mark.parametrize("frame_b64", ["not base64!", "AAA", "////", ""])
def test_the_live_task_answers_a_frame_that_is_not_base64_jpeg_as_unreadable(frame_b64):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    live_analysis.answer_frame(frame_b64, {"channel": channel, "seq": 3})
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "live.failed" and message["seq"] == 3 and message["code"] == "unreadable"


# --- CSV imports ----------------------------------------------------------------------


def catalogue_state() -> tuple:
    return Track.objects.count(), Playlist.objects.count(), list(Track.objects.values_list("title", flat=True))


@pytest.mark.parametrize("kind", corpus.CSV_UNUSABLE)
def test_the_import_command_refuses_an_unusable_file_clearly(db, tmp_path, kind):
    content, words = corpus.CSV_UNUSABLE[kind]
    path = tmp_path / "tracks.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=words):
        call_command("import_tracks", str(path), "--no-refit", stdout=io.StringIO(), stderr=io.StringIO())
    assert catalogue_state() == (0, 0, [])
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and words in job.error


@pytest.mark.parametrize("kind", corpus.CSV_UNUSABLE)
def test_the_admin_upload_refuses_an_unusable_file_clearly(client, world, kind):
    content, words = corpus.CSV_UNUSABLE[kind]
    client.force_login(world.staff)
    upload = SimpleUploadedFile("tracks.csv", content, "text/csv")
    with stores_nothing():
        response = client.post("/admin/music/importjob/add/", {"file": upload})
    assert response.status_code == 200
    assert words.lower() in str(response.context["adminform"].form.errors["file"]).lower()


@pytest.mark.parametrize("name", ["tracks.xlsx", "tracks", "tracks.csv.exe"])
def test_the_admin_upload_refuses_a_file_that_is_not_csv_by_name(client, world, name):
    client.force_login(world.staff)
    with stores_nothing():
        response = client.post(
            "/admin/music/importjob/add/", {"file": SimpleUploadedFile(name, b"title,artist\nA,B\n")}
        )
    assert response.status_code == 200 and response.context["adminform"].form.errors["file"]


@pytest.mark.parametrize("encoding", corpus.CSV_ENCODINGS.values(), ids=corpus.CSV_ENCODINGS.keys())
def test_a_file_in_another_encoding_is_read_not_mangled(db, tmp_path, encoding):
    path = tmp_path / "tracks.csv"
    path.write_bytes("title,artist\nDéjà vu,Beyoncé\nHoppípolla,Sigur Rós\n".encode(encoding))
    call_command("import_tracks", str(path), "--no-refit", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(Track.objects.values_list("title", "artists")) == {("Déjà vu", "Beyoncé"), ("Hoppípolla", "Sigur Rós")}


CSV_HEADER = ["title", "artist", "year", "popularity", "duration_ms", "spotify_id", "energy"]
CSV_GOOD_ROW = {"title": "Fine", "artist": "Band", "year": "1999", "popularity": "50", "duration_ms": "200000",
                "spotify_id": "", "energy": "0.5"}  # fmt: skip
CSV_BAD_ROWS = [(column, value, reason) for column, cases in corpus.CSV_BAD_CELLS.items() for value, reason in cases]


@pytest.mark.parametrize(("column", "value", "reason"), CSV_BAD_ROWS)
def test_a_row_with_a_bad_value_is_reported_and_the_rest_imported(db, tmp_path, column, value, reason):
    bad = {**CSV_GOOD_ROW, "title": "Broken", column: value}
    rows = [list(CSV_GOOD_ROW.values()), list(bad.values())]
    path = tmp_path / "tracks.csv"
    path.write_bytes(csv_bytes(CSV_HEADER, rows))
    out = io.StringIO()
    call_command("import_tracks", str(path), "--no-refit", stdout=out, stderr=io.StringIO())
    assert f"skipped 1: {reason}" in out.getvalue()
    assert list(Track.objects.values_list("title", flat=True)) == ["Fine"]


# --- Spotify --------------------------------------------------------------------------

TOKEN_URL = "https://accounts.spotify.com/api/token"
API = "https://api.spotify.com/v1"
PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"


@pytest.mark.parametrize("kind", corpus.BAD_PLAYLIST_REFERENCES)
def test_the_playlist_import_refuses_a_malformed_reference_before_calling_spotify(db, settings, kind):
    settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET = "id", "secret"
    with responses.RequestsMock() as mock:  # any request at all would fail the test
        with pytest.raises(CommandError, match="is not a Spotify playlist URL, URI or id"):
            call_command("import_spotify_playlist", corpus.BAD_PLAYLIST_REFERENCES[kind], "--no-refit")
        assert not mock.calls
    assert catalogue_state() == (0, 0, []) and not ImportJob.objects.exists()


def shaped(status: int = 200, **kwargs) -> dict:
    return {"status": status, **kwargs}


# Spotify's answers to GET /playlists/{id} that the adapter must turn into a SpotifyError.
SPOTIFY_FAILURES = {
    "400 bad request": (shaped(400, json={"error": {"status": 400, "message": "Invalid base62 id"}}), "400"),
    "500 every time": (shaped(500, body="Internal Server Error"), "Spotify"),
    "200 with an HTML page": (shaped(body="<html>maintenance</html>", content_type="text/html"), "Spotify"),
    "200 with a JSON list": (shaped(json=[1, 2, 3]), "Spotify"),
    "200 with items that are not objects": (shaped(json={"name": "X", "items": ["a", 1]}), "Spotify"),
    "connection refused": (shaped(body=requests.ConnectionError("refused")), "Could not reach Spotify"),
}


@pytest.mark.parametrize("kind", SPOTIFY_FAILURES)
def test_a_bad_answer_from_spotify_is_a_clear_error_and_stores_no_tracks(db, kind):
    answer, words = SPOTIFY_FAILURES[kind]
    catalog = SpotifyCatalog("id", "secret", retries=1, sleep=lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        mock.get(f"{API}/playlists/{PLAYLIST_ID}", **answer)
        mock.get(f"{API}/playlists/{PLAYLIST_ID}/items", **answer)
        with pytest.raises(SpotifyError, match=words):
            import_playlist(PLAYLIST_ID, catalog=catalog)
    assert catalogue_state() == (0, 0, [])
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.error
