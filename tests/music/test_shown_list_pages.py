"""A result's stored list as pages show it: rendered on the server with the result,
served alone as the fragment the page's script swaps in, changed by forms that work
without JavaScript (like, dislike, Undo, New picks, everyone in the photo), and
Recently recommended."""

import re

import pytest
from django.urls import reverse

from music.models import Rating, ShownList
from music.services.shown_lists import rows
from tests.support.recommend import catalogue_in_db, detection_with_faces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]
FRAGMENT = {"HTTP_X_FRAGMENT": "music"}


@pytest.fixture
def catalogue(db):
    return catalogue_in_db(per_mood=25)


def titles(html: str) -> list[str]:
    return re.findall(r'<p class="rec-title"><strong>(.*?)</strong>', html)


def page(client, detection, query=""):
    response = client.get(reverse("emotions:detail", args=[detection.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def shown(alice):
    return ShownList.objects.get(user=alice)


def rate_url(alice):
    return reverse("music:list_rate", args=[shown(alice).pk])


def track_of(title, catalogue):
    return next(t for t in catalogue if t.title == title)


def test_the_result_page_renders_its_music_on_the_server_with_reasons(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy"])

    html = page(alice_client, detection)

    assert 'id="recommendations"' in html and "data-result-fragment" in html
    assert reverse("music:detection_result", args=["00000000-0000-0000-0000-000000000000"]) in html
    assert f'data-fragment-url="{reverse("music:detection_result", args=[detection.pk])}?fragment=list"' in html
    assert "js/emotions/detail.js" in html
    assert len(titles(html)) == 10
    assert "For feeling happy, matching your mood" in html
    assert "New picks" in html and reverse("music:recent") in html
    assert "Everyone in the photo" not in html, "one face: nothing to blend"


def test_a_reload_shows_the_same_songs_in_the_same_order(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["sad"])

    assert titles(page(alice_client, detection)) == titles(page(alice_client, detection))


def test_liking_without_javascript_keeps_the_rows_above_and_goes_back_to_the_result(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy"])
    before = titles(page(alice_client, detection))
    liked = track_of(before[2], catalogue)

    response = alice_client.post(
        rate_url(alice), {"track": liked.pk, "value": "1", "next": detection.get_absolute_url()}
    )

    assert response.status_code == 302 and response["Location"] == detection.get_absolute_url()
    assert titles(page(alice_client, detection))[:3] == before[:3]
    assert Rating.objects.get(user=alice, track=liked).value == 1


def test_disliking_without_javascript_replaces_one_row_and_offers_undo(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy"])
    before = titles(page(alice_client, detection))
    disliked = track_of(before[4], catalogue)

    response = alice_client.post(
        rate_url(alice),
        {"track": disliked.pk, "value": "-1", "next": f"{detection.get_absolute_url()}#recommendations"},
    )

    assert response["Location"] == f"{detection.get_absolute_url()}?undo={disliked.pk}#recommendations"
    html = page(alice_client, detection, f"?undo={disliked.pk}")
    after = titles(html)
    assert [a == b for a, b in zip(before, after, strict=True)] == [i != 4 for i in range(10)]
    assert f"Replaced “{disliked.title}”." in html and reverse("music:list_undo", args=[shown(alice).pk]) in html

    alice_client.post(reverse("music:list_undo", args=[shown(alice).pk]), {"track": disliked.pk})

    assert titles(page(alice_client, detection)) == before
    assert not Rating.objects.filter(user=alice).exists()


def test_the_fragment_is_the_section_alone_and_marks_the_row_that_changed(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["sad"])
    before = titles(page(alice_client, detection))
    disliked = track_of(before[0], catalogue)

    response = alice_client.post(rate_url(alice), {"track": disliked.pk, "value": "-1"}, **FRAGMENT)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count("is-moved") == 1 and "data-undo" in html
    assert f"You dislike “{disliked.title}”. Only its row changed." in html
    fetched = alice_client.get(
        reverse("music:detection_result", args=[detection.pk]) + "?fragment=list"
    ).content.decode()
    assert titles(fetched) == titles(html)


def test_new_picks_make_a_fresh_list_and_recently_recommended_keeps_both(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy"])
    first = titles(page(alice_client, detection))

    response = alice_client.post(reverse("music:new_picks", args=[detection.pk]), {"subject": "face"})

    assert response.status_code == 302
    assert ShownList.objects.filter(user=alice).count() == 2
    recent = alice_client.get(reverse("music:recent")).content.decode()
    assert recent.count("For feeling happy") == 2
    assert all(title in recent for title in first)
    assert detection.get_absolute_url() in recent


def test_several_faces_offer_music_for_everyone_in_the_photo_and_say_how_it_is_blended(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy", "sad", "happy"])

    face = page(alice_client, detection)
    everyone = page(alice_client, detection, "?subject=everyone")

    assert "Music for feeling happy (face 1)" in face and "Everyone in the photo" in face
    assert "Music for everyone in the photo" in everyone
    assert "the mean of their emotion probabilities: happy 48%" in everyone
    assert re.search(r"Matching it: \d+ happy, [^<]*\d+ sad[^<]* songs\.", everyone)
    assert "Music for everyone in the photo" in page(alice_client, detection), "the last choice is kept on reload"
    fragment = alice_client.get(reverse("music:detection_result", args=[detection.pk]) + "?fragment=list&subject=face")
    assert "Music for feeling happy (face 1)" in fragment.content.decode()


def test_an_unfinished_or_faceless_result_says_why_there_is_no_list(alice_client, catalogue, alice):
    waiting = page(alice_client, detection_with_faces(alice, ["happy"], status="running"))
    faceless = page(alice_client, detection_with_faces(alice, []))

    assert "Music appears here once the analysis finishes." in waiting and not titles(waiting)
    assert "No face was found in this photo" in faceless
    assert not ShownList.objects.exists()


def test_bad_ratings_are_refused_and_say_why(alice_client, catalogue, alice):
    detection = detection_with_faces(alice, ["happy"])
    page(alice_client, detection)

    for body in ({"track": "x", "value": "1"}, {"track": catalogue[0].pk, "value": "5"}, {"track": "999999"}):
        response = alice_client.post(rate_url(alice), {"value": "1", **body}, **FRAGMENT)
        assert response.status_code == 400
    undo = alice_client.post(reverse("music:list_undo", args=[shown(alice).pk]), {"track": "1"}, **FRAGMENT)
    assert undo.status_code == 400 and "nothing to undo" in undo.content.decode()
    assert not Rating.objects.exists()


def test_another_listeners_music_is_a_404(alice_client, client, catalogue, alice, bob):
    detection = detection_with_faces(alice, ["happy"])
    page(alice_client, detection)
    client.force_login(bob)
    track = shown(alice).entries.first().track

    assert client.get(reverse("music:detection_result", args=[detection.pk])).status_code == 404
    assert client.post(reverse("music:new_picks", args=[detection.pk])).status_code == 404
    assert client.post(rate_url(alice), {"track": track.pk, "value": "1"}).status_code == 404
    assert client.post(reverse("music:list_undo", args=[shown(alice).pk]), {"track": track.pk}).status_code == 404
    assert "No lists yet" in client.get(reverse("music:recent")).content.decode()


@pytest.mark.parametrize("name", ["music:recent"])
def test_recently_recommended_needs_a_signed_in_listener(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_stored_list_plays_in_the_page_and_can_be_saved_as_shown(alice_client, catalogue, alice):
    for i, track in enumerate(catalogue):
        track.spotify_id = f"{i:022d}"
        track.save()
    detection = detection_with_faces(alice, ["happy"])

    html = page(alice_client, detection)

    assert html.count("data-play ") == 10 and "data-player-list" in html
    assert reverse("music:save-playlist") in html
    form = re.search(r'<form class="save-list".*?</form>', html, re.S).group(0)
    saved = re.findall(r'<input type="hidden" name="track" value="(\d+)">', form)
    assert saved == [str(row.track.pk) for row in rows(shown(alice))]


def test_recently_recommended_says_the_feeling_with_its_adjective(alice_client, catalogue, alice):
    page(alice_client, detection_with_faces(alice, ["surprise"]))

    recent = alice_client.get(reverse("music:recent")).content.decode()

    assert "For feeling surprised" in recent and "For feeling surprise<" not in recent
