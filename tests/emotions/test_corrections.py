"""Correcting a reading ("Not quite? I feel …"): felt_emotion through the API and the
form, the music following it, the faces kept for retraining (only with consent, only
of corrected readings, gone with the detection), their export, and the staff's
model-versus-felt table."""

import csv
from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from emotions.engine.classifier import FacePrediction
from emotions.engine.datasets import load_fer_csv
from emotions.engine.labels import EMOTIONS, INDEX
from emotions.engine.preprocess import FACE_SIZE
from emotions.models import DetectedFace, Detection
from emotions.services import analysis, corrections, detections
from music.services.mood_model import moods_for
from tests.support.images import astronaut_jpeg
from tests.support.music_factories import StaffFactory
from tests.support.recommend import catalogue_in_db, detection_with_faces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]

FACE_BYTES = bytes(range(256)) * (FACE_SIZE * FACE_SIZE // 256)


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def patch(client, detection, body):
    return client.patch(reverse("detection-detail", args=[detection.pk]), body, format="json")


def with_kept_faces(detection):
    DetectedFace.objects.filter(detection=detection).update(aligned_face=FACE_BYTES)
    return detection


# --- The API --------------------------------------------------------------------------


def test_felt_emotion_round_trips_through_the_api_and_changes_the_moods_of_the_next_list(api, alice):
    catalogue_in_db()
    detection = detection_with_faces(alice, ["happy"])
    music = reverse("detection-recommendations", args=[detection.pk])
    assert api.get(music).json()["moods"] == moods_for("happy", alice.mood_strategy)

    response = patch(api, detection, {"felt_emotion": "sad"})

    assert response.status_code == 200 and response.json()["felt_emotion"] == "sad"
    assert api.get(reverse("detection-detail", args=[detection.pk])).json()["felt_emotion"] == "sad"
    after = api.get(music).json()
    assert after["emotion"] == "sad" and after["moods"] == moods_for("sad", alice.mood_strategy)
    assert moods_for("sad", alice.mood_strategy) != moods_for("happy", alice.mood_strategy)
    assert {item["track"]["mood"] for item in after["results"]} <= set(moods_for("sad", alice.mood_strategy))


def test_a_null_felt_emotion_takes_the_correction_back(api, alice):
    detection = detection_with_faces(alice, ["happy"])
    patch(api, detection, {"felt_emotion": "angry"})

    response = patch(api, detection, {"felt_emotion": None})

    assert response.status_code == 200 and response.json()["felt_emotion"] is None
    detection.refresh_from_db()
    assert detection.felt_emotion is None and detection.music_emotion == "happy"


@pytest.mark.parametrize("body", [{"felt_emotion": "bored"}, {"felt_emotion": 3}, {}, {"felt_emotion": ""}])
def test_a_felt_emotion_that_is_not_one_of_the_seven_is_a_400(api, alice, body):
    detection = detection_with_faces(alice, ["happy"])

    response = patch(api, detection, body)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"} and "felt_emotion" in response.json()["errors"]
    detection.refresh_from_db()
    assert detection.felt_emotion is None


def test_only_the_owner_can_correct_a_reading(alice, bob):
    detection = detection_with_faces(alice, ["happy"])
    client = APIClient()
    client.force_authenticate(bob)

    assert patch(client, detection, {"felt_emotion": "sad"}).status_code == 404
    assert patch(APIClient(), detection, {"felt_emotion": "sad"}).status_code in (401, 403)
    detection.refresh_from_db()
    assert detection.felt_emotion is None


def test_a_reading_that_is_not_there_yet_cannot_be_corrected(api, alice):
    queued = detection_with_faces(alice, [], status="queued")
    faceless = detection_with_faces(alice, [])

    assert patch(api, queued, {"felt_emotion": "sad"}).status_code == 409
    assert patch(api, faceless, {"felt_emotion": "sad"}).status_code == 409


def test_put_is_not_offered_only_patch(api, alice):
    detection = detection_with_faces(alice, ["happy"])

    response = api.put(reverse("detection-detail", args=[detection.pk]), {"felt_emotion": "sad"}, format="json")

    assert response.status_code == 405


# --- The form, without JavaScript -----------------------------------------------------


def test_the_feeling_form_corrects_the_reading_and_returns_to_the_result(alice_client, alice):
    detection = detection_with_faces(alice, ["happy"])
    url = reverse("emotions:correct", args=[detection.pk])

    response = alice_client.post(url, {"felt_emotion": "disgust"})

    assert response.status_code == 302 and response["Location"] == detection.get_absolute_url()
    detection.refresh_from_db()
    assert detection.felt_emotion == "disgust"
    alice_client.post(url, {"felt_emotion": ""})
    detection.refresh_from_db()
    assert detection.felt_emotion is None


def test_the_feeling_form_refuses_other_words_and_other_peoples_results(alice_client, alice, bob):
    mine = detection_with_faces(alice, ["happy"])
    theirs = detection_with_faces(bob, ["happy"])

    response = alice_client.post(reverse("emotions:correct", args=[mine.pk]), {"felt_emotion": "bored"}, follow=True)
    assert "Choose one of" in response.content.decode()
    assert alice_client.post(reverse("emotions:correct", args=[theirs.pk]), {"felt_emotion": "sad"}).status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.felt_emotion is None and theirs.felt_emotion is None


def test_history_shows_what_i_felt_beside_the_models_reading(alice_client, alice):
    detection = detection_with_faces(alice, ["happy"])
    corrections.correct_reading(detection, "surprise")

    html = alice_client.get(reverse("emotions:history")).content.decode()

    assert "You felt surprised" in html and "read as happy" in html


# --- Faces kept for retraining --------------------------------------------------------


def prediction(box, eyes=None):
    landmarks = {"left_eye": eyes[0], "right_eye": eyes[1]} if eyes else {}
    probabilities = {e: 1 / len(EMOTIONS) for e in EMOTIONS}
    return FacePrediction(
        box=box, probabilities=probabilities, emotion="happy", confidence=0.4, uncertain=False, landmarks=landmarks
    )


def test_faces_are_cropped_at_analysis_only_for_listeners_who_opted_in(alice, bob):
    bob.keep_corrected_faces = True
    rgb = np.random.default_rng(0).integers(0, 256, size=(120, 160, 3), dtype=np.uint8)
    faces = [prediction((20, 10, 60, 60), ((38.0, 30.0), (62.0, 31.0))), prediction((90, 20, 40, 40))]

    assert corrections.aligned_faces(alice, rgb, faces) == [None, None]
    crops = corrections.aligned_faces(bob, rgb, faces)
    assert [len(crop) for crop in crops] == [FACE_SIZE * FACE_SIZE] * 2


def test_correcting_keeps_only_the_face_that_picks_the_music_and_only_with_consent(alice, bob):
    alice.keep_corrected_faces = True
    alice.save()
    detection = with_kept_faces(detection_with_faces(alice, ["happy", "sad"], selected_face=1))
    other = with_kept_faces(detection_with_faces(bob, ["happy"]))

    corrections.correct_reading(detection, "angry")
    corrections.correct_reading(other, "angry")

    kept = dict(DetectedFace.objects.filter(detection=detection).values_list("index", "aligned_face"))
    assert kept[0] is None and bytes(kept[1]) == FACE_BYTES
    # Bob never opted in: his correction keeps nothing.
    assert DetectedFace.objects.get(detection=other).aligned_face is None


def test_taking_a_correction_back_or_opting_out_deletes_the_kept_face(alice_client, alice):
    alice.keep_corrected_faces = True
    alice.save()
    first = with_kept_faces(detection_with_faces(alice, ["happy"]))
    second = with_kept_faces(detection_with_faces(alice, ["sad"]))
    corrections.correct_reading(first, "angry")
    corrections.correct_reading(second, "fear")

    corrections.correct_reading(first, None)
    assert DetectedFace.objects.get(detection=first).aligned_face is None
    assert DetectedFace.objects.get(detection=second).aligned_face is not None

    profile = {"email": alice.email, "photo_retention": alice.photo_retention, "mood_strategy": alice.mood_strategy}
    alice_client.post(reverse("accounts:profile"), profile)
    alice.refresh_from_db()
    assert alice.keep_corrected_faces is False
    assert not DetectedFace.objects.filter(aligned_face__isnull=False).exists()


def test_deleting_a_result_or_the_history_deletes_its_kept_face(alice):
    alice.keep_corrected_faces = True
    alice.save()
    for emotion in ("happy", "sad", "neutral"):
        detection = with_kept_faces(detection_with_faces(alice, [emotion]))
        corrections.correct_reading(detection, "angry")

    detections.delete_detection(Detection.objects.owned_by(alice).first())
    assert DetectedFace.objects.filter(aligned_face__isnull=False).count() == 2
    detections.delete_history(alice)
    assert not DetectedFace.objects.filter(aligned_face__isnull=False).exists()


def test_the_sweeper_drops_the_crops_of_readings_nobody_corrected_in_time(alice):
    alice.keep_corrected_faces = True
    alice.save()
    old = with_kept_faces(detection_with_faces(alice, ["happy"]))
    corrected = with_kept_faces(detection_with_faces(alice, ["happy"]))
    recent = with_kept_faces(detection_with_faces(alice, ["happy"]))
    corrections.correct_reading(corrected, "sad")
    long_ago = timezone.now() - corrections.CORRECTION_WINDOW - timedelta(minutes=1)
    Detection.objects.filter(pk__in=[old.pk, corrected.pk]).update(finished_at=long_ago)
    Detection.objects.filter(pk=recent.pk).update(finished_at=timezone.now())

    assert analysis.sweep()["face_crops_deleted"] == 1

    kept = set(DetectedFace.objects.filter(aligned_face__isnull=False).values_list("detection_id", flat=True))
    assert kept == {corrected.pk, recent.pk}


def test_an_analysis_for_a_listener_who_opted_in_stores_the_aligned_face(alice, monkeypatch):
    alice.keep_corrected_faces = True
    alice.save()
    detection = detections.create_detection(alice, _upload(), "upload")
    found = [prediction((100, 80, 200, 200), ((160.0, 150.0), (240.0, 152.0)))]
    monkeypatch.setattr(analysis, "analyse_with_model", lambda rgb: (found, "test-model"))

    analysis.run_analysis(detection.pk)

    face = DetectedFace.objects.get(detection=detection)
    assert len(bytes(face.aligned_face)) == FACE_SIZE * FACE_SIZE


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("face.jpg", astronaut_jpeg(), content_type="image/jpeg")


# --- Export and the admin -------------------------------------------------------------


def test_export_corrections_writes_the_kept_faces_in_fer2013_layout(alice, bob, tmp_path):
    from django.core.management import call_command

    alice.keep_corrected_faces = True
    alice.save()
    corrected = with_kept_faces(detection_with_faces(alice, ["happy"]))
    corrections.correct_reading(corrected, "disgust")
    uncorrected = with_kept_faces(detection_with_faces(alice, ["sad"]))
    not_given = detection_with_faces(bob, ["happy"])
    corrections.correct_reading(not_given, "fear")

    call_command("export_corrections", str(tmp_path / "out"))

    path = tmp_path / "out" / "corrections.csv"
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["emotion", "pixels", "Usage"]
    assert len(rows) == 2, "only the corrected face that was given"
    emotion, pixels, usage = rows[1]
    assert int(emotion) == INDEX["disgust"] and usage == "Training"
    assert [int(v) for v in pixels.split()] == list(FACE_BYTES)
    dataset = load_fer_csv(path)
    assert dataset.images.shape == (1, FACE_SIZE, FACE_SIZE) and list(dataset.labels) == [INDEX["disgust"]]
    assert uncorrected.felt_emotion is None


def test_staff_see_the_model_against_felt_confusion_per_emotion(client, alice, bob):
    for owner, read, felt in [
        (alice, "sad", "angry"),
        (bob, "sad", "angry"),
        (alice, "happy", "happy"),
        (bob, "neutral", "disgust"),
    ]:
        corrections.correct_reading(detection_with_faces(owner, [read]), felt)
    detection_with_faces(alice, ["fear"])  # never corrected: not counted
    client.force_login(StaffFactory(username="editor", email="editor@example.com"))

    changelist = client.get(reverse("admin:emotions_detection_changelist")).content.decode()
    response = client.get(reverse("admin:emotions_detection_corrections"))

    assert reverse("admin:emotions_detection_corrections") in changelist
    assert response.status_code == 200
    confusion = response.context["confusion"]
    assert confusion["total"] == 4 and confusion["changed"] == 3
    sad = next(row for row in confusion["rows"] if row["emotion"] == "sad")
    assert {cell["felt"]: cell["count"] for cell in sad["cells"]}["angry"] == 2 and sad["precision"] == 0
    angry = next(row for row in confusion["rows"] if row["emotion"] == "angry")
    assert angry["recall"] == 0 and confusion["felt_totals"][INDEX["angry"]] == 2
    assert 'data-read="sad"' in response.content.decode()


def test_listeners_cannot_open_the_confusion_page(alice_client):
    response = alice_client.get(reverse("admin:emotions_detection_corrections"))

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_choosing_another_face_takes_back_the_correction_made_for_the_first(api, alice):
    alice.keep_corrected_faces = True
    alice.save()
    detection = with_kept_faces(detection_with_faces(alice, ["happy", "neutral"]))
    corrections.correct_reading(detection, "sad")

    response = api.post(reverse("detection-select-face", args=[detection.pk]), {"selected_face": 1}, format="json")

    assert response.status_code == 200 and response.json()["felt_emotion"] is None
    detection.refresh_from_db()
    assert detection.music_emotion == "neutral"
    assert not DetectedFace.objects.filter(detection=detection, aligned_face__isnull=False).exists()
    # Choosing the face already chosen changes nothing.
    corrections.correct_reading(detection, "angry")
    api.post(reverse("detection-select-face", args=[detection.pk]), {"selected_face": 1}, format="json")
    detection.refresh_from_db()
    assert detection.felt_emotion == "angry"
