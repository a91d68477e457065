"""The emotion pages: upload, webcam, result and history, seen by their owner and by
someone else. Detections are created directly, so no model or worker is needed."""

import json
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from emotions.engine.labels import EMOTIONS
from emotions.models import DetectedFace, Detection
from emotions.views import HISTORY_PAGE_SIZE
from tests.support.images import astronaut_jpeg


def probabilities(top: str, confidence: float = 0.7) -> dict[str, float]:
    rest = (1 - confidence) / (len(EMOTIONS) - 1)
    return {emotion: confidence if emotion == top else rest for emotion in EMOTIONS}


def make_detection(owner, status="done", faces=(), photo=False, days_ago=0, **fields) -> Detection:
    detection = Detection.objects.create(
        owner=owner, status=status, retention="keep", photo_width=512, photo_height=512, **fields
    )
    if photo:
        detection.photo.save("photo.jpg", ContentFile(astronaut_jpeg()), save=True)
    for index, (emotion, confidence, uncertain) in enumerate(faces):
        DetectedFace.objects.create(
            detection=detection,
            index=index,
            x=40 + 200 * index,
            y=60,
            width=180 - 20 * index,
            height=180 - 20 * index,
            probabilities=probabilities(emotion, confidence),
            emotion=emotion,
            confidence=confidence,
            uncertain=uncertain,
        )
    if days_ago:
        Detection.objects.filter(pk=detection.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        detection.refresh_from_db()
    return detection


def embedded_json(response, element_id: str):
    pattern = rf'<script id="{element_id}" type="application/json">(.*?)</script>'
    match = re.search(pattern, response.content.decode(), re.S)
    assert match, f"no #{element_id} in the page"
    return json.loads(unescape(match.group(1)))


def stored_files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["emotions:upload", "emotions:webcam", "emotions:history"])
def test_the_pages_ask_an_anonymous_visitor_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["emotions:detail", "emotions:photo"])
def test_another_users_detection_is_a_404(client, alice, bob, name):
    detection = make_detection(alice, faces=[("happy", 0.8, False)], photo=True)
    client.force_login(bob)
    assert client.get(reverse(name, args=[detection.pk])).status_code == 404


@pytest.mark.parametrize("name", ["emotions:delete", "emotions:rerun", "emotions:select_face"])
def test_another_user_cannot_change_my_detection(client, alice, bob, name):
    detection = make_detection(alice, status="failed", faces=[("sad", 0.8, False)], photo=True)
    client.force_login(bob)
    assert client.post(reverse(name, args=[detection.pk]), {"face": 0}).status_code == 404
    assert Detection.objects.filter(pk=detection.pk, status="failed").exists()
    assert Path(detection.photo.path).exists()


# --- Upload and webcam pages ----------------------------------------------------------


def test_the_upload_page_has_a_file_form_that_works_without_javascript(alice_client, settings):
    settings.MAX_UPLOAD_MB = 7
    response = alice_client.get(reverse("emotions:upload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{reverse("emotions:upload")}"' in html
    assert 'name="image"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    assert 'data-max-mb="7"' in html and "up to 7 MB" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # The result appears in place: the server's fragment of it, swapped in as it changes.
    assert 'data-fragment-url="/music/detections/00000000-0000-0000-0000-000000000000/result/?level=3"' in html


def test_the_webcam_page_offers_the_camera_and_a_device_photo_fallback(alice_client):
    response = alice_client.get(reverse("emotions:webcam"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-camera-start" in html and "Take snapshot" in html
    assert f'action="{reverse("emotions:webcam")}"' in html and 'capture="user"' in html


def test_the_upload_page_tells_the_user_their_photo_retention(alice_client, alice):
    alice.photo_retention = "24h"
    alice.save()
    assert "kept for 24 hours" in alice_client.get(reverse("emotions:upload")).content.decode()


def test_the_non_javascript_upload_of_a_non_image_shows_an_error_and_stores_nothing(alice_client, settings):
    upload = SimpleUploadedFile("notes.jpg", b"these are not the pixels you are looking for", "image/jpeg")
    response = alice_client.post(reverse("emotions:upload"), {"image": upload})
    assert response.status_code == 400
    assert "not a JPEG, PNG or WebP photo" in response.content.decode()
    assert Detection.objects.count() == 0
    assert stored_files(settings) == []


def test_the_javascript_upload_of_a_non_image_gets_a_json_error(alice_client, settings):
    upload = SimpleUploadedFile("notes.png", b"plain text", "image/png")
    response = alice_client.post(reverse("emotions:webcam"), {"image": upload}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == body["errors"]["image"][0]
    assert Detection.objects.count() == 0
    assert stored_files(settings) == []


def test_the_non_javascript_upload_of_a_photo_redirects_to_its_result(alice_client):
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg(), "image/jpeg")
    response = alice_client.post(reverse("emotions:upload"), {"image": upload})
    detection = Detection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detection.get_absolute_url()


def test_the_javascript_upload_gets_the_detection_for_the_live_result(alice_client):
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg(), "image/jpeg")
    response = alice_client.post(reverse("emotions:webcam"), {"image": upload}, headers={"Accept": "application/json"})
    assert response.status_code == 202
    body = response.json()
    detection = Detection.objects.get()
    assert body["id"] == str(detection.pk) and body["status"] == "queued"
    assert body["url"] == detection.get_absolute_url()
    assert detection.source == "webcam"


# --- Result page ----------------------------------------------------------------------


def test_the_result_page_embeds_the_detection_json(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.81, False)], photo=True, model_version="vgg-1")
    response = alice_client.get(detection.get_absolute_url())
    assert response.status_code == 200
    data = embedded_json(response, "detection-data")
    assert data["id"] == str(detection.pk)
    assert data["status"] == "done"
    assert data["photo_url"] == reverse("emotions:photo", args=[detection.pk])
    assert data["faces"][0]["emotion"] == "happy"
    assert data["faces"][0]["box"] == [40, 60, 180, 180]
    assert set(data["faces"][0]["probabilities"]) == set(EMOTIONS)
    assert data["felt_emotion"] is None


def test_the_result_page_shows_every_probability_and_the_top_emotion(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.81, False)], photo=True)
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert html.count('<li class="prob') == len(EMOTIONS)
    assert "81% confidence" in html and "81%</span>" in html
    assert "#emotion-happy" in html and "--emotion: #b7650b" in html
    assert f'src="{reverse("emotions:photo", args=[detection.pk])}"' in html
    assert 'viewBox="0 0 512 512"' in html


