"""Listening in the page, in Chromium with every origin but the server's blocked: the
Spotify embed frame appears only when ▶ is pressed, exactly one at a time, for the
pressed song, "Next song" moves down the list; a saved list plays from its playlist page;
the Discover strategy switch changes the list at once. Screenshots of each step, at
desktop and 390 px wide, are kept in test-results/e2e/player/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.flows import link_spotify_ids, shoot, sign_up
from tests.support.music_factories import spotify_id

pytestmark = pytest.mark.e2e
SHOTS = ARTIFACTS / "player"
EMBED = "https://open.spotify.com/embed/track/"


@pytest.fixture
def linked_happy_songs(server, catalogue) -> dict[str, str]:
    """Spotify ids for the happy songs (the others keep none): title -> id."""
    ids = {title: spotify_id(700 + n) for n, title in enumerate(sorted(catalogue)) if catalogue[title] == "happy"}
    link_spotify_ids(server, ids)
    return ids


def test_play_loads_one_spotify_frame_for_the_pressed_song_and_next_moves_down(
    page, server, linked_happy_songs, outside
):
    sign_up(page, server, "piper")
    page.get_by_role("link", name="Discover music").first.click()
    # Matching happiness is happy then energetic music: linked songs and songs without an id.
    page.locator('button[name="emotion"][value="happy"]').click()
    expect(page.get_by_role("heading", name="Music for feeling happy")).to_be_visible()
    rows = page.locator("[data-rec-list] > li")
    expect(rows).to_have_count(2 * len(linked_happy_songs))
    buttons = page.locator("[data-rec-list] [data-play]")
    expect(buttons).to_have_count(len(linked_happy_songs))
    ids = [b.get_attribute("data-spotify-id") for b in buttons.all()]
    assert sorted(ids) == sorted(linked_happy_songs.values())
    expect(page.locator("iframe")).to_have_count(0)
    assert not [url for url in outside if "spotify" in url]  # nothing asked of Spotify before a press

    buttons.nth(0).click()
    frame = page.locator("iframe")
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", f"{EMBED}{ids[0]}")
    expect(rows.filter(has=page.locator("iframe"))).to_have_count(1)
    expect(buttons.nth(0)).to_have_attribute("aria-pressed", "true")
    shoot(page, SHOTS, "1-playing")

    page.get_by_role("button", name="Next song").click()
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", f"{EMBED}{ids[1]}")
    expect(buttons.nth(0)).to_have_attribute("aria-pressed", "false")

    buttons.nth(3).click()
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", f"{EMBED}{ids[3]}")
    expect(page.get_by_role("button", name="Next song")).to_have_count(0)  # the last playable song
    buttons.nth(3).click()
    expect(page.locator("iframe")).to_have_count(0)
    assert any(url.startswith(f"{EMBED}{ids[0]}") for url in outside)  # the frame asked Spotify, was refused

    shoot(page, SHOTS, "2-searches")  # the songs without an id offer labelled searches
    expect(rows.filter(has_text="Not playable here · find it on").first).to_be_visible()


def test_a_saved_list_plays_from_its_playlist_page(page, server, linked_happy_songs, outside):
    sign_up(page, server, "quinn")
    page.goto("/music/discover/?mood=happy")
    titles = page.locator("[data-rec-list] > li .rec-title strong").all_inner_texts()
    page.get_by_label("Playlist name").fill("Sunny")
    page.get_by_role("button", name="Save this list").click()
    expect(page.get_by_role("heading", name="Sunny")).to_be_visible()
    entries = page.locator("#playlist-tracks > li")
    assert entries.locator(".rec-title strong").all_inner_texts() == titles

    page.get_by_role("button", name="Play from the top").click()
    first = entries.locator("[data-play]").first.get_attribute("data-spotify-id")
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", f"{EMBED}{first}")
    shoot(page, SHOTS, "3-playlist")

    page.get_by_role("link", name="Playlists").first.click()
    expect(page.get_by_role("link", name="Sunny")).to_be_visible()
    shoot(page, SHOTS, "4-playlists")


def test_switching_the_strategy_changes_the_list_at_once(page, server, outside):
    sign_up(page, server, "rowan")
    page.get_by_role("link", name="Discover music").first.click()
    page.locator('button[name="emotion"][value="angry"]').click()
    intro = page.locator("[data-rec-intro]")
    expect(intro).to_contain_text("matching your mood: energetic songs")
    expect(page.locator("[data-strategy-apply]")).to_be_hidden()  # JavaScript needs no button

    page.get_by_label("Lift my mood").check()
    expect(page).to_have_url(re.compile(r"emotion=angry.*strategy=lift|strategy=lift.*emotion=angry"))
    expect(intro).to_contain_text("to lift your mood: calm and happy songs")
    shoot(page, SHOTS, "5-lift")
