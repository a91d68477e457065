"""Steps several browser tests take, written as a person does them: through the
pages' labels and buttons, never by calling the server behind the page's back."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from emotions.presentation import EMOTION_STYLE
from tests.support.images import astronaut_jpeg

PASSWORD = "Listening-to-7-moods"
# The first analysis in a session also loads the face detector and the emotion model.
ANALYSIS_TIMEOUT_MS = 90_000
# How a bar names its emotion: its label (the icon beside it is SVG, with no text).
EMOTION_LABELS = sorted(style["label"] for style in EMOTION_STYLE.values())


def sign_up(page: Page, server, username: str) -> None:
    """Sign up, then open the confirmation link from the mail, as a new listener does."""
    email = f"{username}@example.com"
    page.goto("/accounts/signup/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I agree that FerMusic analyses").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(server.link_mailed_to(email, "/accounts/activate/"))
    page.get_by_role("button", name="Start using FerMusic").click()
    expect(page.get_by_text(f"Welcome to FerMusic, {username}!")).to_be_visible()


def choose_astronaut_photo(page: Page) -> None:
    # The file input sits under the drop zone, where a person's file dialog fills it.
    page.locator('input[type="file"][name="image"]').set_input_files(
        files=[{"name": "astronaut.jpg", "mimeType": "image/jpeg", "buffer": astronaut_jpeg()}]
    )


def finished_result(page: Page) -> Locator:
    """The inline result of the upload or webcam page, once its analysis is done."""
    area = page.locator("[data-result-area]")
    expect(area).to_be_visible()
    expect(area.locator("[data-result]")).to_have_attribute("data-status", "done", timeout=ANALYSIS_TIMEOUT_MS)
    return area


def assert_one_face_with_seven_bars(result: Locator) -> None:
    """One face card with a bar per emotion adding up to 100 %, and its box on the photo."""
    expect(result.locator(".status-title")).to_have_text("One face found")
    card = result.locator(".face-card")
    expect(card).to_have_count(1)
    bars = card.locator(".prob-list > .prob")
    expect(bars).to_have_count(7)
    labels = sorted(label.strip() for label in bars.locator(".prob-label").all_inner_texts())
    assert labels == EMOTION_LABELS
    percents = [int(re.fullmatch(r"(\d+)%", v).group(1)) for v in bars.locator(".prob-value").all_inner_texts()]
    # Each bar is rounded to a whole percent on its own.
    assert 100 - len(percents) <= sum(percents) <= 100 + len(percents), percents
    top = card.locator(".prob.is-top")
    expect(top).to_have_count(1)
    expect(card.locator(".face-confidence")).to_have_text(f"{top.locator('.prob-value').inner_text()} confidence")
    expect(card.locator(".face-emotion strong")).to_have_text(top.locator(".prob-label").inner_text().split()[-1])

    boxes = result.locator(".photo-boxes")
    expect(boxes.locator(".face-box")).to_have_count(1)
    _, _, width, height = (float(v) for v in boxes.get_attribute("viewBox").split())
    line = boxes.locator(".face-box-line")
    x, y, w, h = (float(line.get_attribute(name)) for name in ("x", "y", "width", "height"))
    assert 0 <= x < x + w <= width and 0 <= y < y + h <= height, (x, y, w, h, width, height)
    assert w >= 0.05 * width and h >= 0.05 * height, "the face box is implausibly small"


def link_spotify_ids(server, ids: dict[str, str]) -> None:
    """Give the server's tracks these Spotify ids (title -> id)."""
    server.manage(
        "shell",
        "-c",
        "from music.models import Track\n"
        + "".join(f"Track.objects.filter(title={t!r}).update(spotify_id={i!r})\n" for t, i in ids.items()),
    )


def shoot(page: Page, folder, name: str) -> None:
    """Full-page screenshots at desktop size and 390 px wide, kept under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=folder / f"{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
