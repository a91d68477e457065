"""A photo's life on the web side: checked and cleaned at upload, stored privately and
queued for analysis, re-run after a failure, its driving face chosen, and deleted."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from accounts.consent import require_consent
from emotions.engine.preprocess import ImageError, decode_image
from emotions.models import Detection
from emotions.services.events import notify
from emotions.signals import history_deleted
from emotions.tasks import analyse_detection


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
    """Store a cleaned photo privately and queue its analysis; returns at once. Raises
    ConsentRequired when ``user`` does not consent to face processing."""
    require_consent(user)
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
    detection_id = str(detection.pk)
    transaction.on_commit(lambda: analyse_detection.delay(detection_id))
    notify(detection)


def rerun(detection: Detection) -> bool:
    """Queue a failed detection again; False when it cannot be (not failed, or no photo).
    Raises ConsentRequired when the owner does not consent to face processing."""
    require_consent(detection.owner)
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
    """Make face ``index`` the one that drives the music; ValueError when there is none."""
    if not detection.faces.filter(index=index).exists():
        raise ValueError(f"This photo has no face number {index}.")
    detection.selected_face = index
    detection.save(update_fields=["selected_face"])
    with transaction.atomic():
        notify(detection)


def delete_detection(detection: Detection) -> None:
    """Delete a detection, its faces, its photo file and every row derived from it (they
    reference it with on_delete=CASCADE: music's recommendation logs)."""
    detection.delete()


def delete_history(user) -> int:
    """Delete every detection of ``user`` with its photo and all that was derived from
    their readings (``history_deleted``); returns how many detections there were."""
    count = 0
    for detection in Detection.objects.owned_by(user):
        delete_detection(detection)
        count += 1
    history_deleted.send(sender=Detection, user=user)
    return count
