"""Rating songs on a photo's result: the list arrives under the reading without a click,
holds still (a reload, the result page and the upload page show the same songs in the
same order), a like keeps the rows above it, a dislike changes only its own row with
Undo, all without a reload, and the lists stay findable in Recently recommended."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import choose_astronaut_photo, finished_result, sign_up

pytestmark = pytest.mark.e2e


def titles(music):
    return music.locator("[data-rec-list] > li .rec-title strong").all_inner_texts()


def test_the_list_holds_still_while_songs_are_liked_disliked_and_brought_back(page, server):
    sign_up(page, server, "gwen")
    page.goto("/analyse/")
    choose_astronaut_photo(page)
    page.get_by_role("button", name="Analyse my photo").click()
    result = finished_result(page)
    music = result.locator("[data-recommendations]")
    expect(music.locator("[data-rec-list] > li").first).to_be_visible()
    shown = titles(music)
    assert len(shown) >= 3, shown

    result.get_by_role("link", name="Open the result page").click()
    music = page.locator("[data-recommendations]")
    expect(music.locator("[data-rec-list] > li")).to_have_count(len(shown))
    assert titles(music) == shown, "the result page shows the list the upload page showed"
    page.reload()
    assert titles(music) == shown, "a reload shows the same songs in the same order"
    page.evaluate("window.sameDocument = true")

    rows = music.locator("[data-rec-list] > li")
    rows.nth(1).get_by_role("button", name=f"Like “{shown[1]}”", exact=True).click()
    expect(rows.nth(1).get_by_role("button", name=f"Like “{shown[1]}”", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(music).to_have_attribute("aria-busy", "false")
    liked = titles(music)
    assert liked[:2] == shown[:2], "a like keeps every row above it in place"

    rows.nth(0).get_by_role("button", name=f"Dislike “{liked[0]}”", exact=True).click()
    undo = rows.nth(0).get_by_role("button", name=f"Undo the dislike of “{liked[0]}”")
    expect(undo).to_be_visible()
    after = music.locator("[data-rec-list] > li:not(.is-gone) .rec-title strong").all_inner_texts()
    assert liked[0] not in after
    assert [t for t in liked[1:] if t in after] == liked[1:], "a dislike changes only its own row"

    undo.click()
    expect(rows.nth(0).locator(".rec-title strong")).to_have_text(liked[0])
    assert titles(music) == liked
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to change the list"

    page.get_by_role("link", name="Recently recommended").click()
    expect(page.locator(".recent-item")).to_have_count(1)
    expect(page.locator(".recent-item")).to_contain_text(liked[0])

    page.get_by_role("link", name="My ratings").first.click()
    expect(page.locator("[data-count=likes]")).to_have_text("1")
    expect(page.locator("[data-count=dislikes]")).to_have_text("0")
