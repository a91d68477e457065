"""Listeners' own playlists: "Save this list" makes a private playlist, which its owner
plays, renames, reorders, trims and deletes, and nobody else can see (404, even for
the id); published curated playlists are open to every listener."""

from html import unescape

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from music.models import Playlist
from tests.support.music_factories import PlaylistFactory, TrackFactory, spotify_id
from tests.support.recommend import staff_playlist

pytestmark = pytest.mark.django_db


@pytest.fixture
def songs(db):
    return [TrackFactory(title=f"Song {n}", spotify_id=spotify_id(n) if n % 2 else None) for n in range(1, 5)]


@pytest.fixture
def bob_client(bob):
    client = Client()
    client.force_login(bob)
    return client


def order(playlist) -> list[str]:
    return [e.track.title for e in playlist.entries.select_related("track").order_by("position")]


def save(client, tracks, name="Rainy day", **extra):
    return client.post(reverse("music:save-playlist"), {"track": [t.pk for t in tracks], "name": name, **extra})


def test_saving_a_list_makes_a_private_playlist_in_the_lists_order(alice_client, alice, songs):
    response = save(alice_client, [songs[2], songs[0], songs[2], songs[1]])

    playlist = Playlist.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("music:playlist", args=[playlist.pk])
    assert (playlist.owner, playlist.name, playlist.published, playlist.mood) == (alice, "Rainy day", False, "")
    assert order(playlist) == ["Song 3", "Song 1", "Song 2"]


def test_a_list_saved_without_a_name_is_named_after_the_moment(alice_client, songs):
    save(alice_client, songs[:1], name="   ")
    assert Playlist.objects.get().name.startswith("My list of ")


@pytest.mark.parametrize("tracks", [[], ["x"], [999_999]])
def test_nothing_to_save_is_said_not_stored(alice_client, tracks):
    response = alice_client.post(reverse("music:save-playlist"), {"track": tracks}, follow=True)
    assert response.status_code == 200 and not Playlist.objects.exists()
    assert "songs" in response.content.decode()


def test_my_playlist_page_plays_every_linked_song_and_offers_searches_for_the_rest(alice_client, songs):
    save(alice_client, songs)
    html = alice_client.get(reverse("music:playlist", args=[Playlist.objects.get().pk])).content.decode()

    assert "data-player-list" in html and 'data-play-first="playlist-tracks"' in html
    assert html.count("data-play data-spotify-id=") == 2
    assert html.count("Not playable here") == 2
    assert "Rename or delete" in html


def test_the_owner_renames_reorders_removes_and_deletes(alice_client, songs):
    save(alice_client, songs[:3])
    playlist = Playlist.objects.get()
    url = lambda name: reverse(f"music:{name}", args=[playlist.pk])  # noqa: E731

    alice_client.post(url("rename-playlist"), {"name": "  Sunday   morning "})
    alice_client.post(url("move-in-playlist"), {"track": songs[2].pk, "direction": "up"})
    assert order(playlist) == ["Song 1", "Song 3", "Song 2"]
    alice_client.post(url("move-in-playlist"), {"track": songs[0].pk, "position": "9"})
    assert order(playlist) == ["Song 3", "Song 2", "Song 1"]
    alice_client.post(url("move-in-playlist"), {"track": songs[2].pk, "direction": "up"})  # already first
    assert order(playlist) == ["Song 3", "Song 2", "Song 1"]
    alice_client.post(url("remove-from-playlist"), {"track": songs[1].pk})
    playlist.refresh_from_db()
    assert playlist.name == "Sunday morning" and order(playlist) == ["Song 3", "Song 1"]

    assert alice_client.get(url("delete-playlist")).status_code == 200  # asks first
    assert Playlist.objects.exists()
    assert alice_client.post(url("delete-playlist")).status_code == 302
    assert not Playlist.objects.exists() and songs[0].__class__.objects.count() == 4