def test_an_uncertain_face_is_marked_uncertain(alice_client, alice):
    detection = make_detection(alice, faces=[("fear", 0.34, True)])
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert "badge-uncertain" in html and "not sure about this face" in html


def test_a_deleted_photo_leaves_a_frame_of_its_size_and_says_why(alice_client, alice):
    detection = make_detection(alice, faces=[("sad", 0.9, False)], photo=False)
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert "photo-frame is-missing" in html and "--w: 512; --h: 512" in html
    assert "deleted after the analysis" in html
    assert reverse("emotions:photo", args=[detection.pk]) not in html


def test_several_faces_can_each_be_chosen_to_pick_the_music(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False), ("sad", 0.6, False), ("angry", 0.5, False)])
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert "3 faces" in html and "(largest)" in html
    assert html.count("data-select-face>") == 2, "every face but the chosen one gets a button"
    response = alice_client.post(reverse("emotions:select_face", args=[detection.pk]), {"face": 2})
    assert response.status_code == 302
    detection.refresh_from_db()
    assert detection.selected_face == 2
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert re.search(r'class="face-card is-selected" id="face-2"', html)


def test_a_face_that_does_not_exist_cannot_be_chosen(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False), ("sad", 0.6, False)])
    response = alice_client.post(reverse("emotions:select_face", args=[detection.pk]), {"face": 5}, follow=True)
    assert "Choose one of the faces" in response.content.decode()
    detection.refresh_from_db()
    assert detection.selected_face is None


def test_a_finished_detection_without_faces_says_no_face_was_found(alice_client, alice):
    detection = make_detection(alice, faces=[])
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert "No face was found in this photo" in html
    assert "face-card" not in html


def test_a_failed_detection_shows_its_reason_and_a_rerun_button(alice_client, alice):
    reason = "The analysis did not finish in time."
    detection = make_detection(alice, status="failed", photo=True, failure_reason=reason)
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert "The analysis failed" in html and "did not finish in time" in html
    assert f'action="{reverse("emotions:rerun", args=[detection.pk])}"' in html


def test_a_failed_detection_without_its_photo_offers_a_new_upload_instead(alice_client, alice):
    detection = make_detection(alice, status="failed", failure_reason="The photo could not be read.")
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert reverse("emotions:rerun", args=[detection.pk]) not in html
    assert "Upload it again" in html


@pytest.mark.parametrize(
    ("status", "words"), [("queued", "Waiting to be analysed"), ("running", "Analysing your photo")]
)
def test_an_unfinished_detection_says_what_is_happening(alice_client, alice, status, words):
    detection = make_detection(alice, status=status, photo=True)
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    assert words in html and 'aria-current="step"' in html


def test_the_result_page_renders_its_music_and_swaps_in_the_servers_fragment(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False)])
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    placeholder = "00000000-0000-0000-0000-000000000000"
    assert f'data-fragment-url="/music/detections/{placeholder}/result/?level=2"' in html
    assert "data-result-fragment" in html
    # The stored list is rendered with the result, inside the fragment the script swaps.
    fragment = html[html.index("data-result-fragment") :]
    assert re.search(r'<section id="recommendations" class="recommendations card"', fragment)
    assert f'data-fragment-url="/music/detections/{detection.pk}/result/?fragment=list"' in fragment


