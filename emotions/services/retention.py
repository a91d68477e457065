"""Photos already kept follow the owner's privacy choices: a shorter retention applies
to them at once, and withdrawing consent deletes them and stops the analyses queued."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from emotions.models import Detection
from emotions.services.analysis import fail_detection

CONSENT_WITHDRAWN_REASON = "You withdrew your consent to face processing, so this photo was not analysed."
# From the shortest to the longest.
RETENTION_ORDER = ("delete", "24h", "keep")
RETENTION_PERIOD = {"delete": timedelta(0), "24h": timedelta(hours=24)}


def apply_retention(user, now=None) -> int:
    """Apply ``user``'s current retention to their kept photos: deletes those it has run
    out for and moves the others' deadline closer; a longer choice applies only to new
    photos. Returns how many photos were deleted."""
    now = now or timezone.now()
    retention = user.photo_retention
    longer = RETENTION_ORDER[RETENTION_ORDER.index(retention) + 1 :]
    # Analyses still queued finish under the new choice.
    Detection.objects.owned_by(user).filter(
        status__in=[Detection.Status.QUEUED, Detection.Status.RUNNING], retention__in=longer
    ).update(retention=retention)
    if retention not in RETENTION_PERIOD:
        return 0
    deleted = 0
    kept = Detection.objects.owned_by(user).filter(status__in=[Detection.Status.DONE, Detection.Status.FAILED])
    for detection in kept.exclude(photo=""):
        deadline = (detection.finished_at or detection.created_at) + RETENTION_PERIOD[retention]
        if detection.photo_delete_at is not None:
            deadline = min(deadline, detection.photo_delete_at)
        if deadline <= now:
            _delete_photo(detection)
            deleted += 1
        else:
            detection.photo_delete_at = deadline
            detection.save(update_fields=["photo_delete_at"])
    return deleted


def forget_photos(user) -> int:
    """Consent withdrawn: fail the analyses not yet done and delete every kept photo.
    Returns how many photos were deleted."""
    unfinished = Detection.objects.owned_by(user).filter(status__in=[Detection.Status.QUEUED, Detection.Status.RUNNING])
    for detection_id in unfinished.values_list("pk", flat=True):
        fail_detection(detection_id, CONSENT_WITHDRAWN_REASON)
    deleted = 0
    for detection in Detection.objects.owned_by(user).exclude(photo=""):
        _delete_photo(detection)
        deleted += 1
    return deleted


def _delete_photo(detection: Detection) -> None:
    detection.photo.delete(save=False)
    detection.photo_delete_at = None
    detection.save(update_fields=["photo", "photo_delete_at"])
