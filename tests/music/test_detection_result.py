"""The fragment a result page swaps in (music:detection_result): the result rendered
once on the server with its stored list right under the reading, for its owner only, and
worded with adjectives and SVG icons."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from emotions.engine.labels import EMOTIONS
from emotions.services import corrections
from music.models import RecommendationLog, ShownList
from music.services.mood_model import moods_for
from tests.support.recommend import catalogue_in_db, detection_with_faces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]


@pytest.fixture
def catalogue(db):
    return catalogue_in_db()


def fragment(client, detection, **query):
    return client.get(reverse("music:detection_result", args=[detection.pk]), query)


def titles(html: str) -> list[str]:
    return re.findall(r'<p class="rec-title"><strong>(.*?)</strong>', html)


def test_a_finished_result_comes_with_its_playlist_under_the_reading(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])

    response = fragment(alice_client, detection)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert 'data-status="done"' in html and "One face found" in html
    assert html.index("data-result") < html.index("data-recommendations")
    assert "Music for feeling happy" in html and len(titles(html)) == 10
    assert response.context["shown"].moods == moods_for("happy", alice.mood_strategy)
    assert titles(fragment(alice_client, detection).content.decode()) == titles(html), "the list holds still"
    log = RecommendationLog.objects.get()
    assert (log.detection_id, log.surface, log.emotion) == (detection.pk, "detection", "happy")


def test_a_corrected_reading_brings_music_for_what_was_felt(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    before = fragment(alice_client, detection).content.decode()

    corrections.correct_reading(detection, "sad")
    response = fragment(alice_client, detection)

    html = response.content.decode()
    assert "Music for feeling sad" in html and "You said you feel <strong data-felt-word>sad</strong>" in html
    assert response.context["shown"].moods == moods_for("sad", alice.mood_strategy)
    assert response.context["shown"].emotion == "sad"
    assert titles(html) != titles(before)
    assert re.search(r'value="sad"[^>]*aria-pressed="true"', html)
    assert len(re.findall(r'name="felt_emotion" value="\w+"[^>]*aria-pressed="true"', html)) == 1
    assert titles(fragment(alice_client, detection).content.decode()) == titles(html), "the sad list holds still"

    corrections.correct_reading(detection, None)
    again = fragment(alice_client, detection).content.decode()

    assert "Music for feeling happy" in again and titles(again) == titles(before), "going back: the earlier list"
    assert ShownList.objects.filter(detection=detection).count() == 2


def test_a_result_still_being_analysed_has_no_playlist_yet(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, [], status="running")

    html = fragment(alice_client, detection).content.decode()

    assert 'data-status="running"' in html and "Analysing your photo" in html
    assert "data-recommendations" not in html and not RecommendationLog.objects.exists()


def test_another_listeners_result_is_a_404_and_a_visitor_must_log_in(client, alice, bob, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    client.force_login(bob)

    assert fragment(client, detection).status_code == 404
    client.logout()
    response = fragment(client, detection)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not RecommendationLog.objects.exists()


def test_the_list_alone_is_the_stored_section_without_the_result(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["sad"])

    whole = fragment(alice_client, detection).content.decode()
    alone = fragment(alice_client, detection, fragment="list").content.decode()

    assert "data-result" not in alone and 'id="recommendations"' in alone
    assert titles(alone) == titles(whole)


def test_headings_nest_one_deeper_inside_the_upload_page(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["sad"])

    inline = fragment(alice_client, detection, level=3).content.decode()

    assert '<h3 id="faces-title' in inline and '<h3 id="recommendations-title' in inline
    assert "<h2" not in inline


# --- Words and icons --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("emotion", "adjective"),
    [("surprise", "surprised"), ("disgust", "disgusted"), ("fear", "afraid"), ("happy", "happy")],
)
def test_the_result_says_how_you_look_with_an_adjective(alice_client, alice, catalogue, emotion, adjective):
    detection = detection_with_faces(alice, [emotion])

    html = fragment(alice_client, detection).content.decode()

    assert f"You look {adjective}." in html and f"Music for feeling {adjective}" in html
    assert f"For feeling {adjective}, matching your mood" in html
    assert f"You look {emotion}." not in html or emotion == adjective


def test_every_result_offers_the_seven_emotions_to_correct_it(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["neutral"])

    html = fragment(alice_client, detection).content.decode()

    assert "Not quite? I feel …" in html
    assert html.count('name="felt_emotion"') == len(EMOTIONS)
    assert f'action="{reverse("emotions:correct", args=[detection.pk])}"' in html


def test_the_model_version_is_only_in_a_details_disclosure(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    detection.model_version = "vgg32-mirror-abc"
    detection.save()

    html = fragment(alice_client, detection).content.decode()

    assert html.count("vgg32-mirror-abc") == 1
    details = re.search(r"<details class=\"model-details[^\"]*\">(.*?)</details>", html, re.S)
    assert details and "vgg32-mirror-abc" in details.group(1)


def test_emotions_and_moods_are_drawn_as_svg_not_emoji(alice_client, alice, catalogue):
    detection = detection_with_faces(alice, ["disgust"])

    html = fragment(alice_client, detection).content.decode()

    assert not re.search("[\U0001f300-\U0001faff\u2600-\u27bf]", html), "an emoji would need an emoji font"
    assert re.search(r'<use href="/static/img/icons\.svg#emotion-disgust">', html)
    assert re.search(r'<use href="/static/img/icons\.svg#mood-(calm|sad|happy|energetic)">', html)


def test_the_icon_sprite_has_every_emotion_and_mood():
    from django.contrib.staticfiles import finders

    sprite = Path(finders.find("img/icons.svg")).read_text()
    for name in [*(f"emotion-{e}" for e in EMOTIONS), "mood-happy", "mood-energetic", "mood-calm", "mood-sad"]:
        assert f'<symbol id="{name}"' in sprite
