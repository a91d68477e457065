"""The background job that gives unlinked tracks a Spotify id, against Spotify's Web
API mocked at the HTTP boundary: a link only when title, main artist and duration
agree, rate limits waited out or ending the run, and a stopped run finished by the next
one without searching any track twice."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.core.management import CommandError, call_command
from django.utils import timezone

from music.catalogue.spotify import SpotifyCatalog
from music.models import SpotifyLinkRun, Track
from music.services.spotify_linking import run_linking, start_run
from tests.music.catalogue.test_spotify import API, TOKEN_URL, error, track_object
from tests.support.music_factories import StaffFactory, TrackFactory, spotify_id

pytestmark = pytest.mark.django_db
SEARCH = f"{API}/search"


def found(*tracks: dict) -> dict:
    return {"tracks": {"items": list(tracks), "limit": 10, "next": None, "offset": 0, "previous": None, "total": 9}}


def result(n: int, title: str, artist: str, duration_ms: int) -> dict:
    return {**track_object(n, title, [artist]), "duration_ms": duration_ms}


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


def searches(spotify) -> list[dict]:
    return [
        {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}
        for call in spotify.calls
        if call.request.url.startswith(SEARCH)
    ]


def test_a_result_whose_title_artist_and_duration_agree_is_linked(spotify, catalog):
    track = TrackFactory(title="Bohemian Rhapsody", artists="Queen", duration_ms=354_000)
    spotify.get(
        SEARCH,
        json=found(
            result(1, "Bohemian Rhapsody", "Panic! At The Disco", 354_000),  # a cover
            result(2, "Bohemian Rhapsody - Remastered 2011", "Queen", 355_500),
        ),
    )

    run = run_linking(start_run(), catalog)

    track.refresh_from_db()
    assert track.spotify_id == spotify_id(2) and track.spotify_checked_at is not None
    assert (run.status, run.searched, run.linked, run.remaining) == ("succeeded", 1, 1, 0)
    (query,) = searches(spotify)
    assert query["q"] == 'track:"Bohemian Rhapsody" artist:"Queen"'
    assert (query["limit"], query["type"]) == ("10", "track")


@pytest.mark.parametrize(
    "candidate",
    [
        result(3, "Bohemian Rhapsody - Live Aid", "Queen", 354_000),  # another title
        result(3, "Bohemian Rhapsody", "Queen", 300_000),  # an edit: the duration is off
        result(3, "Bohemian Rhapsody", "Queen", 357_500),  # just outside the tolerance
    ],
)
def test_a_near_miss_is_not_linked(spotify, catalog, candidate):
    track = TrackFactory(title="Bohemian Rhapsody", artists="Queen", duration_ms=354_000)
    spotify.get(SEARCH, json=found(candidate))

    run = run_linking(start_run(), catalog)

    track.refresh_from_db()
    assert track.spotify_id is None and track.spotify_checked_at is not None
    assert (run.searched, run.linked) == (1, 0)


def test_a_track_without_a_duration_is_never_linked(spotify, catalog):
    track = TrackFactory(title="Song", artists="Band", duration_ms=None)
    spotify.get(SEARCH, json=found(result(4, "Song", "Band", 200_000)))

    run_linking(start_run(), catalog)

    track.refresh_from_db()
    assert track.spotify_id is None


def test_an_id_another_track_already_has_is_not_linked_twice(spotify, catalog):
    TrackFactory(title="Song", artists="Band", spotify_id=spotify_id(5))
    copy = TrackFactory(title="Song", artists="Band", duration_ms=200_000)
    spotify.get(SEARCH, json=found(result(5, "Song", "Band", 200_000)))

    run = run_linking(start_run(), catalog)

    copy.refresh_from_db()
    assert copy.spotify_id is None and copy.spotify_checked_at is not None and run.status == "succeeded"


def test_a_short_rate_limit_is_waited_out(spotify, catalog, naps):
    track = TrackFactory(title="Song", artists="Band", duration_ms=200_000)
    spotify.get(SEARCH, status=429, json=error(429, "API rate limit exceeded"), headers={"Retry-After": "2"})
    spotify.get(SEARCH, json=found(result(6, "Song", "Band", 200_000)))

    run = run_linking(start_run(), catalog)

    assert naps == [2] and run.status == "succeeded"
    track.refresh_from_db()
    assert track.spotify_id == spotify_id(6)


def test_a_server_error_is_retried(spotify, catalog):
    track = TrackFactory(title="Song", artists="Band", duration_ms=200_000)
    spotify.get(SEARCH, status=502, body="Bad Gateway")
    spotify.get(SEARCH, json=found(result(7, "Song", "Band", 200_000)))

    run_linking(start_run(), catalog)

    track.refresh_from_db()
    assert track.spotify_id == spotify_id(7)


def test_a_long_rate_limit_ends_the_run_and_the_next_run_carries_on(spotify, catalog, naps):
    first = TrackFactory(title="First", artists="Band", duration_ms=200_000)
    second = TrackFactory(title="Second", artists="Band", duration_ms=210_000)
    third = TrackFactory(title="Third", artists="Band", duration_ms=220_000)
    spotify.get(SEARCH, json=found(result(8, "First", "Band", 200_000)))
    spotify.get(SEARCH, status=429, json=error(429, "API rate limit exceeded"), headers={"Retry-After": "3600"})

    stopped = run_linking(start_run(), catalog)

    assert (stopped.status, stopped.retry_after, stopped.searched, stopped.linked) == ("waiting", 3600, 1, 1)
    assert stopped.remaining == 2 and naps == []
    assert "try again in 3600 s" in stopped.error

    spotify.calls.reset()
    spotify.replace(responses.GET, SEARCH, json=found(result(9, "Second", "Band", 210_000)))
    spotify.add(responses.GET, SEARCH, json=found(result(10, "Third", "Band", 999_000)))
    resumed = run_linking(stopped, catalog)  # the task runs the same run again after the wait

    assert (resumed.status, resumed.searched, resumed.linked, resumed.remaining) == ("succeeded", 3, 2, 0)
    assert [q["q"] for q in searches(spotify)] == ['track:"Second" artist:"Band"', 'track:"Third" artist:"Band"']
    assert [Track.objects.get(pk=t.pk).spotify_id for t in (first, second, third)] == [
        spotify_id(8),
        spotify_id(9),
        None,
    ]


def test_a_run_can_be_limited_and_the_next_starts_where_it_stopped(spotify, catalog):
    tracks = [TrackFactory(title=f"Song {n}", artists="Band", duration_ms=200_000) for n in range(3)]
    spotify.get(SEARCH, json=found())

    assert run_linking(start_run(limit=2), catalog).searched == 2
    assert run_linking(start_run(), catalog).searched == 1
    assert [q["q"] for q in searches(spotify)] == [f'track:"{t.title}" artist:"Band"' for t in tracks]


def test_only_one_run_at_a_time_unless_the_other_has_died():
    run = start_run()
    with pytest.raises(CommandError, match="already under way"):
        call_command("link_spotify_ids", stdout=io.StringIO())
    SpotifyLinkRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=2))
    assert start_run().pk != run.pk


def test_the_command_without_credentials_says_what_to_set(settings):
    settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = None
    TrackFactory(duration_ms=200_000)
    with pytest.raises(CommandError, match="SPOTIFY_CLIENT_ID"):
        call_command("link_spotify_ids", stdout=io.StringIO())
    assert SpotifyLinkRun.objects.get().status == "failed"


def test_the_command_links_and_reports(spotify, settings):
    settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET = "client-id", "client-secret"
    TrackFactory(title="Song", artists="Band", duration_ms=200_000)
    spotify.get(SEARCH, json=found(result(11, "Song", "Band", 200_000)))
    out = io.StringIO()
    call_command("link_spotify_ids", stdout=out)
    assert "Searched 1 tracks, linked 1; 0 still without an id" in out.getvalue()


def test_staff_queue_a_run_from_the_admin_once_at_a_time(client, alice):
    client.force_login(StaffFactory())
    assert client.post("/admin/music/spotifylinkrun/add/", {"limit": ""}).status_code == 302
    assert SpotifyLinkRun.objects.get().status == "queued"

    again = client.post("/admin/music/spotifylinkrun/add/", {"limit": ""})
    assert again.status_code == 200 and "already under way" in again.content.decode()
    assert SpotifyLinkRun.objects.count() == 1

    client.force_login(alice)
    assert client.post("/admin/music/spotifylinkrun/add/", {"limit": ""}).status_code == 302
    assert SpotifyLinkRun.objects.count() == 1
