"""A photo's life on the worker side: analysed, failed when it cannot be, and swept
when it is stuck or its owner's retention choice says the photo must go."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from emotions.engine.classifier import get_classifier
from emotions.engine.detector import get_detector
from emotions.engine.preprocess import FACE_SIZE, ImageError, decode_image
from emotions.models import DetectedFace, Detection
from emotions.services.events import notify

logger = logging.getLogger(__name__)

STUCK_REASON = "The analysis did not finish in time. You can re-run it."
MISSING_PHOTO_REASON = "The photo is no longer stored, so it cannot be analysed."
INTERNAL_REASON = "Something went wrong while analysing the photo. You can re-run it."


def face_detector():
    """This process's face detector for uploaded photos (settings.FACE_DETECTOR)."""
    return get_detector(settings.FACE_DETECTOR)


def analyse_with_model(rgb):
    """Detect and classify every face; returns (predictions, model version)."""
    classifier = get_classifier(settings.EMOTION_MODEL_DIR)
    return classifier.analyse_image(rgb, detector=face_detector()), classifier.version


def warm_up_model() -> bool:
    """Load this process's emotion model and face detector and run them once, so that the
    first analysis after a worker starts does not wait for them (several seconds, mostly
    TensorFlow and MTCNN's first run when it is the detector). Called when a worker starts (emotions.tasks). A
    missing or broken model is logged, not raised: analyses then fail as they would have."""
    started = time.perf_counter()
    try:
        classifier = get_classifier(settings.EMOTION_MODEL_DIR)
        # Noise rather than a blank image: it gives MTCNN candidate windows, so its later
        # stages run once too (a blank warm-up left the first photo about 0.4 s slower).
        noise = np.random.default_rng(0).integers(0, 256, size=(240, 320, 3), dtype=np.uint8)
        classifier.analyse_image(noise, detector=face_detector())
        classifier.predict(np.zeros((1, FACE_SIZE, FACE_SIZE), dtype=np.uint8))
    except Exception:
        logger.exception("The emotion model in %s could not be loaded at worker start", settings.EMOTION_MODEL_DIR)
        return False
    logger.info("Emotion model %s and face detector ready in %.1f s", classifier.version, time.perf_counter() - started)
    return True


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
