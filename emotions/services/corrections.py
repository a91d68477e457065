"""Correcting a reading: the owner says which emotion they felt (``felt_emotion``), and
from then on the music follows it. Owners who opted in (``keep_corrected_faces``) give
the 48x48 aligned face of the readings they correct, for retraining; the crop is taken
at analysis time (the photo may be gone by the time they correct it) and dropped again
unless the reading is corrected within ``CORRECTION_WINDOW``."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from emotions.engine.labels import EMOTIONS
from emotions.engine.preprocess import FACE_SIZE, prepare_face, to_grey
from emotions.models import DetectedFace, Detection
from emotions.services.events import notify

# How long the crops of an uncorrected reading are held, waiting for a correction.
CORRECTION_WINDOW = timedelta(hours=24)


class NothingToCorrect(ValueError):
    """The detection has no reading yet (not finished, or no face)."""


def correct_reading(detection: Detection, felt: str | None) -> Detection:
    """Record what the owner felt (None takes the correction back) and push the change.
    ValueError for a word that is not one of the seven emotions; NothingToCorrect while
    there is no face to correct."""
    if felt is not None and felt not in EMOTIONS:
        raise ValueError(f"Choose one of: {', '.join(EMOTIONS)}.")
    with transaction.atomic():
        detection = Detection.objects.select_for_update().select_related("owner").get(pk=detection.pk)
        if detection.status != Detection.Status.DONE or detection.driving_face is None:
            raise NothingToCorrect("There is no reading to correct yet.")
        detection.felt_emotion = felt
        detection.save(update_fields=["felt_emotion"])
        faces = DetectedFace.objects.filter(detection=detection)
        if felt is not None and detection.owner.keep_corrected_faces:
            # Only the face the correction is about is kept.
            faces.exclude(index=detection.driving_face.index).update(aligned_face=None)
        else:
            faces.update(aligned_face=None)
        notify(detection)
    return detection


def aligned_faces(owner, rgb: np.ndarray, predictions) -> list[bytes | None]:
    """The aligned 48x48 crop of each predicted face, as the classifier saw it, when
    ``owner`` opted in to give corrected faces; otherwise nothing is kept."""
    if not owner.keep_corrected_faces:
        return [None] * len(predictions)
    grey = to_grey(rgb)
    crops = []
    for prediction in predictions:
        eyes = prediction.landmarks or {}
        pair = (eyes["left_eye"], eyes["right_eye"]) if "left_eye" in eyes and "right_eye" in eyes else None
        face = prepare_face(grey, prediction.box, pair)
        crops.append(np.ascontiguousarray(face, dtype=np.uint8).tobytes())
    return crops


def drop_uncorrected_faces(now=None) -> int:
    """Forget the crops of readings nobody corrected in time; returns how many faces."""
    now = now or timezone.now()
    return DetectedFace.objects.filter(
        aligned_face__isnull=False,
        detection__felt_emotion__isnull=True,
        detection__finished_at__lt=now - CORRECTION_WINDOW,
    ).update(aligned_face=None)


def corrected_faces():
    """(felt emotion, 48x48 uint8 array) for each corrected reading whose face was kept."""
    faces = (
        DetectedFace.objects.filter(aligned_face__isnull=False, detection__felt_emotion__isnull=False)
        .select_related("detection")
        .order_by("detection__created_at", "detection_id", "index")
    )
    for face in faces.iterator():
        pixels = np.frombuffer(bytes(face.aligned_face), dtype=np.uint8)
        if pixels.size == FACE_SIZE * FACE_SIZE:
            yield face.detection.felt_emotion, pixels.reshape(FACE_SIZE, FACE_SIZE)
