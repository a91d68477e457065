"""Lists that hold still: a detection's list is made once, stored, and shown the same
way on every later visit (``list_for_detection``). Ratings change it only as the
listener expects (``rate_in_list``): a like leaves every row above it in place and
re-ranks the rows below with the new taste; a dislike replaces that row only, and
``undo_dislike`` brings it back. ``new_picks`` makes a fresh list for the same key.

A list is keyed by ``emotion_for(detection)`` (or, for everyone in the photo, the blend
of the faces' emotions), so a corrected emotion yields a new list and going back to
the earlier one shows the earlier list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from music.models import Rating, RecommendationLog, ShownList, ShownListEntry, Track
from music.services.mood_model import moods_for
from music.services.ratings import rate, unrate
from music.services.recommendations import (
    RecommendedTrack,
    blend_for,
    emotion_for,
    recommend_in_moods,
)

LIST_SIZE = 10
Subject = ShownList.Subject


class NoMusic(Exception):
    """The detection has nothing to pick music for (no face, or one face for "everyone")."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Wanted:
    """What a list is made for."""

    subject: str
    key: str
    emotion: str
    strategy: str
    moods: list[str]
    blend: dict = field(default_factory=dict)

    @property
    def slots(self) -> dict[str, int]:
        return self.blend.get("slots", {})


@dataclass(frozen=True)
class Row:
    entry: ShownListEntry
    rating: Rating | None
    gone: bool = False  # a disliked song no other song could replace: Undo stays offered

    @property
    def track(self) -> Track:
        return self.entry.track


def wanted_for(detection, subject: str, strategy: str, size: int = LIST_SIZE) -> Wanted:
    """The key of ``detection``'s list for ``subject``; NoMusic when there is none."""
    emotion = emotion_for(detection)
    if emotion is None:
        raise NoMusic("No face was found in this photo, so there is no emotion to pick music for.")
    if subject == Subject.FACE:
        return Wanted(subject, emotion, emotion, strategy, moods_for(emotion, strategy))
    blended = blend_for(detection)
    if blended is None:
        raise NoMusic("Music for everyone needs a photo with two faces or more.")
    slots = mood_slots(blended, strategy, size)
    key = ";".join(f"{e}={p:.3f}" for e, p in blended.items())
    blend = {"emotions": blended, "faces": detection.faces.count(), "slots": slots}
    return Wanted(subject, key, "", strategy, list(slots), blend)


def mood_slots(blended: dict[str, float], strategy: str, size: int) -> dict[str, int]:
    """How many of ``size`` songs each mood gets for a blend of emotions: each
    emotion's share goes to the first mood it maps to, and the songs are shared out by
    largest remainder. Most songs first."""
    share: dict[str, float] = {}
    for emotion, probability in blended.items():
        mood = moods_for(emotion, strategy)[0]
        share[mood] = share.get(mood, 0.0) + probability
    total = sum(share.values()) or 1.0
    exact = {mood: size * s / total for mood, s in share.items()}
    slots = {mood: int(x) for mood, x in exact.items()}
    for mood in sorted(exact, key=lambda m: -(exact[m] - slots[m]))[: size - sum(slots.values())]:
        slots[mood] += 1
    return {mood: n for mood, n in sorted(slots.items(), key=lambda pair: -pair[1]) if n}


# --- Reading --------------------------------------------------------------------------


def rows(shown: ShownList, with_gone: bool = False) -> list[Row]:
    """The list as shown: its active rows in order, with the listener's ratings; with
    ``with_gone``, also the rows of disliked songs that nothing could replace (the
    catalogue ran out of songs for the list), so that their Undo stays in place."""
    entries = list(shown.entries.select_related("track").prefetch_related("track__genres"))
    active = {e.position for e in entries if e.active}
    gone = {}
    for entry in entries:
        if not entry.active and entry.position not in active and with_gone:
            gone[entry.position] = entry  # the latest dislike of the row wins (pk order)
    shown_entries = [e for e in entries if e.active] + list(gone.values())
    mine = {
        r.track_id: r for r in Rating.objects.owned_by(shown.user).filter(track__in=[e.track_id for e in shown_entries])
    }
    out = [Row(e, mine.get(e.track_id), gone=not e.active) for e in shown_entries]
    return sorted(out, key=lambda row: row.entry.position)


def recent(user: User):
    """The listener's lists, most recently shown first, with their rows."""
    return (
        ShownList.objects.filter(user=user)
        .select_related("detection")
        .prefetch_related(
            Prefetch("entries", queryset=ShownListEntry.objects.filter(active=True).select_related("track"))
        )
    )


def latest_for_detection(user: User, detection) -> ShownList | None:
    return ShownList.objects.filter(user=user, detection=detection).order_by("-shown_at", "-pk").first()


