"""Listening in the page: a track with a Spotify id gets a Play button for the shared
player module (the embed frame is made only when it is pressed, and the policy allows
that one frame origin); a track without one gets search links that say they are searches."""

import re

import pytest
from django.urls import reverse

from music.models import Rating
from tests.support.music_factories import TrackFactory, spotify_id
from tests.system.test_headers import policy

pytestmark = pytest.mark.django_db


def test_the_policy_allows_frames_from_spotifys_player_only(client):
    assert policy(client.get("/"))["frame-src"] == "https://open.spotify.com"


def test_every_page_loads_the_player_module(client):
    html = client.get("/").content.decode()
    assert re.search(r'<script type="module" src="/static/js/music/player\.js', html)


def test_a_linked_track_has_a_play_button_and_no_frame_until_it_is_pressed(alice_client, alice):
    track = TrackFactory(title="Dance Monkey", artists="Tones and I", spotify_id=spotify_id(5), duration_ms=209755)
    Rating.objects.create(user=alice, track=track, value=1)

    html = alice_client.get(reverse("music:ratings")).content.decode()

    assert f'data-play data-spotify-id="{spotify_id(5)}" data-track-title="Dance Monkey"' in html
    assert '<span class="visually-hidden">Length </span>3:30' in html
    assert "<iframe" not in html and "open.spotify.com/embed" not in html
    assert "Not playable here" not in html


def test_a_track_without_an_id_offers_labelled_searches_on_spotify_and_youtube(alice_client, alice):
    Rating.objects.create(user=alice, track=TrackFactory(title="Rock & Roll", artists="Led Zeppelin"), value=1)

    html = alice_client.get(reverse("music:ratings")).content.decode()

    assert "data-play" not in html
    assert "Not playable here · find it on" in html
    assert 'href="https://open.spotify.com/search/Rock%20%26%20Roll%20Led%20Zeppelin"' in html
    assert 'href="https://www.youtube.com/results?search_query=Rock%20%26%20Roll+Led%20Zeppelin"' in html


@pytest.mark.parametrize(("ms", "text"), [(None, ""), (59_500, "1:00"), (187_000, "3:07"), (3_753_000, "1:02:33")])
def test_a_duration_reads_as_a_player_shows_it(ms, text):
    assert TrackFactory.build(duration_ms=ms).duration_text == text


def test_the_landing_page_plays_a_real_song_or_shows_no_player(client):
    assert "data-play" not in client.get("/").content.decode()
    TrackFactory(title="Unlinked", popularity=99, mood="happy")
    TrackFactory(title="Less popular", popularity=10, mood="happy", spotify_id=spotify_id(1))
    TrackFactory(title="Popular", popularity=80, mood="happy", spotify_id=spotify_id(2))

    html = client.get("/").content.decode()

    assert f'data-spotify-id="{spotify_id(2)}" data-track-title="Popular"' in html
    assert html.count("data-play ") == 1
