"""Log-in abuse and sign-ins, in the browser: the eleventh try after ten wrong passwords
is paused with the reason, even with the right password; the sessions page lists both
of a listener's browsers and logs the other one out."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.flows import PASSWORD, sign_up

pytestmark = pytest.mark.e2e


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def unlock_afterwards(server):
    yield
    # Every browser test comes from 127.0.0.1, which the failures below lock out too.
    server.manage("axes_reset")


def test_ten_wrong_passwords_pause_log_in_even_with_the_right_one(page, server, unlock_afterwards):
    sign_up(page, server, "otto")
    page.get_by_role("button", name="Log out").click()

    for attempt in range(9):
        log_in(page, "otto", f"wrong-{attempt}")
        expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    log_in(page, "Otto", "wrong-again")
    expect(page.get_by_role("heading", name="Log-in paused")).to_be_visible()

    log_in(page, "otto", PASSWORD)

    expect(page.get_by_role("heading", name="Log-in paused")).to_be_visible()
    expect(page.get_by_text("Log-in is blocked for 15 minutes")).to_be_visible()
    expect(page.get_by_role("link", name="Your profile: otto")).to_have_count(0)


def test_the_sessions_page_logs_out_another_browser(open_page, server):
    laptop, phone = open_page(), open_page()
    sign_up(laptop, server, "ruth")
    log_in(phone, "ruth", PASSWORD)
    expect(phone.get_by_role("link", name="Your profile: ruth")).to_be_visible()

    laptop.goto("/accounts/profile/")
    laptop.get_by_role("link", name="Sessions and tokens").click()
    browsers = laptop.locator(".device-list").first.locator(".device")
    expect(browsers).to_have_count(2)
    expect(laptop.get_by_text("This browser")).to_have_count(1)
    browsers.filter(has_not_text="This browser").get_by_role("button", name="Log out").click()
    expect(laptop.get_by_text("That session has been logged out.")).to_be_visible()
    expect(laptop.locator(".device-list").first.locator(".device")).to_have_count(1)

    phone.reload()
    expect(phone.get_by_role("link", name="Your profile: ruth")).to_have_count(0)