def test_the_result_page_knows_where_to_poll_and_post(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False)])
    html = alice_client.get(detection.get_absolute_url()).content.decode()
    placeholder = "00000000-0000-0000-0000-000000000000"
    assert f'data-api-url="/api/v1/detections/{placeholder}/"' in html
    assert f'data-select-face-api="/api/v1/detections/{placeholder}/select-face/"' in html
    assert f'data-rerun-api="/api/v1/detections/{placeholder}/rerun/"' in html


# --- History --------------------------------------------------------------------------


def test_history_lists_my_detections_newest_first_in_pages(alice_client, alice, bob):
    for days_ago in range(HISTORY_PAGE_SIZE + 2):
        make_detection(alice, faces=[("happy", 0.8, False)], days_ago=days_ago)
    make_detection(bob, faces=[("sad", 0.8, False)])

    first = alice_client.get(reverse("emotions:history"))
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.count == HISTORY_PAGE_SIZE + 2
    assert len(page.object_list) == HISTORY_PAGE_SIZE
    dates = [d.created_at for d in page.object_list]
    assert dates == sorted(dates, reverse=True)
    assert all(d.owner == alice for d in page.object_list)
    html = first.content.decode()
    assert "Page 1 of 2" in html and 'href="?page=2"' in html

    second = alice_client.get(reverse("emotions:history"), {"page": 2})
    assert len(second.context["page"].object_list) == 2
    assert second.context["page"].object_list[0].created_at < dates[-1]


def test_history_shows_the_chart_data_and_a_table_of_it(alice_client, alice):
    make_detection(alice, faces=[("happy", 0.8, False)], days_ago=2)
    make_detection(alice, faces=[("sad", 0.8, False)], days_ago=2)
    make_detection(alice, faces=[("happy", 0.8, False), ("angry", 0.9, False)], selected_face=1)
    make_detection(alice, status="failed")

    response = alice_client.get(reverse("emotions:history"))
    timeline = embedded_json(response, "timeline-data")
    assert len(timeline["days"]) == 2
    assert timeline["series"]["happy"] == [1, 0]
    assert timeline["series"]["sad"] == [1, 0]
    assert timeline["series"]["angry"] == [0, 1]
    assert timeline["colours"]["angry"] == "#c0392b"
    html = response.content.decode()
    assert "data-chart" in html and "<caption" in html
    assert f'<time datetime="{timeline["days"][0]}">' in html


def test_history_cards_show_the_emotion_status_and_a_thumbnail_only_for_stored_photos(alice_client, alice):
    stored = make_detection(alice, faces=[("surprise", 0.8, False)], photo=True)
    deleted = make_detection(alice, faces=[("neutral", 0.8, False)])
    html = alice_client.get(reverse("emotions:history")).content.decode()
    assert f'src="{reverse("emotions:photo", args=[stored.pk])}"' in html
    assert reverse("emotions:photo", args=[deleted.pk]) not in html
    assert "Surprise" in html and "Neutral" in html and "#emotion-surprise" in html
    assert html.count("status-badge status-done") == 2


def test_an_empty_history_invites_a_first_analysis(alice_client):
    response = alice_client.get(reverse("emotions:history"))
    assert "No analyses yet" in response.content.decode()
    assert "timeline-data" not in response.content.decode()


def test_deleting_a_detection_removes_it_and_its_photo(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False)], photo=True)
    path = Path(detection.photo.path)
    assert path.exists()
    response = alice_client.post(reverse("emotions:delete", args=[detection.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("emotions:history")
    assert not Detection.objects.filter(pk=detection.pk).exists()
    assert not path.exists()


def test_deleting_needs_a_post(alice_client, alice):
    detection = make_detection(alice, photo=True)
    assert alice_client.get(reverse("emotions:delete", args=[detection.pk])).status_code == 405
    assert alice_client.get(reverse("emotions:delete_all")).status_code == 405
    assert Detection.objects.filter(pk=detection.pk).exists()


def test_delete_all_removes_my_detections_and_photos_but_not_anyone_elses(alice_client, alice, bob):
    mine = [make_detection(alice, photo=True) for _ in range(3)]
    paths = [Path(d.photo.path) for d in mine]
    theirs = make_detection(bob, photo=True)

    response = alice_client.post(reverse("emotions:delete_all"), follow=True)
    assert "Deleted 3 detections" in response.content.decode()
    assert not Detection.objects.filter(owner=alice).exists()
    assert not any(p.exists() for p in paths)
    assert Detection.objects.filter(pk=theirs.pk).exists()
    assert Path(theirs.photo.path).exists()


def test_the_delete_buttons_ask_for_confirmation_first(alice_client, alice):
    detection = make_detection(alice, faces=[("happy", 0.8, False)])
    for url in (reverse("emotions:history"), detection.get_absolute_url()):
        html = alice_client.get(url).content.decode()
        assert '<details class="confirm" data-confirm>' in html
        assert "cannot be undone" in html
