"""Rating songs on a photo's result page: the list reranks in place, without a reload,
and the ratings are kept."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import choose_astronaut_photo, finished_result, sign_up

pytestmark = pytest.mark.e2e


def test_liking_and_disliking_songs_on_the_result_page_changes_the_list_without_a_reload(page, server):
    sign_up(page, server, "gwen")
    page.goto("/analyse/")
    choose_astronaut_photo(page)
    page.get_by_role("button", name="Analyse my photo").click()
    finished_result(page).get_by_role("link", name="Open the result page").click()

    music = page.locator("[data-recommendations]")
    expect(music).to_be_visible()
    songs = music.locator("[data-rec-list] > li")
    expect(songs.first).to_be_visible()
    titles = songs.locator(".rec-title strong").all_inner_texts()
    assert len(titles) >= 3, titles
    liked, disliked = titles[-1], titles[0]
    page.evaluate("window.sameDocument = true")

    music.get_by_role("button", name=f"Like “{liked}”", exact=True).click()
    expect(music.get_by_role("button", name=f"Like “{liked}”", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(music.locator("[data-rec-announcer]")).to_have_text(f"You like “{liked}”. Songs like it moved up.")
    expect(music).to_have_attribute("aria-busy", "false")

    music.get_by_role("button", name=f"Dislike “{disliked}”", exact=True).click()
    expect(music.locator("[data-rec-announcer]")).to_have_text(
        f"You dislike “{disliked}”. It is gone from your list and will not come back."
    )
    expect(songs.filter(has_text=disliked)).to_have_count(0)
    assert set(songs.locator(".rec-title strong").all_inner_texts()) == set(titles) - {disliked}
    assert page.evaluate("window.sameDocument") is True, "the page reloaded to show the new list"

    page.get_by_role("link", name="My ratings").click()
    expect(page.locator("[data-count=likes]")).to_have_text("1")
    expect(page.locator("[data-count=dislikes]")).to_have_text("1")
    ratings = page.locator("[data-rating-list] > li")
    expect(ratings.filter(has_text=liked)).to_contain_text("Liked")
    expect(ratings.filter(has_text=disliked)).to_contain_text("Disliked")
