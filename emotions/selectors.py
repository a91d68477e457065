"""Read models of detections for the pages: a user's history and its timeline, and for
staff the model's readings against what listeners said they felt."""

from collections import Counter

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from emotions.engine.labels import EMOTIONS
from emotions.models import DetectedFace, Detection
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


def correction_confusion() -> dict:
    """What the model read (rows) against what the owners said they felt (columns), for
    every corrected detection, counted on the face that picks the music; with each
    emotion's share of readings the owners kept (precision) and of feelings the model
    read (recall)."""
    read = DetectedFace.objects.filter(
        detection=OuterRef("pk"), index=Coalesce(OuterRef("selected_face"), Value(0))
    ).values("emotion")[:1]
    pairs = (
        Detection.objects.filter(felt_emotion__isnull=False)
        .annotate(read=Subquery(read))
        .exclude(read=None)
        .values_list("read", "felt_emotion")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(r, f): n for r, f, n in pairs}
    felt_totals = {f: sum(counts.get((r, f), 0) for r in EMOTIONS) for f in EMOTIONS}
    rows = []
    for emotion in EMOTIONS:
        cells = [counts.get((emotion, felt), 0) for felt in EMOTIONS]
        total, agreed = sum(cells), counts.get((emotion, emotion), 0)
        rows.append(
            {
                "emotion": emotion,
                "cells": [
                    {"felt": felt, "count": n, "agree": felt == emotion}
                    for felt, n in zip(EMOTIONS, cells, strict=True)
                ],
                "total": total,
                "precision": agreed / total if total else None,
                "recall": agreed / felt_totals[emotion] if felt_totals[emotion] else None,
            }
        )
    return {
        "emotions": list(EMOTIONS),
        "rows": rows,
        "felt_totals": [felt_totals[f] for f in EMOTIONS],
        "total": sum(counts.values()),
        "changed": sum(n for (r, f), n in counts.items() if r != f),
    }
