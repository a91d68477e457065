"""A new listener's first visit: sign up, log out, log in again, upload a photo and
watch its analysis arrive on the same page over the WebSocket."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import PASSWORD, assert_one_face_with_seven_bars, choose_astronaut_photo, finished_result, sign_up

pytestmark = pytest.mark.e2e


def test_a_new_listener_signs_up_logs_in_and_sees_their_photo_analysed_live(page, server):
    sign_up(page, server, "ada")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Your profile: ada")).to_be_visible()

    pushed: list[dict] = []

    def listen(socket):
        if socket.url.endswith("/ws/events/"):
            socket.on("framereceived", lambda frame: pushed.append(json.loads(frame)))

    page.on("websocket", listen)
    page.get_by_role("link", name="Analyse a photo").first.click()
    page.wait_for_url("**/analyse/")
    page.evaluate("window.sameDocument = true")
    choose_astronaut_photo(page)
    expect(page.get_by_alt_text("The photo you chose")).to_be_visible()
    page.get_by_role("button", name="Analyse my photo").click()

    result = finished_result(page)
    assert_one_face_with_seven_bars(result)
    detection_url = result.get_by_role("link", name="Open the result page").get_attribute("href")
    detection_id = detection_url.rstrip("/").rsplit("/", 1)[-1]
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to show the result"
    updates = [message.get("payload", {}) for message in pushed]
    assert any(u.get("id") == detection_id and u.get("status") == "done" for u in updates), (
        f"the finished analysis was not pushed over /ws/events/: {pushed}"
    )

    page.get_by_role("link", name="Open the result page").click()
    expect(page).to_have_url(detection_url)
    assert_one_face_with_seven_bars(page.locator("[data-result]"))
