"""Discover beyond the ranked picks: search by title or artist, filters by genre,
decade, energy and tempo (within the chosen feeling's moods), pages of songs, more
pages of picks, the strategy switch, and "Save this list"."""

import re
from html import unescape

import pytest
from django.urls import reverse

from music.models import Genre
from tests.support.music_factories import TrackFactory
from tests.support.recommend import catalogue_in_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]
URL = reverse("music:discover")


def titles(response) -> list[str]:
    return re.findall(r'<p class="rec-title"><strong>(.*?)</strong>', unescape(response.content.decode()))


@pytest.fixture
def songs(db):
    rock, jazz = Genre.objects.create(name="Rock"), Genre.objects.create(name="Jazz")
    rows = [  # title, artist, year, energy, tempo, mood, popularity
        ("Thunder Road", "Bruce Springsteen", 1975, 0.8, 146, "energetic", 80),
        ("So What", "Miles Davis", 1959, 0.2, 136, "calm", 70),
        ("Blue in Green", "Miles Davis", 1959, 0.1, 60, "sad", 60),
        ("Dancing in the Dark", "Bruce Springsteen", 1984, 0.6, 149, "happy", 90),
        ("Road to Nowhere", "Talking Heads", 1985, 0.75, 110, "happy", 50),
    ]
    made = [
        TrackFactory(title=t, artists=a, year=y, energy=e, tempo=bpm, mood=m, popularity=p)
        for t, a, y, e, bpm, m, p in rows
    ]
    for track in made:
        track.genres.add(jazz if track.artists == "Miles Davis" else rock)
    return made


def test_search_finds_titles_and_artists_most_popular_first(alice_client, songs):
    assert titles(alice_client.get(URL, {"q": "road"})) == ["Thunder Road", "Road to Nowhere"]
    assert titles(alice_client.get(URL, {"q": "miles"})) == ["So What", "Blue in Green"]
    assert titles(alice_client.get(URL, {"q": "davis green"})) == ["Blue in Green"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"genre": "Jazz"}, ["So What", "Blue in Green"]),
        ({"genre": "Rock", "decade": "1980"}, ["Dancing in the Dark", "Road to Nowhere"]),
        ({"decade": "before-1960"}, ["So What", "Blue in Green"]),
        ({"energy": "high"}, ["Thunder Road", "Road to Nowhere"]),
        ({"energy": "low", "tempo": "slow"}, ["Blue in Green"]),
        ({"tempo": "medium"}, ["Road to Nowhere"]),
    ],
)
def test_filters_narrow_the_catalogue(alice_client, songs, query, expected):
    assert titles(alice_client.get(URL, query)) == expected


def test_filters_apply_within_the_moods_of_the_chosen_feeling(alice_client, songs):
    # Match for happiness is happy then energetic music; lifting sadness is calm then happy.
    assert titles(alice_client.get(URL, {"emotion": "happy", "strategy": "match", "genre": "Rock"})) == [
        "Dancing in the Dark",
        "Thunder Road",
        "Road to Nowhere",
    ]
    assert titles(alice_client.get(URL, {"emotion": "sad", "strategy": "lift", "genre": "Jazz"})) == ["So What"]
    assert titles(alice_client.get(URL, {"mood": "sad", "q": "miles"})) == ["Blue in Green"]


@pytest.mark.parametrize("query", [{"genre": "Polka"}, {"decade": "1930"}, {"energy": "max"}, {"q": "x" * 101}])
def test_a_filter_outside_the_lists_is_a_clear_400(alice_client, songs, query):
    response = alice_client.get(URL, query)
    assert response.status_code == 400 and "Choose the filters from the lists shown." in response.content.decode()


def test_no_match_says_so(alice_client, songs):
    response = alice_client.get(URL, {"q": "zzz"})
    assert response.status_code == 200 and "No songs match" in response.content.decode()


def test_songs_come_twenty_a_page_with_a_link_to_more(alice_client, db):
    for n in range(45):
        TrackFactory(title=f"Road {n:02}", popularity=100 - n)
    first = alice_client.get(URL, {"q": "road"})
    assert titles(first) == [f"Road {n:02}" for n in range(20)]
    html = unescape(first.content.decode())
    assert "45 songs" in html and 'href="?q=road&page=2" rel="next">More songs' in html
    last = alice_client.get(URL, {"q": "road", "page": "3"})
    assert titles(last) == [f"Road {n:02}" for n in range(40, 45)] and "More songs" not in last.content.decode()
    assert titles(alice_client.get(URL, {"q": "road", "page": "nope"})) == titles(first)


def test_more_picks_continue_the_same_ranked_list(alice_client, db):
    catalogue_in_db(per_mood=30, artists=25)
    first = alice_client.get(URL, {"mood": "happy", "seed": 7})
    more = re.search(r'href="([^"]*page=2[^"]*)" rel="next">More picks', unescape(first.content.decode()))
    assert more and "seed=7" in more.group(1)
    second = alice_client.get(more.group(1))

    whole = alice_client.get(URL, {"mood": "happy", "seed": 7, "page": 2})
    assert len(titles(first)) == len(titles(second)) == 10
    assert not set(titles(first)) & set(titles(second))
    assert titles(second) == titles(whole)
    top_twenty = alice_client.get(URL, {"mood": "happy", "seed": 7, "n": 20}, HTTP_ACCEPT="application/json")
    assert [i["track"]["title"] for i in top_twenty.json()["results"]] == titles(first)


def test_the_strategy_switch_has_a_button_without_javascript_once_an_emotion_is_chosen(alice_client, songs):
    assert "data-strategy-apply" not in alice_client.get(URL).content.decode()
    html = alice_client.get(URL, {"emotion": "angry", "strategy": "match"}).content.decode()
    assert 'data-chosen-emotion="angry"' in html
    assert 'name="emotion" value="angry" data-strategy-apply' in html


def test_a_list_can_be_saved_as_shown(alice_client, songs):
    html = alice_client.get(URL, {"q": "road"}).content.decode()
    form = re.search(r'<form class="save-list".*?</form>', html, re.S).group(0)
    assert re.findall(r'name="track" value="(\d+)"', form) == [str(songs[0].pk), str(songs[4].pk)]
