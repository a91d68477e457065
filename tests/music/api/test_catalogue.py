"""The catalogue API: every signed-in user searches tracks and reads published
playlists; only staff write playlists."""

import pytest
from rest_framework.test import APIClient

from music.models import Playlist
from tests.support.music_factories import GenreFactory, PlaylistFactory, StaffFactory, TrackFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def tracks():
    jazz = GenreFactory(name="Jazz")
    calm = TrackFactory(title="Blue in Green", artists="Miles Davis; Bill Evans", mood="calm", popularity=70)
    calm.genres.add(jazz)
    happy = TrackFactory(title="Happy", artists="Pharrell Williams", mood="happy", popularity=90, year=2013)
    return calm, happy


def test_i_can_search_tracks_by_artist(alice, tracks):
    body = api_for(alice).get("/api/v1/tracks/", {"q": "bill evans"}).json()
    assert [t["title"] for t in body["results"]] == ["Blue in Green"]
    assert body["results"][0]["artists"] == ["Miles Davis", "Bill Evans"]


def test_i_can_filter_tracks_by_mood_genre_and_year(alice, tracks):
    api = api_for(alice)
    assert [t["title"] for t in api.get("/api/v1/tracks/", {"mood": "happy"}).json()["results"]] == ["Happy"]
    assert [t["title"] for t in api.get("/api/v1/tracks/", {"genre": "jazz"}).json()["results"]] == ["Blue in Green"]
    assert [t["title"] for t in api.get("/api/v1/tracks/", {"year_min": 2000}).json()["results"]] == ["Happy"]


def test_an_unknown_mood_filter_is_a_400(alice, tracks):
    response = api_for(alice).get("/api/v1/tracks/", {"mood": "furious"})
    assert response.status_code == 400
    assert "mood" in response.json()["errors"]


def test_listeners_see_only_published_playlists(alice, tracks):
    PlaylistFactory(name="Slow morning", published=True).append(tracks)
    PlaylistFactory(name="Draft", published=False)
    body = api_for(alice).get("/api/v1/playlists/").json()
    assert [p["name"] for p in body["results"]] == ["Slow morning"]
    assert body["results"][0]["tracks"] == [t.pk for t in tracks]


def test_a_listener_cannot_write_playlists(alice, tracks):
    playlist = PlaylistFactory(published=True)
    api = api_for(alice)
    assert api.post("/api/v1/playlists/", {"name": "Mine"}, format="json").status_code == 403
    assert api.patch(f"/api/v1/playlists/{playlist.pk}/", {"name": "X"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 403
    assert Playlist.objects.get().name == playlist.name


def test_a_listener_gets_404_for_an_unpublished_playlist(alice):
    draft = PlaylistFactory(published=False)
    assert api_for(alice).get(f"/api/v1/playlists/{draft.pk}/").status_code == 404


def test_staff_create_and_reorder_a_playlist(tracks):
    staff = api_for(StaffFactory(username="editor", email="editor@example.com"))
    calm, happy = tracks
    created = staff.post(
        "/api/v1/playlists/", {"name": "Slow morning", "mood": "calm", "tracks": [calm.pk, happy.pk]}, format="json"
    )
    assert created.status_code == 201, created.content
    playlist_id = created.json()["id"]
    reordered = staff.patch(f"/api/v1/playlists/{playlist_id}/", {"tracks": [happy.pk, calm.pk]}, format="json")
    assert reordered.json()["tracks"] == [happy.pk, calm.pk]
    assert Playlist.objects.get().created_by.username == "editor"


def test_a_playlist_cannot_list_a_track_twice(tracks):
    staff = api_for(StaffFactory(username="editor", email="editor@example.com"))
    calm, _ = tracks
    response = staff.post("/api/v1/playlists/", {"name": "Twice", "tracks": [calm.pk, calm.pk]}, format="json")
    assert response.status_code == 400
    assert "tracks" in response.json()["errors"]
