"""Issue 13's whole loop in one browser, as a listener does it: sign up, upload a smiling
face, the playlist arrives under the reading without a click, ▶ loads exactly one
Spotify embed frame for the pressed song (every origin but the server's is blocked),
"Not quite? I feel sad" changes the list to sad music, a reload shows the same list, a
like keeps the rows above it, a dislike changes only its row, Undo brings it back, and
"Save this list" makes a playlist whose page plays it. Screenshots of each step, at
desktop and 390 px wide, are kept in test-results/e2e/core-loop/."""

from __future__ import annotations

import csv
import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.flows import ANALYSIS_TIMEOUT_MS, finished_result, link_spotify_ids, shoot, sign_up
from tests.support.music_factories import CLASSIC_HITS_HEADER, classic_hits_row, spotify_id
from tests.support.paths import SHARED_DATA

# A posed, broadly smiling face (labelled happy in the set), which the served model reads as happy.
SMILING_FACE = SHARED_DATA / "faces" / "posed" / "images" / "0111b01.jpg"
SHOTS = ARTIFACTS / "core-loop"
EMBED = "https://open.spotify.com/embed/track/"
# More sad songs than a list holds, so that a dislike has a song to replace its row with.
EXTRA_SAD = [f"Sad Song {n}" for n in range(5, 13)]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.shared_data,
    pytest.mark.skipif(not SMILING_FACE.exists(), reason="shared data is absent"),
]


@pytest.fixture
def more_sad_songs(server, tmp_path):
    path = tmp_path / "more-sad.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CLASSIC_HITS_HEADER)
        for title in EXTRA_SAD:
            writer.writerow(classic_hits_row(title, title.replace("Song", "Band"), mood="sad", popularity=15))
    server.manage("import_tracks", str(path), "--verbosity", "0")
    yield
    server.manage(
        "shell", "-c", f"from music.models import Track\nTrack.objects.filter(title__in={EXTRA_SAD!r}).delete()"
    )


@pytest.fixture
def linked_songs(server, more_sad_songs) -> dict[str, str]:
    """Spotify ids for every song of the catalogue: title -> id."""
    out = server.manage(
        "shell",
        "-c",
        "import json; from music.models import Track; "
        "print(json.dumps(list(Track.objects.values_list('title', flat=True))))",
    )
    ids = {title: spotify_id(900 + n) for n, title in enumerate(sorted(json.loads(out.strip().splitlines()[-1])))}
    link_spotify_ids(server, ids)
    yield ids
    server.manage("shell", "-c", "from music.models import Track\nTrack.objects.update(spotify_id=None)")


def titles(music) -> list[str]:
    return music.locator("[data-rec-list] > li:not(.is-gone) .rec-title strong").all_inner_texts()


def moods(music) -> set[str]:
    return {text.strip().lower() for text in music.locator("[data-rec-list] .mood-chip").all_inner_texts()}


def test_the_whole_loop_from_a_smile_to_a_saved_playlist(page, server, linked_songs, outside):
    sign_up(page, server, "nadia")
    page.goto("/analyse/")
    page.locator('input[type="file"][name="image"]').set_input_files(str(SMILING_FACE))
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Analyse my photo").click()

    # No click after the upload: the reading, then its stored list under it.
    result = finished_result(page)
    expect(result.locator("[data-reading]")).to_have_text("You look happy.", timeout=ANALYSIS_TIMEOUT_MS)
    music = result.locator("[data-recommendations]")
    expect(music.get_by_role("heading", name="Music for feeling happy")).to_be_visible()
    expect(music.locator("[data-rec-list] > li").first).to_be_visible()
    reading = result.locator("[data-result]").bounding_box()
    assert music.bounding_box()["y"] >= reading["y"] + reading["height"] - 1, "the music is not under the reading"
    happy = titles(music)
    assert happy and moods(music) <= {"happy", "energetic"}, moods(music)
    shoot(page, SHOTS, "1-playlist-under-the-reading")

    # ▶ loads one Spotify frame, for the pressed song, and nothing is asked of Spotify before.
    assert not [url for url in outside if "spotify" in url]
    expect(page.locator("iframe")).to_have_count(0)
    play = music.locator("[data-rec-list] > li").nth(1).locator("[data-play]")
    wanted = play.get_attribute("data-spotify-id")
    assert wanted == linked_songs[happy[1]]
    play.click()
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", f"{EMBED}{wanted}")
    expect(play).to_have_attribute("aria-pressed", "true")
    shoot(page, SHOTS, "2-playing")

    # "Not quite? I feel sad": the list changes, in place, to sad music.
    result.get_by_role("button", name="I feel sad").click()
    expect(music.get_by_role("heading", name="Music for feeling sad")).to_be_visible()
    expect(result.locator("[data-reading]")).to_have_text("You look happy. You said you feel sad.")
    sad = titles(music)
    assert len(sad) == 10 and moods(music) == {"sad"}, (sad, moods(music))
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to show the new music"
    shoot(page, SHOTS, "3-corrected-to-sad")

    # The result page and a reload of it show the same list, in the same order.
    result.get_by_role("link", name="Open the result page").click()
    music = page.locator("[data-recommendations]")
    expect(music.get_by_role("heading", name="Music for feeling sad")).to_be_visible()
    assert titles(music) == sad
    page.reload()
    expect(music.get_by_role("heading", name="Music for feeling sad")).to_be_visible()
    assert titles(music) == sad, "a reload shows the same songs in the same order"
    page.evaluate("window.sameDocument = true")
    shoot(page, SHOTS, "4-reloaded")

    rows = music.locator("[data-rec-list] > li")
    like = rows.nth(1).get_by_role("button", name=f"Like “{sad[1]}”", exact=True)
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(music).to_have_attribute("aria-busy", "false")
    liked = titles(music)
    assert liked[:2] == sad[:2], "a like keeps every row above it in place"
    shoot(page, SHOTS, "5-liked")

    rows.nth(0).get_by_role("button", name=f"Dislike “{liked[0]}”", exact=True).click()
    undo = rows.nth(0).get_by_role("button", name=f"Undo the dislike of “{liked[0]}”")
    expect(undo).to_be_visible()
    after = titles(music)
    assert liked[0] not in after and len(after) == len(liked)
    assert after[1:] == liked[1:], "a dislike changes only its own row"
    assert after[0] not in sad, "another sad song took the row"
    shoot(page, SHOTS, "6-disliked")

    undo.click()
    expect(undo).to_have_count(0)
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bis-gone\b"))
    expect(rows.nth(0).locator(".rec-title strong")).to_have_text(liked[0])
    assert titles(music) == liked
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to change the list"
    shoot(page, SHOTS, "7-undone")

    # "Save this list", then its playlist page plays it from the top.
    music.get_by_label("Playlist name").fill("Blue evening")
    music.get_by_role("button", name="Save this list").click()
    expect(page.get_by_role("heading", name="Blue evening")).to_be_visible()
    entries = page.locator("#playlist-tracks > li")
    assert entries.locator(".rec-title strong").all_inner_texts() == liked
    page.get_by_role("button", name="Play from the top").click()
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", f"{EMBED}{linked_songs[liked[0]]}")
    shoot(page, SHOTS, "8-playlist-playing")
    assert any(url.startswith(EMBED) for url in outside), "the frames asked Spotify and were refused"
