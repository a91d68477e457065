"""The upload page on a slow connection: a photo chosen before the page's script has
loaded is still the one that gets analysed."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import assert_one_face_with_seven_bars, choose_astronaut_photo, finished_result, sign_up

pytestmark = pytest.mark.e2e


def test_a_photo_chosen_while_the_page_script_is_loading_is_not_lost(page, server):
    sign_up(page, server, "lise")
    held = []
    page.route("**/js/emotions/upload-page*.js", lambda route: held.append(route))
    # Module scripts hold back DOMContentLoaded, so the page is waited for only until
    # the browser asks for the script, which stays held until the photo is chosen.
    with page.expect_request("**/js/emotions/upload-page*.js"):
        page.goto("/analyse/", wait_until="commit")
    choose_astronaut_photo(page)
    assert len(held) == 1, "the page's script was not held back"
    held[0].continue_()

    expect(page.get_by_alt_text("The photo you chose")).to_be_visible()
    page.get_by_role("button", name="Analyse my photo").click()
    assert_one_face_with_seven_bars(finished_result(page))
