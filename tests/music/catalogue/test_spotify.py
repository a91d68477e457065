"""The Spotify adapter and playlist import, against Spotify's Web API mocked at the
HTTP boundary with responses of the real shape: nothing here touches the network."""

import io
import re

import pytest
import responses
from django.core.management import CommandError, call_command
from responses import matchers

from music.catalogue.spotify import (
    SpotifyAuthError,
    SpotifyCatalog,
    SpotifyForbidden,
    SpotifyNotConfigured,
    SpotifyNotFound,
    SpotifyRateLimited,
    playlist_id,
)
from music.models import ImportJob, Playlist, Track
from music.services.mood_model import refit
from music.services.spotify_import import import_playlist
from tests.support.music_factories import MOOD_FEATURES, featured_track, spotify_id

TOKEN_URL = "https://accounts.spotify.com/api/token"
API = "https://api.spotify.com/v1"
PLAYLIST = "37i9dQZF1DXcBWIGoYBM5M"


def artist_object(name: str, n: int) -> dict:
    aid = spotify_id(1000 + n)
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{aid}"},
        "href": f"{API}/artists/{aid}",
        "id": aid,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{aid}",
    }


def track_object(n: int, title: str, artists: list[str], release_date: str = "1975-10-31") -> dict:
    tid = spotify_id(n)
    album_id = spotify_id(500 + n)
    return {
        "album": {
            "album_type": "album",
            "artists": [artist_object(a, i) for i, a in enumerate(artists)],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
            "href": f"{API}/albums/{album_id}",
            "id": album_id,
            "images": [{"url": "https://i.scdn.co/image/ab67616d0000b273", "height": 640, "width": 640}],
            "name": f"{title} (album)",
            "release_date": release_date,
            "release_date_precision": "day" if len(release_date) == 10 else "year",
            "total_tracks": 12,
            "type": "album",
            "uri": f"spotify:album:{album_id}",
        },
        "artists": [artist_object(a, i) for i, a in enumerate(artists)],
        "disc_number": 1,
        "duration_ms": 354320,
        "explicit": False,
        "external_ids": {"isrc": "GBUM71029604"},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{tid}"},
        "href": f"{API}/tracks/{tid}",
        "id": tid,
        "is_local": False,
        "name": title,
        "preview_url": None,
        "track_number": 11,
        "type": "track",
        "uri": f"spotify:track:{tid}",
    }


def playlist_entry(track: dict, *, legacy: bool = False, local: bool = False) -> dict:
    """An entry of /playlists/{id}/items: the track under ``item`` (and, during the
    deprecation window, also under ``track``)."""
    entry = {
        "added_at": "2026-03-01T10:00:00Z",
        "added_by": {"id": "editor", "type": "user", "uri": "spotify:user:editor"},
        "is_local": local,
        "item": track,
    }
    if legacy:
        entry["track"] = track
    return entry


def page(entries: list[dict], offset: int, total: int, more: bool) -> dict:
    base = f"{API}/playlists/{PLAYLIST}/items"
    return {
        "href": f"{base}?offset={offset}&limit=50",
        "items": entries,
        "limit": 50,
        "next": f"{base}?offset={offset + 50}&limit=50" if more else None,
        "offset": offset,
        "previous": None,
        "total": total,
    }


def features_object(track: dict, mood: str) -> dict:
    return {
        **MOOD_FEATURES[mood],
        "key": 5,
        "mode": 1,
        "time_signature": 4,
        "type": "audio_features",
        "id": track["id"],
        "uri": track["uri"],
        "track_href": track["href"],
        "analysis_url": f"{API}/audio-analysis/{track['id']}",
        "duration_ms": track["duration_ms"],
    }


def error(status: int, message: str) -> dict:
    return {"error": {"status": status, "message": message}}


@pytest.fixture
def spotify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
        yield mock


@pytest.fixture
def naps():
    return []


@pytest.fixture
def catalog(naps):
    return SpotifyCatalog("client-id", "client-secret", sleep=naps.append)


def mock_playlist(spotify, tracks: list[dict], features: dict | None):
    spotify.get(
        f"{API}/playlists/{PLAYLIST}",
        json={"id": PLAYLIST, "name": "Rainy day", "description": "Songs for grey skies"},
    )
    entries = [playlist_entry(t, legacy=i % 2 == 0) for i, t in enumerate(tracks)]
    entries.insert(1, playlist_entry({"id": None, "name": "home demo.mp3", "type": "track", "artists": []}, local=True))
    first, rest = entries[:50], entries[50:]
    spotify.get(
        f"{API}/playlists/{PLAYLIST}/items",
        json=page(first, 0, len(entries), more=bool(rest)),
        match=[matchers.query_param_matcher({"offset": "0"}, strict_match=False)],
    )
    if rest:
        spotify.get(
            f"{API}/playlists/{PLAYLIST}/items",
            json=page(rest, 50, len(entries), more=False),
            match=[matchers.query_param_matcher({"offset": "50"}, strict_match=False)],
        )
    url = re.compile(rf"{API}/audio-features/?.*")
    if features is None:
        spotify.get(url, status=403, json=error(403, "Forbidden"))
    else:
        spotify.get(url, json={"audio_features": [features_object(t, features[t["id"]]) for t in tracks]})