# --- Making lists ---------------------------------------------------------------------


def list_for_detection(
    user: User, detection, subject: str = Subject.FACE, strategy: str | None = None, size: int = LIST_SIZE
) -> ShownList:
    """``detection``'s list for ``subject``: the one already made for its key, or a new
    one. Marks it as shown now. NoMusic when the detection has nothing to follow."""
    wanted = wanted_for(detection, subject, _strategy(user, strategy), size)
    with transaction.atomic():
        shown = (
            ShownList.objects.filter(
                user=user,
                detection=detection,
                subject=wanted.subject,
                key=wanted.key,
                strategy=wanted.strategy,
                size=size,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if shown is None:
            return _create(user, detection, wanted, size)
        ShownList.objects.filter(pk=shown.pk).update(shown_at=timezone.now())
        _replace_disliked(shown)
        return shown


def new_picks(
    user: User, detection, subject: str = Subject.FACE, strategy: str | None = None, size: int = LIST_SIZE
) -> ShownList:
    """A fresh list for the key (another exploration); the earlier ones stay findable."""
    wanted = wanted_for(detection, subject, _strategy(user, strategy), size)
    with transaction.atomic():
        return _create(user, detection, wanted, size)


def _strategy(user: User, strategy: str | None) -> str:
    strategy = strategy or user.mood_strategy
    if strategy not in User.MoodStrategy.values:
        raise ValueError(f"{strategy!r} is not a mood strategy")
    return strategy


def _create(user: User, detection, wanted: Wanted, size: int) -> ShownList:
    picks, seed = _picks(user, wanted, size, seed=None)
    shown = ShownList.objects.create(
        user=user,
        detection=detection,
        subject=wanted.subject,
        key=wanted.key,
        emotion=wanted.emotion,
        blend=wanted.blend,
        strategy=wanted.strategy,
        moods=wanted.moods,
        size=size,
        seed=seed,
        shown_at=timezone.now(),
    )
    ShownListEntry.objects.bulk_create(_entry(shown, position, item) for position, item in enumerate(picks, 1))
    _log(shown)
    return shown


def _wanted(shown: ShownList) -> Wanted:
    return Wanted(shown.subject, shown.key, shown.emotion, shown.strategy, shown.moods, shown.blend)


def _picks(
    user: User, wanted: Wanted, n: int, seed: int | None, exclude: set[int] = frozenset()
) -> tuple[list[RecommendedTrack], int]:
    """Up to ``n`` ranked tracks for ``wanted``, none of ``exclude``, and the seed.
    A blend gives each mood its slots, interleaved in proportion."""
    if not wanted.slots:
        recs = recommend_in_moods(
            user, wanted.moods, n=n + len(exclude), seed=seed, emotion=wanted.emotion, strategy=wanted.strategy
        )
        return [item for item in recs.items if item.track.pk not in exclude][:n], recs.seed
    by_mood = {}
    for mood, slots in wanted.slots.items():
        recs = recommend_in_moods(user, [mood], n=slots + len(exclude), seed=seed, strategy=wanted.strategy)
        seed = recs.seed
        by_mood[mood] = [item for item in recs.items if item.track.pk not in exclude][:slots]
    return _interleave(by_mood, wanted.slots)[:n], seed


def _interleave(by_mood: dict[str, list[RecommendedTrack]], slots: dict[str, int]) -> list[RecommendedTrack]:
    """One list from each mood's picks, each mood spread evenly through it (the mood
    furthest behind its share goes next)."""
    taken = dict.fromkeys(by_mood, 0)
    total = sum(len(items) for items in by_mood.values())
    out = []
    for step in range(1, total + 1):
        behind = [m for m in by_mood if taken[m] < len(by_mood[m])]
        mood = max(behind, key=lambda m: (step * slots[m] / sum(slots.values()) - taken[m], slots[m]))
        out.append(by_mood[mood][taken[mood]])
        taken[mood] += 1
    return out


def _entry(shown: ShownList, position: int, item: RecommendedTrack) -> ShownListEntry:
    return ShownListEntry(
        shown_list=shown,
        position=position,
        track=item.track,
        reason=item.reason[: ShownListEntry._meta.get_field("reason").max_length],
        because=item.because,
        score=item.score,
    )


def _log(shown: ShownList) -> None:
    """Each version of a list as the listener sees it, for measuring lists on real use."""
    RecommendationLog.objects.create(
        user=shown.user,
        detection=shown.detection,
        surface=RecommendationLog.Surface.DETECTION,
        emotion=shown.emotion,
        strategy=shown.strategy,
        moods=shown.moods,
        seed=shown.seed,
        items=[
            {"track": e.track_id, "position": e.position, "score": e.score, "because": e.because}
            for e in shown.entries.filter(active=True)
        ],
    )


# --- Changing lists -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a rating did to a list: the rows whose song changed, and the disliked
    entry that Undo can bring back."""

    rating: Rating | None
    changed: list[int]  # positions
    undo: ShownListEntry | None = None


def rate_in_list(shown: ShownList, track: Track, value: int) -> Change:
    """Rate ``track``, a song of the list, and change the list as the rating asks:
    1 (like) keeps every row above it and re-ranks the rows below (liked rows stay);
    -1 (dislike) replaces its row only; 0 clears the rating and moves nothing."""
    if value not in (1, -1, 0):
        raise ValueError("A rating is 1 (like), -1 (dislike) or 0 (none)")
    user = shown.user
    with transaction.atomic():
        shown = ShownList.objects.select_for_update().get(pk=shown.pk)
        entry = shown.entries.filter(active=True, track=track).first()
        if entry is None:
            raise LookupError("That song is not in this list.")
        if value == 0:
            unrate(user, track)
            return Change(None, [])
        rating, _ = rate(user, track, value)
        if value == 1:
            changed = _rerank_below(shown, entry.position)
            undo = None
        else:
            changed, undo = [entry.position], entry
            _replace(shown, entry)
        if changed:
            _log(shown)
        return Change(rating, changed, undo)


def undo_dislike(shown: ShownList, track: Track) -> list[int]:
    """Bring a disliked song back to its row (the row that replaced it goes) and remove
    the dislike. Returns the positions that changed; LookupError when the song was not
    disliked in this list."""
    with transaction.atomic():
        shown = ShownList.objects.select_for_update().get(pk=shown.pk)
        entry = shown.entries.filter(active=False, track=track).first()
        if entry is None:
            raise LookupError("That song was not replaced in this list.")
        shown.entries.filter(active=True, position=entry.position).delete()
        entry.active = True
        entry.save(update_fields=["active"])
        Rating.objects.owned_by(shown.user).filter(track=track, value=Rating.Value.DISLIKE).delete()
        _log(shown)
        return [entry.position]


def _rerank_below(shown: ShownList, position: int) -> list[int]:
    """Re-rank the rows below ``position`` that the listener has not liked, with the
    new taste (same seed): a row whose song the new ranking still wants stays put, the
    others take its other songs, best first. Returns the positions that changed."""
    active = list(shown.entries.filter(active=True))
    liked = set(
        Rating.objects.owned_by(shown.user)
        .filter(value=Rating.Value.LIKE, track__in=[e.track_id for e in active])
        .values_list("track_id", flat=True)
    )
    kept = [e for e in active if e.position <= position or e.track_id in liked]
    free = [e for e in active if e not in kept]
    if not free:
        return []
    inactive = set(shown.entries.filter(active=False).values_list("track_id", flat=True))
    picks, _ = _picks(shown.user, _wanted(shown), len(free), shown.seed, exclude={e.track_id for e in kept} | inactive)
    # A row whose song the new ranking still wants stays where it is; the others take
    # the new ranking's other songs, best first.
    wanted = {item.track.pk for item in picks}
    staying = {e.track_id for e in free if e.track_id in wanted}
    arriving = [item for item in picks if item.track.pk not in staying]
    leaving = [e for e in free if e.track_id not in wanted]
    ShownListEntry.objects.filter(pk__in=[e.pk for e in leaving]).delete()
    ShownListEntry.objects.bulk_create(
        _entry(shown, e.position, item) for e, item in zip(leaving, arriving, strict=False)
    )
    return [e.position for e, _ in zip(leaving, arriving, strict=False)]


def _replace_disliked(shown: ShownList) -> None:
    """Replace the rows of songs disliked elsewhere (My ratings, the ratings API) since
    the list was last shown, each in its own row."""
    disliked = shown.entries.filter(
        active=True, track__ratings__user=shown.user, track__ratings__value=Rating.Value.DISLIKE
    )
    replaced = list(disliked.select_related("track"))
    for entry in replaced:
        _replace(shown, entry)
    if replaced:
        _log(shown)


def _replace(shown: ShownList, entry: ShownListEntry) -> None:
    """Put the best song not yet in the list (of the row's mood in a blend) in place
    of ``entry``, which stays inactive for Undo."""
    taken = set(shown.entries.values_list("track_id", flat=True))
    wanted = _wanted(shown)
    if wanted.slots:
        wanted = Wanted(wanted.subject, wanted.key, "", wanted.strategy, [entry.track.mood])
    picks, _ = _picks(shown.user, wanted, 1, shown.seed, exclude=taken)
    entry.active = False
    entry.save(update_fields=["active"])
    if picks:
        _entry(shown, entry.position, picks[0]).save()
