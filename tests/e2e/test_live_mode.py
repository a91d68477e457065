"""Live mode with Chromium's fake camera, which plays a generated video of a face
(conftest.py): frames go over /ws/live/ and the face box and smoothed mood come back."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import ANALYSIS_TIMEOUT_MS, EMOTION_LABELS, EMOTION_STYLE, sign_up

pytestmark = pytest.mark.e2e


def test_live_mode_shows_the_face_and_mood_from_the_camera_stream(page, server):
    sign_up(page, server, "katherine")
    page.goto("/live/")
    page.get_by_role("button", name="Start live mode").click()

    expect(page.locator("[data-stat-status]")).to_have_text("Live")
    expect(page.locator("[data-boxes] .face-box")).to_have_count(1, timeout=ANALYSIS_TIMEOUT_MS)
    # Frames go out 320 pixels wide, so the boxes come back on that scale.
    expect(page.locator("[data-boxes]")).to_have_attribute("viewBox", "0 0 320 240")
    expect(page.locator("[data-mood-label]")).not_to_have_text("Waiting for your face")
    bars = page.locator("[data-mood-bars] > .prob")
    expect(bars).to_have_count(7)
    assert sorted(label.strip() for label in bars.locator(".prob-label").all_inner_texts()) == EMOTION_LABELS
    expect(page.locator("[data-stat-fps]")).not_to_have_text("–")
    expect(page.locator("[data-stat-latency]")).to_have_text(re.compile(r"^\d+ ms$"))
    # The settled mood brings songs for it, from the catalogue, for the user's strategy.
    music = page.locator("[data-live-music]")
    expect(music).to_be_visible()
    feeling = re.compile(
        r"^For feeling (" + "|".join(style["adjective"] for style in EMOTION_STYLE.values()) + r"), matching your mood"
    )
    expect(music.locator("[data-rec-intro]")).to_have_text(feeling)
    expect(music.locator("[data-rec-list] > li").first).to_be_visible()

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("[data-stat-status]")).to_have_text("Off")
    expect(page.locator("[data-camera-off-text]")).to_be_visible()
