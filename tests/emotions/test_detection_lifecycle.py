"""A detection's life: retention of its photo, idempotent analysis, the sweeper that
fails stuck detections, re-running a failed one, and deletion."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from emotions.models import Detection
from emotions.services import analysis, detections
from tests.support.images import astronaut_jpeg


def new_detection(user) -> Detection:
    return detections.create_detection(user, SimpleUploadedFile("p.jpg", astronaut_jpeg(), "image/jpeg"))


def photo_file(detection) -> Path:
    return Path(detection.photo.path)


@pytest.mark.django_db
def test_by_default_the_photo_is_deleted_when_the_analysis_ends(alice, django_capture_on_commit_callbacks):
    assert alice.photo_retention == "delete"
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    path = photo_file(detection)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        analysis.run_analysis(detection.pk)
    detection.refresh_from_db()
    assert detection.status == "done"
    assert not detection.photo
    assert not path.exists()


@pytest.mark.django_db
def test_a_24_hour_photo_is_deleted_by_the_sweeper_after_a_day(alice, django_capture_on_commit_callbacks):
    alice.photo_retention = "24h"
    alice.save()
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    analysis.run_analysis(detection.pk)
    detection.refresh_from_db()
    path = photo_file(detection)
    assert path.exists()
    assert detection.photo_delete_at - detection.finished_at == timedelta(hours=24)

    analysis.sweep(now=timezone.now() + timedelta(hours=23))
    assert path.exists()
    analysis.sweep(now=timezone.now() + timedelta(hours=25))
    detection.refresh_from_db()
    assert not detection.photo and not path.exists()


@pytest.mark.django_db
def test_a_kept_photo_survives_the_sweeper_until_deleted(alice, django_capture_on_commit_callbacks):
    alice.photo_retention = "keep"
    alice.save()
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    analysis.run_analysis(detection.pk)
    path = photo_file(Detection.objects.get(pk=detection.pk))
    analysis.sweep(now=timezone.now() + timedelta(days=365))
    assert path.exists()
    Detection.objects.get(pk=detection.pk).delete()
    assert not path.exists()


@pytest.mark.django_db
def test_analysis_is_idempotent(alice, django_capture_on_commit_callbacks):
    alice.photo_retention = "keep"
    alice.save()
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    analysis.run_analysis(detection.pk)
    first = list(Detection.objects.get(pk=detection.pk).faces.values_list("emotion", "x", "y"))
    analysis.run_analysis(detection.pk)
    detection.refresh_from_db()
    assert list(detection.faces.values_list("emotion", "x", "y")) == first
    assert detection.attempts == 1


@pytest.mark.django_db
def test_a_redelivered_task_finishes_a_detection_left_running_by_a_killed_worker(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    Detection.objects.filter(pk=detection.pk).update(status="running", started_at=timezone.now(), attempts=1)
    analysis.run_analysis(detection.pk)
    detection.refresh_from_db()
    assert detection.status == "done" and detection.attempts == 2


@pytest.mark.django_db
def test_the_sweeper_fails_a_stuck_detection_which_can_then_be_rerun(
    alice, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    long_ago = timezone.now() - timedelta(seconds=settings.DETECTION_TIMEOUT_SECONDS + 60)
    Detection.objects.filter(pk=detection.pk).update(status="running", created_at=long_ago, started_at=long_ago)

    assert analysis.sweep() == {"failed": 1, "photos_deleted": 0, "face_crops_deleted": 0}
    detection.refresh_from_db()
    assert detection.status == "failed"
    assert detection.failure_reason == analysis.STUCK_REASON
    assert detection.photo, "a failed detection keeps its photo for a re-run"

    with django_capture_on_commit_callbacks(execute=False):
        assert detections.rerun(detection)
    detection.refresh_from_db()
    assert detection.status == "queued"
    analysis.run_analysis(detection.pk)
    detection.refresh_from_db()
    assert detection.status == "done" and not detection.photo


@pytest.mark.django_db
def test_a_recent_queued_detection_is_not_swept(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        new_detection(alice)
    assert analysis.sweep()["failed"] == 0


@pytest.mark.django_db
def test_a_done_detection_cannot_be_rerun(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    analysis.run_analysis(detection.pk)
    assert not detections.rerun(Detection.objects.get(pk=detection.pk))


@pytest.mark.django_db
def test_deleting_my_account_deletes_my_photos(alice, django_capture_on_commit_callbacks):
    alice.photo_retention = "keep"
    alice.save()
    with django_capture_on_commit_callbacks(execute=False):
        detection = new_detection(alice)
    path = photo_file(detection)
    alice.delete()
    assert not path.exists()
    assert not Detection.objects.exists()
