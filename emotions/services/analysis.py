"""What happens to a photo: checked and cleaned at upload, analysed by a worker,
pushed live to its owner, and deleted when the owner's retention choice says so.

Views and tasks are thin wrappers around these functions.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from emotions.engine.preprocess import ImageError, decode_image
from emotions.models import DetectedFace, Detection
from fermusic.lib.events import push_to_user

logger = logging.getLogger(__name__)

STUCK_REASON = "The analysis did not finish in time. You can re-run it."
MISSING_PHOTO_REASON = "The photo is no longer stored, so it cannot be analysed."
INTERNAL_REASON = "Something went wrong while analysing the photo. You can re-run it."


class UploadRejected(Exception):
    """The upload is not an acceptable photo; ``message`` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_photo(upload) -> tuple[bytes, int, int]:
    """Check an uploaded file and re-encode it as a plain JPEG with no metadata.

    Returns (jpeg bytes, width, height). Raises UploadRejected with a clear message.
    """
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload is None:
        raise UploadRejected("Choose a photo to upload.")
    if upload.size == 0:
        raise UploadRejected("The file is empty.")
    if upload.size > limit:
        raise UploadRejected(f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit.")
    data = upload.read(limit + 1)
    try:
        rgb = decode_image(data)
    except ImageError as exc:
        raise UploadRejected(str(exc)) from None
    # Re-encoding from decoded pixels drops EXIF (GPS, camera, time), ICC and XMP
    # data; the orientation has already been applied to the pixels.
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90, optimize=True)
    return buffer.getvalue(), rgb.shape[1], rgb.shape[0]


def create_detection(user, upload, source: str = Detection.Source.UPLOAD) -> Detection:
    """Store a cleaned photo privately and queue its analysis; returns at once."""
    jpeg, width, height = clean_photo(upload)
    detection = Detection(
        owner=user, source=source, retention=user.photo_retention, photo_width=width, photo_height=height
    )
    detection.photo.save("photo.jpg", ContentFile(jpeg), save=False)
    try:
        with transaction.atomic():
            detection.save()
            _queue_analysis(detection)
    except Exception:
        # The analysis is queued after the commit: if the broker refuses it there, the
        # row is already saved. The user is told to try again (a 503), so nothing stays.
        Detection.objects.filter(pk=detection.pk).delete()
        detection.photo.delete(save=False)
        raise
    return detection


def _queue_analysis(detection: Detection) -> None:
    from emotions.tasks import analyse_detection

    detection_id = str(detection.pk)
    transaction.on_commit(lambda: analyse_detection.delay(detection_id))
    notify(detection)


def notify(detection: Detection) -> None:
    """Push the detection's current state to its owner after the transaction commits."""
    from emotions.serializers import DetectionSerializer

    push_to_user(detection.owner_id, "detection.updated", DetectionSerializer(detection).data)


def analyse_with_model(rgb):
    """Detect and classify every face; returns (predictions, model version)."""
    from emotions.engine.classifier import get_classifier

    classifier = get_classifier(settings.EMOTION_MODEL_DIR)
    return classifier.analyse_image(rgb), classifier.version


def run_analysis(detection_id) -> None:
    """Analyse a queued detection. Idempotent: a finished detection is left alone, and a
    redelivered task (worker killed mid-way) simply runs the analysis again."""
    with transaction.atomic():
        detection = Detection.objects.select_for_update().filter(pk=detection_id).first()
        if detection is None or detection.is_finished:
            return
        if not detection.photo:
            _finish(detection, Detection.Status.FAILED, MISSING_PHOTO_REASON)
            return
        detection.status = Detection.Status.RUNNING
        detection.started_at = timezone.now()
        detection.attempts += 1
        detection.save(update_fields=["status", "started_at", "attempts"])
        notify(detection)

    try:
        with detection.photo.open("rb") as handle:
            rgb = decode_image(handle.read())
    except (ImageError, FileNotFoundError) as exc:
        reason = MISSING_PHOTO_REASON if isinstance(exc, FileNotFoundError) else f"The photo could not be read: {exc}"
        fail_detection(detection_id, reason)
        return
    # Model errors propagate: the task logs them and fails the detection generically.
    predictions, version = analyse_with_model(rgb)

    with transaction.atomic():
        detection = Detection.objects.select_for_update().get(pk=detection_id)
        if detection.is_finished:
            return
        detection.faces.all().delete()
        DetectedFace.objects.bulk_create(
            DetectedFace(
                detection=detection,
                index=i,
                x=p.box[0],
                y=p.box[1],
                width=p.box[2],
                height=p.box[3],
                probabilities=p.probabilities,
                emotion=p.emotion,
                confidence=p.confidence,
                uncertain=p.uncertain,
                landmarks=p.landmarks or {},
            )
            for i, p in enumerate(predictions)
        )
        detection.model_version = version
        detection.selected_face = 0 if predictions else None
        _finish(detection, Detection.Status.DONE)


def fail_detection(detection_id, reason: str = INTERNAL_REASON) -> None:
    """Mark a detection failed unless it already finished (used when retries run out)."""
    with transaction.atomic():
        detection = Detection.objects.select_for_update().filter(pk=detection_id).first()
        if detection is not None and not detection.is_finished:
            _finish(detection, Detection.Status.FAILED, reason)


def _finish(detection: Detection, status: str, reason: str = "") -> None:
    detection.status = status
    detection.failure_reason = reason
    detection.finished_at = timezone.now()
    deadline = detection.photo_deadline_after_finish(detection.finished_at)
    if deadline is not None and deadline <= detection.finished_at:
        # "Delete as soon as the analysis ends": the file goes once the result is saved.
        photo = detection.photo.name
        transaction.on_commit(lambda: detection.photo.storage.delete(photo) if photo else None)
        detection.photo = ""
        detection.photo_delete_at = None
    else:
        detection.photo_delete_at = deadline
    detection.save()
    notify(detection)


def rerun(detection: Detection) -> bool:
    """Queue a failed detection again; False when it cannot be (not failed, or no photo)."""
    with transaction.atomic():
        detection = Detection.objects.select_for_update().get(pk=detection.pk)
        if detection.status != Detection.Status.FAILED or not detection.photo:
            return False
        detection.status = Detection.Status.QUEUED
        detection.failure_reason = ""
        detection.started_at = detection.finished_at = None
        detection.photo_delete_at = None
        detection.save()
        _queue_analysis(detection)
    return True


def select_face(detection: Detection, index: int) -> None:
    if not detection.faces.filter(index=index).exists():
        raise ValueError(f"This photo has no face number {index}.")
    detection.selected_face = index
    detection.save(update_fields=["selected_face"])
    with transaction.atomic():
        notify(detection)


def sweep(now=None) -> dict:
    """Fail detections stuck past the timeout (a worker died) and delete photos whose
    retention ran out. Run every minute by Celery beat."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DETECTION_TIMEOUT_SECONDS)
    stuck_ids = list(
        Detection.objects.filter(status__in=[Detection.Status.QUEUED, Detection.Status.RUNNING], created_at__lt=cutoff)
        .exclude(started_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    for detection_id in stuck_ids:
        fail_detection(detection_id, STUCK_REASON)
    expired = 0
    for detection in Detection.objects.filter(photo_delete_at__lte=now).exclude(photo=""):
        detection.photo.delete(save=False)
        detection.photo_delete_at = None
        detection.save(update_fields=["photo", "photo_delete_at"])
        expired += 1
    if stuck_ids or expired:
        logger.info("Sweep: %d stuck detections failed, %d photos deleted", len(stuck_ids), expired)
    return {"failed": len(stuck_ids), "photos_deleted": expired}