def test_a_playlist_url_uri_or_id_is_understood():
    for value in (
        f"https://open.spotify.com/playlist/{PLAYLIST}?si=abc123",
        f"https://open.spotify.com/intl-de/playlist/{PLAYLIST}",
        f"spotify:playlist:{PLAYLIST}",
        PLAYLIST,
    ):
        assert playlist_id(value) == PLAYLIST
    with pytest.raises(ValueError, match="not a Spotify playlist"):
        playlist_id("https://example.com/playlist/1")


def test_a_playlist_is_read_page_by_page_through_the_items_endpoint(spotify, catalog):
    tracks = [track_object(i, f"Song {i}", [f"Artist {i % 4}"]) for i in range(60)]
    mock_playlist(spotify, tracks, {t["id"]: "happy" for t in tracks})
    playlist = catalog.playlist(f"https://open.spotify.com/playlist/{PLAYLIST}")

    assert playlist.name == "Rainy day" and len(playlist.tracks) == 60 and playlist.skipped == 1
    assert [t.title for t in playlist.tracks[:2]] == ["Song 0", "Song 1"]
    assert playlist.tracks[0].year == 1975 and playlist.tracks[0].features["energy"] == MOOD_FEATURES["happy"]["energy"]
    assert catalog.features_granted is True
    paths = [call.request.url.split("?")[0] for call in spotify.calls]
    assert paths.count(f"{API}/playlists/{PLAYLIST}/items") == 2
    assert not any(p.endswith("/tracks") for p in paths)


def test_without_audio_features_granted_tracks_come_without_features(spotify, catalog):
    tracks = [track_object(1, "Quiet", ["Pianist"])]
    mock_playlist(spotify, tracks, None)
    playlist = catalog.playlist(PLAYLIST)
    assert playlist.tracks[0].features == {} and catalog.features_granted is False


def test_search_asks_for_at_most_ten_results(spotify, catalog):
    spotify.get(
        f"{API}/search",
        json={
            "tracks": {
                "href": f"{API}/search",
                "items": [track_object(1, "Hello", ["Adele"])],
                "limit": 10,
                "next": None,
                "offset": 0,
                "previous": None,
                "total": 1,
            }
        },
        match=[matchers.query_param_matcher({"q": "hello", "limit": "10", "type": "track"}, strict_match=False)],
    )
    (found,) = catalog.search("hello", limit=50)
    assert (found.title, found.artists) == ("Hello", ["Adele"])


def test_bad_credentials_are_reported_clearly():
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, status=400, json={"error": "invalid_client", "error_description": "Invalid client"})
        with pytest.raises(SpotifyAuthError, match="check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"):
            SpotifyCatalog("wrong", "wrong").search("x")


def test_a_rejected_token_is_renewed_once(spotify, catalog):
    results = {"tracks": {"items": [], "limit": 10, "next": None, "offset": 0, "previous": None, "total": 0}}
    spotify.get(f"{API}/search", status=401, json=error(401, "The access token expired"))
    spotify.get(f"{API}/search", json=results)
    assert catalog.search("x") == []
    assert len([c for c in spotify.calls if c.request.url.startswith(TOKEN_URL)]) == 2


def test_a_token_rejected_twice_is_an_auth_error(spotify, catalog):
    spotify.get(f"{API}/search", status=401, json=error(401, "Invalid access token"))
    with pytest.raises(SpotifyAuthError, match="rejected the app's access token"):
        catalog.search("x")


def test_a_missing_playlist_is_reported_clearly(spotify, catalog):
    spotify.get(f"{API}/playlists/{PLAYLIST}", status=404, json=error(404, "Resource not found"))
    with pytest.raises(SpotifyNotFound, match=f"no playlist {PLAYLIST}, or it is private"):
        catalog.playlist(PLAYLIST)


def test_a_forbidden_playlist_explains_spotifys_restrictions(spotify, catalog):
    spotify.get(f"{API}/playlists/{PLAYLIST}", json={"id": PLAYLIST, "name": "Not mine", "description": ""})
    spotify.get(f"{API}/playlists/{PLAYLIST}/items", status=403, json=error(403, "Forbidden"))
    with pytest.raises(SpotifyForbidden, match="owner owns or collaborates on"):
        catalog.playlist(PLAYLIST)


