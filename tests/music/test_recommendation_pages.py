"""The Discover and My ratings pages and rating without JavaScript (the result page's
stored list: test_shown_list_pages.py)."""

from html import unescape

import pytest
from django.urls import reverse

from music.models import Rating, RecommendationLog
from music.services.ratings import rate
from tests.support.recommend import catalogue_in_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]


@pytest.fixture
def catalogue(db):
    return catalogue_in_db()


@pytest.mark.parametrize("name", ["music:discover", "music:ratings"])
def test_the_pages_need_a_signed_in_listener(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_discover_offers_every_emotion_and_mood(alice_client):
    html = alice_client.get(reverse("music:discover")).content.decode()

    for value in ["happy", "sad", "angry", "fear", "disgust", "surprise", "neutral"]:
        assert f'name="emotion" value="{value}"' in html
    for value in ["happy", "energetic", "calm", "sad"]:
        assert f'name="mood" value="{value}"' in html
    assert 'name="strategy" value="match" checked' in html
    assert "data-recommendations" not in html


def test_discover_lists_music_for_a_chosen_emotion_and_logs_it(alice_client, alice, catalogue):
    response = alice_client.get(reverse("music:discover"), {"emotion": "sad", "strategy": "lift"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Music for feeling sad" in html
    recs = response.context["recs"]
    assert recs.moods == ["calm", "happy"] and len(recs.items) == 10
    for item in recs.items:
        assert item.track.title in unescape(html)
    log = RecommendationLog.objects.get()
    assert (log.user, log.surface, log.emotion, log.strategy) == (alice, "discover", "sad", "lift")
    # A rating made without JavaScript comes back to the same list.
    assert f"seed={recs.seed}" in html


def test_discover_gives_the_list_alone_as_html_for_the_pages_script(alice_client, catalogue):
    whole = alice_client.get(reverse("music:discover"), {"emotion": "surprise", "seed": 7})
    fragment = alice_client.get(reverse("music:discover"), {"emotion": "surprise", "seed": 7, "fragment": "list"})

    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert 'data-rec-body data-seed="7"' in html and "For feeling surprised, matching your mood" in html
    titles = [item.track.title for item in whole.context["recs"].items]
    assert [item.track.title for item in fragment.context["recs"].items] == titles


def test_discover_lists_music_for_a_chosen_mood(alice_client, catalogue):
    response = alice_client.get(reverse("music:discover"), {"mood": "calm"})

    assert "Calm music" in response.content.decode()
    assert {item.track.mood for item in response.context["recs"].items} == {"calm"}


def test_discover_answers_json_to_the_pages_script(alice_client, catalogue):
    response = alice_client.get(
        reverse("music:discover"), {"emotion": "happy", "seed": 5}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    assert response.json()["seed"] == 5 and len(response.json()["results"]) == 10


@pytest.mark.parametrize("query", [{"emotion": "bored"}, {"mood": "gloomy"}, {"emotion": "sad", "mood": "calm"}])
def test_discover_refuses_unknown_choices(alice_client, query):
    page = alice_client.get(reverse("music:discover"), query)
    data = alice_client.get(reverse("music:discover"), query, HTTP_ACCEPT="application/json")

    assert page.status_code == 400 and "Choose one of the emotions or moods shown." in page.content.decode()
    assert data.status_code == 400 and set(data.json()) == {"detail", "errors"}


def test_discover_says_so_when_the_catalogue_has_nothing_in_the_mood(alice_client):
    response = alice_client.get(reverse("music:discover"), {"mood": "calm"})

    assert "The catalogue has no calm songs yet" in response.content.decode()


def test_songs_play_when_their_spotify_id_is_known_and_offer_searches_for_the_others(alice_client, catalogue):
    known = catalogue[0]
    known.spotify_id = "4uLU6hMCjMI75M1A2tKUQC"
    known.popularity = 100
    known.save()

    html = alice_client.get(reverse("music:discover"), {"mood": known.mood, "seed": 1}).content.decode()

    assert 'data-play data-spotify-id="4uLU6hMCjMI75M1A2tKUQC"' in html
    assert "Not playable here · find it on" in html


def test_liking_without_javascript_goes_back_to_the_list(alice_client, alice, catalogue):
    track = catalogue[0]
    back = reverse("music:discover") + "?mood=happy&seed=3"

    response = alice_client.post(reverse("music:rate"), {"track": track.pk, "value": "1", "next": back})

    assert response.status_code == 302 and response["Location"] == back
    assert Rating.objects.get(user=alice, track=track).value == 1


def test_a_second_press_clears_the_rating(alice_client, alice, catalogue):
    rate(alice, catalogue[0], -1)

    alice_client.post(reverse("music:rate"), {"track": catalogue[0].pk, "value": "0"})

    assert not Rating.objects.filter(user=alice).exists()


def test_rating_without_javascript_refuses_bad_input_and_foreign_redirects(alice_client, alice, catalogue):
    bad = alice_client.post(
        reverse("music:rate"), {"track": catalogue[0].pk, "value": "5", "next": "https://evil.example/"}, follow=True
    )

    assert bad.redirect_chain[-1][0] == reverse("music:ratings")
    assert "A rating is a like or a dislike." in bad.content.decode()
    assert not Rating.objects.exists()
    assert alice_client.post(reverse("music:rate"), {"track": "99999", "value": "1"}).status_code == 404
    assert alice_client.post(reverse("music:rate"), {"track": "x", "value": "1"}).status_code == 404
    assert alice_client.get(reverse("music:rate")).status_code == 405


def test_my_ratings_shows_mine_only_with_filters(alice_client, alice, bob, catalogue):
    rate(alice, catalogue[0], 1)
    rate(alice, catalogue[1], -1)
    rate(bob, catalogue[2], 1)

    everything = alice_client.get(reverse("music:ratings")).content.decode()
    likes = alice_client.get(reverse("music:ratings"), {"show": "likes"}).content.decode()
    dislikes = alice_client.get(reverse("music:ratings"), {"show": "dislikes"}).content.decode()

    assert catalogue[0].title in everything and catalogue[1].title in everything
    assert catalogue[2].title not in everything
    assert catalogue[0].title in likes and catalogue[1].title not in likes
    assert catalogue[1].title in dislikes and catalogue[0].title not in dislikes
    assert 'data-count="all">2<' in everything and 'data-count="likes">1<' in everything
    assert 'value="0" data-rate="remove"' in everything


def test_my_ratings_is_paginated(alice_client, alice, catalogue):
    for track in catalogue[:30]:
        rate(alice, track, 1)

    first = alice_client.get(reverse("music:ratings")).content.decode()
    second = alice_client.get(reverse("music:ratings"), {"page": 2}).content.decode()

    assert first.count('class="rec-item"') == 25 and second.count('class="rec-item"') == 5


def test_my_ratings_says_how_to_start_when_empty(alice_client):
    html = alice_client.get(reverse("music:ratings")).content.decode()

    assert "You have not rated any songs yet." in html


def test_the_navigation_links_to_discover_and_my_ratings(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert f'href="{reverse("music:discover")}"' in html and f'href="{reverse("music:ratings")}"' in html
