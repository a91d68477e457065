"""The webcam page with Chromium's fake camera, which plays a generated video of a face
(conftest.py): a snapshot is taken, uploaded and analysed on the same page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import assert_one_face_with_seven_bars, finished_result, sign_up

pytestmark = pytest.mark.e2e


def test_a_snapshot_from_the_webcam_is_analysed_on_the_page(page, server):
    sign_up(page, server, "hedy")
    page.goto("/webcam/")
    page.get_by_role("button", name="Start camera").click()
    expect(page.locator("[data-upload-status]")).to_have_text(
        "The camera is on. Press “Take snapshot” when you are ready."
    )
    page.wait_for_function("document.querySelector('[data-video]').videoWidth > 0")

    page.get_by_role("button", name="Take snapshot").click()

    result = finished_result(page)
    assert_one_face_with_seven_bars(result)
    expect(result.locator(".photo-boxes")).to_have_attribute("viewBox", "0 0 640 480")
    # Its music arrives under the reading, without a click.
    expect(result.locator("[data-recommendations] [data-rec-list] > li").first).to_be_visible()
    expect(result.get_by_role("link", name="Open the result page")).to_have_attribute(
        "href", re.compile(r"^/detections/[0-9a-f-]{36}/$")
    )
