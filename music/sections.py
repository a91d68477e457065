"""What the music section of a result shows (templates/music/_detection_music.html):
a detection's stored list with whom it is for, or why there is none yet. The result
page renders it through ``{% detection_music %}`` and music's views render the same
section alone for the page's script to swap in."""

from __future__ import annotations

from emotions.models import Detection
from music.models import ShownList
from music.services import shown_lists

UNDO_SECONDS = 12  # how long the page offers Undo after a dislike (at least 10 s)


def detection_music_context(request, detection: Detection, subject: str | None = None, **extra) -> dict:
    """What templates/music/_detection_music.html shows for ``detection``: its stored
    list for ``subject`` (by default the kind of list shown last), or why there is
    none yet."""
    context = base_context(detection, **extra)
    faces = context["faces"]
    if detection.status != Detection.Status.DONE:
        return {**context, "waiting": True}
    if subject not in ShownList.Subject.values:
        latest = shown_lists.latest_for_detection(request.user, detection)
        subject = latest.subject if latest and len(faces) > 1 else ShownList.Subject.FACE
    try:
        shown = shown_lists.list_for_detection(request.user, detection, subject)
    except shown_lists.NoMusic as exc:
        return {**context, "no_music": exc.message}
    return {**context, **list_context(shown, detection, extra.get("undo"))}


def base_context(detection: Detection, **extra) -> dict:
    faces = list(detection.faces.all())
    return {
        "detection": detection,
        "faces": faces,
        "face_count": len(faces),
        "undo_seconds": UNDO_SECONDS,
        "next": f"{detection.get_absolute_url()}#recommendations",
        **extra,
    }


def list_context(shown: ShownList, detection: Detection, undo=None) -> dict:
    driving = detection.driving_face
    blend = shown.blend.get("emotions", {})
    return {
        "shown": shown,
        "rows": shown_lists.rows(shown),
        "driving": driving,
        "blend": sorted(((e, p) for e, p in blend.items() if p >= 0.005), key=lambda pair: -pair[1]),
        "undo": undo,
    }
