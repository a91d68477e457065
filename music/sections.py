"""What the music section of a result shows (templates/music/_shown_list.html):
a detection's stored list with whom it is for, or why there is none yet. The result
page renders it through ``{% detection_music %}`` and music's views render the same
section alone for the page's script to swap in."""

from __future__ import annotations

from emotions.models import Detection
from music.models import ShownList
from music.services import shown_lists

UNDO_SECONDS = 12  # how long the page offers Undo after a dislike (at least 10 s)
BLEND_NAMED = 0.05  # emotions below this share of a blend are summed up as "others"


def detection_music_context(request, detection: Detection, subject: str | None = None, **extra) -> dict:
    """What templates/music/_shown_list.html shows for ``detection``: its stored
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
    rows = shown_lists.rows(shown, with_gone=True)
    return {
        "shown": shown,
        "rows": rows,
        "save_tracks": [row.track for row in rows if not row.gone],
        "driving": detection.driving_face,
        "blend": blend_sentence(shown) if shown.blend else "",
        "undo": undo,
    }


def blend_sentence(shown: ShownList) -> str:
    """How a list for everyone in a photo was made, in words: "A blend of the 2 faces,
    by the mean of their emotion probabilities: neutral 45%, happy 41% (others 14%).
    Matching it: 5 energetic, 4 happy and 1 calm song." """
    emotions = sorted(shown.blend["emotions"].items(), key=lambda pair: -pair[1])
    named = [(e, p) for e, p in emotions if p >= BLEND_NAMED]
    others = sum(p for e, p in emotions if p < BLEND_NAMED)
    mix = ", ".join(f"{e} {round(100 * p)}%" for e, p in named)
    if round(100 * others):
        mix += f" (others {round(100 * others)}%)"
    counts = [f"{n} {mood}" for mood, n in shown.blend["slots"].items()]
    songs = counts[0] if len(counts) == 1 else f"{', '.join(counts[:-1])} and {counts[-1]}"
    total = sum(shown.blend["slots"].values())
    aim = "To lift it" if shown.strategy == "lift" else "Matching it"
    faces = shown.blend["faces"]
    return (
        f"A blend of the {faces} faces, by the mean of their emotion probabilities: {mix}. "
        f"{aim}: {songs} song{'s' if total != 1 else ''}."
    )