def test_rate_limits_are_waited_out_as_spotify_asks(spotify, catalog, naps):
    results = {"tracks": {"items": [], "limit": 10, "next": None, "offset": 0, "previous": None, "total": 0}}
    spotify.get(f"{API}/search", status=429, json=error(429, "API rate limit exceeded"), headers={"Retry-After": "2"})
    spotify.get(f"{API}/search", status=429, json=error(429, "API rate limit exceeded"), headers={"Retry-After": "3"})
    spotify.get(f"{API}/search", json=results)
    assert catalog.search("x") == []
    assert naps == [2, 3]


def test_a_long_rate_limit_is_reported_not_slept_through(spotify, catalog, naps):
    spotify.get(
        f"{API}/search", status=429, json=error(429, "API rate limit exceeded"), headers={"Retry-After": "3600"}
    )
    with pytest.raises(SpotifyRateLimited, match="try again in 3600 s") as caught:
        catalog.search("x")
    assert caught.value.retry_after == 3600 and naps == []


def test_server_errors_are_retried(spotify, catalog):
    results = {"tracks": {"items": [], "limit": 10, "next": None, "offset": 0, "previous": None, "total": 0}}
    spotify.get(f"{API}/search", status=503, body="Service Unavailable")
    spotify.get(f"{API}/search", json=results)
    assert catalog.search("x") == []


def test_missing_credentials_are_reported_before_any_request():
    with pytest.raises(SpotifyNotConfigured, match="SPOTIFY_CLIENT_ID"):
        SpotifyCatalog(None, "")


@pytest.mark.django_db
def test_importing_a_playlist_stores_tracks_and_a_curated_playlist_in_order(spotify, catalog):
    tracks = [track_object(i, f"Song {i}", ["Queen", "David Bowie"] if i == 0 else [f"Artist {i}"]) for i in range(3)]
    mock_playlist(spotify, tracks, {tracks[0]["id"]: "energetic", tracks[1]["id"]: "calm", tracks[2]["id"]: "sad"})
    result = import_playlist(PLAYLIST, catalog=catalog)

    assert result.job.summary["created"] == 3 and result.job.kind == "spotify" and result.job.status == "succeeded"
    playlist = Playlist.objects.get(spotify_id=PLAYLIST)
    assert playlist.name == "Rainy day" and not playlist.published
    assert [e.track.title for e in playlist.entries.all()] == ["Song 0", "Song 1", "Song 2"]
    first = Track.objects.get(spotify_id=tracks[0]["id"])
    assert first.artists == "Queen; David Bowie" and first.has_features and first.mood == "energetic"

    import_playlist(PLAYLIST, catalog=catalog)
    assert Track.objects.count() == 3 and playlist.entries.count() == 3


@pytest.mark.django_db
def test_featureless_tracks_take_the_playlists_mood_or_their_artists(spotify, catalog):
    featured_track("calm", artists="Pianist", title="Nocturne")
    refit()
    tracks = [track_object(1, "Etude", ["Pianist"]), track_object(2, "Unknown", ["Stranger"])]
    mock_playlist(spotify, tracks, None)
    import_playlist(PLAYLIST, catalog=catalog)
    etude, unknown = Track.objects.get(title="Etude"), Track.objects.get(title="Unknown")
    assert (etude.mood, etude.mood_source) == ("calm", "artist")
    assert unknown.mood == ""

    import_playlist(PLAYLIST, mood="happy", catalog=catalog)
    unknown.refresh_from_db()
    etude.refresh_from_db()
    assert (unknown.mood, unknown.mood_source) == ("happy", "playlist")
    assert (etude.mood, etude.mood_source) == ("happy", "playlist")


@pytest.mark.django_db
def test_the_import_command_reports_spotifys_errors(settings):
    settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET = None, None
    with pytest.raises(CommandError, match="Spotify is not configured"):
        call_command("import_spotify_playlist", PLAYLIST)
    settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET = "id", "secret"
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        mock.get(f"{API}/playlists/{PLAYLIST}", status=404, json=error(404, "Resource not found"))
        with pytest.raises(CommandError, match="or it is private"):
            call_command("import_spotify_playlist", PLAYLIST)
    assert list(ImportJob.objects.values_list("kind", "status")) == [("spotify", "failed")] * 2


@pytest.mark.django_db
def test_the_import_command_imports_publishes_and_explains_missing_features(settings):
    settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET = "id", "secret"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        mock_playlist(mock, [track_object(1, "Etude", ["Pianist"])], None)
        out = io.StringIO()
        call_command(
            "import_spotify_playlist", f"spotify:playlist:{PLAYLIST}", "--mood", "calm", "--publish", stdout=out
        )
    text = out.getvalue()
    assert "1 created" in text and "Playlist “Rainy day”: 1 tracks, published" in text
    assert "Left out 1 local files" in text and "gave no audio features" in text
    assert Track.objects.get().mood == "calm"
