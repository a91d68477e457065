"""A listener's privacy rights in the browser: consent at sign-up, "Download my data"
from the profile, and withdrawing consent, after which an analysis asks for it again."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import choose_astronaut_photo, finished_result, sign_up

pytestmark = pytest.mark.e2e


def test_a_listener_downloads_their_data_and_withdraws_consent(page):
    sign_up(page, "grace")
    page.get_by_role("link", name="Your profile: grace").click()
    page.get_by_label("Keep until I delete it").check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Analyse a photo").first.click()
    choose_astronaut_photo(page)
    page.get_by_role("button", name="Analyse my photo").click()
    expect(finished_result(page).get_by_role("link", name="Open the result page")).to_be_visible()

    page.get_by_role("link", name="Your profile: grace").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert json.loads(archive.read("account.json"))["username"] == "grace"
    [detection] = json.loads(archive.read("detections.json"))
    assert len(detection["faces"]) == 1 and len(detection["faces"][0]["probabilities"]) == 7
    assert archive.read(detection["photo"])[:2] == b"\xff\xd8"  # the kept photo, a JPEG

    page.get_by_role("link", name="Withdraw consent").click()
    page.get_by_role("button", name="Withdraw my consent").click()
    expect(page.get_by_text("Your consent is withdrawn")).to_be_visible()
    page.get_by_role("link", name="Analyse a photo").first.click()
    expect(page.get_by_role("heading", name="May FerMusic analyse your face?")).to_be_visible()
    page.get_by_label("I agree that FerMusic analyses").check()
    page.get_by_role("button", name="Give my consent").click()
    expect(page).to_have_url(re.compile(r"/analyse/$"))
