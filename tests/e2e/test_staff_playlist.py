"""Curation end to end: a staff member builds and publishes a playlist in the admin, and
a listener's recommendations then say the song comes from it."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.e2e.flows import sign_up

pytestmark = pytest.mark.e2e

PLAYLIST = "Sunday Morning Picks"


def publish_playlist_in_admin(staff: Page, name: str, song: str) -> None:
    staff.goto("/admin/")
    staff.get_by_label("Username").fill(STAFF_USERNAME)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("link", name="Playlists").click()
    staff.get_by_role("link", name="Add playlist").click()
    staff.get_by_label("Name").fill(name)
    staff.get_by_label("Description").fill("Bright songs for a slow start.")
    staff.get_by_label("Mood").select_option("happy")
    staff.get_by_label("Published").check()
    staff.get_by_role("button", name="Add another Playlist track").click()
    entry = staff.locator("tr.dynamic-entries").last
    entry.locator("input[name$='-position']").fill("1")
    # The track field is the admin's autocomplete: open it, search by title, pick.
    entry.locator(".select2-selection").click()
    staff.locator(".select2-search__field").fill(song)
    staff.locator(".select2-results__option", has_text=song).click()
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text(f"“{name}” was added successfully")
    expect(staff.locator("#result_list")).to_contain_text(name)


def test_a_playlist_staff_publish_in_the_admin_shows_up_in_a_listeners_recommendations(open_page, catalogue, server):
    # The least popular happy song (titles number songs by popularity): before it is on
    # a playlist, the list offers it as one to explore.
    song = min(title for title, mood in catalogue.items() if mood == "happy")
    listener = open_page()
    sign_up(listener, server, "mae")
    listener.get_by_role("link", name="Discover music").first.click()
    listener.locator('button[name="emotion"][value="happy"]').click()
    expect(listener.get_by_role("heading", name="Music for feeling happy")).to_be_visible()
    reason = listener.locator("[data-rec-list] > li").filter(has_text=song).locator(".rec-reason")
    expect(reason).not_to_contain_text("staff playlist")

    publish_playlist_in_admin(open_page(), PLAYLIST, song)

    listener.reload()
    # The song's own description comes first, then why it is picked.
    expect(reason).to_contain_text(f"from the staff playlist '{PLAYLIST}'")
