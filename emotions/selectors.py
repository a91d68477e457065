"""Read models of a user's detections for the pages: the history and its timeline."""

from collections import Counter

from django.db.models import QuerySet

from emotions.engine.labels import EMOTIONS
from emotions.models import Detection
from emotions.presentation import EMOTION_STYLE


def history(user) -> QuerySet[Detection]:
    """The user's detections, newest first, with their faces."""
    return Detection.objects.owned_by(user).prefetch_related("faces")


def timeline(user) -> dict:
    """Emotion counts per day of the user's finished detections (driving face only)."""
    days: dict[str, Counter] = {}
    finished = (
        Detection.objects.owned_by(user)
        .filter(status=Detection.Status.DONE)
        .prefetch_related("faces")
        .order_by("created_at")
    )
    for detection in finished:
        face = detection.driving_face
        if face is not None:
            days.setdefault(detection.created_at.date().isoformat(), Counter())[face.emotion] += 1
    return {
        "days": list(days),
        "series": {emotion: [days[d][emotion] for d in days] for emotion in EMOTIONS},
        "colours": {emotion: EMOTION_STYLE[emotion]["colour"] for emotion in EMOTIONS},
    }
