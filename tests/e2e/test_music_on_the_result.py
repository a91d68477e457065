"""The core loop on one page: a smiling face is uploaded, its reading and, right under
it, its playlist arrive live without a click; "Not quite? I feel sad" swaps in music
for sad in place. Screenshots of each step (desktop and a 390 px phone) are kept in
test-results/screens/ to look at."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CATALOGUE_MOODS
from tests.e2e.flows import ANALYSIS_TIMEOUT_MS, finished_result, sign_up
from tests.e2e.server import BASE_DIR
from tests.support.paths import SHARED_DATA

# A posed, broadly smiling face (labelled happy in the set), which the served model reads as happy.
SMILING_FACE = SHARED_DATA / "faces" / "posed" / "images" / "0111b01.jpg"
SCREENS = BASE_DIR / "test-results" / "screens" / "music-on-the-result"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.shared_data,
    pytest.mark.skipif(not SMILING_FACE.exists(), reason="shared data is absent"),
]


def shoot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True)


def moods_shown(music) -> set[str]:
    return {text.strip().lower() for text in music.locator("[data-rec-list] .mood-chip").all_inner_texts()}


@pytest.mark.parametrize(("width", "device"), [(1280, "desktop"), (390, "phone")])
def test_the_playlist_arrives_under_the_reading_and_follows_a_correction(page, server, catalogue, width, device):
    page.set_viewport_size({"width": width, "height": 900})
    sign_up(page, server, f"june-{device}")
    page.goto("/analyse/")
    page.locator('input[type="file"][name="image"]').set_input_files(str(SMILING_FACE))
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Analyse my photo").click()

    # No click after the upload: the reading and then its music are pushed in.
    result = finished_result(page)
    expect(result.locator("[data-reading]")).to_have_text("You look happy.", timeout=ANALYSIS_TIMEOUT_MS)
    music = result.locator("[data-recommendations]")
    expect(music.get_by_role("heading", name="Music for feeling happy")).to_be_visible()
    songs = music.locator("[data-rec-list] > li")
    expect(songs.first).to_be_visible()
    reading_box = result.locator("[data-result]").bounding_box()
    assert music.bounding_box()["y"] >= reading_box["y"] + reading_box["height"] - 1, (
        "the music is not under the reading"
    )
    before = songs.locator(".rec-title strong").all_inner_texts()
    assert before and moods_shown(music) <= {"happy", "energetic"}, moods_shown(music)
    assert not result.get_by_text("Read by").is_visible(), "the model version shows outside its disclosure"
    shoot(page, f"{device}-1-reading-and-music")

    result.get_by_role("button", name="I feel sad").click()

    expect(music.get_by_role("heading", name="Music for feeling sad")).to_be_visible()
    expect(result.get_by_role("button", name="I feel sad")).to_have_attribute("aria-pressed", "true")
    expect(result.locator("[data-reading]")).to_have_text("You look happy. You said you feel sad.")
    after = songs.locator(".rec-title strong").all_inner_texts()
    assert after and set(after).isdisjoint(before), (before, after)
    assert moods_shown(music) == {"sad"}
    assert {title.split()[0].lower() for title in after} <= set(CATALOGUE_MOODS)
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to show the new music"
    shoot(page, f"{device}-2-corrected-to-sad")

    # The result page draws the same fragment, with the correction kept.
    result.get_by_role("link", name="Open the result page").click()
    expect(page.get_by_role("heading", name="Music for feeling sad")).to_be_visible()
    expect(page.get_by_role("button", name="I feel sad")).to_have_attribute("aria-pressed", "true")
    shoot(page, f"{device}-3-result-page")

    page.get_by_role("link", name="History").first.click()
    expect(page.locator("[data-felt]")).to_contain_text("You felt sad")
    shoot(page, f"{device}-4-history")