def test_bad_edits_are_refused_clearly(alice_client, songs):
    save(alice_client, songs[:2])
    playlist = Playlist.objects.get()
    rename = alice_client.post(reverse("music:rename-playlist", args=[playlist.pk]), {"name": ""}, follow=True)
    assert "Give the playlist a name." in rename.content.decode()
    too_long = alice_client.post(reverse("music:rename-playlist", args=[playlist.pk]), {"name": "x" * 121}, follow=True)
    assert "at most 120 characters" in too_long.content.decode()
    move = reverse("music:move-in-playlist", args=[playlist.pk])
    assert alice_client.post(move, {"track": songs[3].pk, "direction": "up"}).status_code == 404
    assert alice_client.post(move, {"track": "one", "direction": "up"}).status_code == 404
    assert alice_client.post(move, {"track": songs[0].pk, "direction": "sideways"}).status_code == 302
    assert order(playlist) == ["Song 1", "Song 2"]


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("playlist", "get", {}),
        ("rename-playlist", "post", {"name": "Mine now"}),
        ("move-in-playlist", "post", {"direction": "down"}),
        ("remove-from-playlist", "post", {}),
        ("delete-playlist", "get", {}),
        ("delete-playlist", "post", {}),
    ],
)
def test_another_listeners_playlist_is_a_404_to_see_or_change(alice_client, bob_client, songs, name, method, data):
    save(alice_client, songs[:2], name="Alice's")
    playlist = Playlist.objects.get()
    if "track" not in data and name != "playlist":
        data = {**data, "track": songs[0].pk}

    response = getattr(bob_client, method)(reverse(f"music:{name}", args=[playlist.pk]), data)

    assert response.status_code == 404
    playlist.refresh_from_db()
    assert playlist.name == "Alice's" and order(playlist) == ["Song 1", "Song 2"]


def test_my_playlists_lists_mine_and_the_published_curated_ones_only(alice_client, bob_client, songs):
    save(alice_client, songs[:1], name="Alice's own")
    save(bob_client, songs[:1], name="Bob's own")
    staff_playlist("Editors' calm", songs[:2])
    staff_playlist("Draft", songs[:1], published=False)

    html = unescape(alice_client.get(reverse("music:playlists")).content.decode())

    assert "Alice's own" in html and "Editors' calm" in html
    assert "Bob's own" not in html and "Draft" not in html


def test_a_published_curated_playlist_plays_for_everyone_but_is_not_editable(alice_client, songs):
    curated = staff_playlist("Editors' calm", songs)
    draft = staff_playlist("Draft", songs, published=False)

    html = alice_client.get(reverse("music:playlist", args=[curated.pk])).content.decode()
    assert "From our editors" in html and html.count("data-play data-spotify-id=") == 2
    assert "Rename or delete" not in html
    assert alice_client.get(reverse("music:playlist", args=[draft.pk])).status_code == 404
    assert alice_client.post(reverse("music:rename-playlist", args=[curated.pk]), {"name": "x"}).status_code == 404


def test_listener_playlists_stay_out_of_the_curated_api(alice_client, songs, alice):
    save(alice_client, songs[:1], name="Alice's own")
    staff_playlist("Editors' calm", songs[:1])
    names = [p["name"] for p in alice_client.get("/api/v1/playlists/").json()["results"]]
    assert names == ["Editors' calm"]


def test_a_listener_playlist_can_never_be_published_or_given_a_mood(alice):
    with pytest.raises(IntegrityError):
        PlaylistFactory(owner=alice, published=True)


def test_the_pages_need_a_signed_in_listener(client):
    assert client.get(reverse("music:playlists")).status_code == 302
    assert client.post(reverse("music:save-playlist"), {"track": [1]}).status_code == 302


def test_a_playlist_number_too_large_for_the_database_is_a_404(alice_client):
    assert alice_client.get("/music/playlists/" + "9" * 30 + "/").status_code == 404
    assert alice_client.post("/music/playlists/" + "9" * 30 + "/rename/", {"name": "x"}).status_code == 404
