"""Recommendations from the database: ``recommend_for(user, emotion)`` is the one way
every page and endpoint gets a list; ``recommend_and_log`` gets one and logs it as shown
(``record_shown``). The catalogue's arrays come from ``music.services.catalogue_index``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from django.db.models import Count
from scipy import sparse

from accounts.models import User
from emotions.engine.labels import EMOTIONS
from music.models import PlaylistTrack, Rating, RecommendationLog, Track
from music.moods.features import AUDIO_FEATURES
from music.moods.labels import MOODS
from music.recommender import describe
from music.recommender.index import CatalogueIndex
from music.recommender.ranking import MIN_NEIGHBOURS, Community, Request, Taste, rank
from music.services.catalogue_index import catalogue_index
from music.services.mood_model import moods_for

MAX_NEIGHBOUR_CANDIDATES = 300  # listeners compared with this one, those sharing most artists first
MAX_COMMUNITY_RATINGS = 30_000
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class RecommendedTrack:
    track: Track
    score: float
    reason: str
    because: str
    rating: Rating | None  # this listener's own rating of the track


@dataclass(frozen=True)
class Recommendations:
    emotion: str  # blank when moods were chosen directly
    strategy: str
    moods: list[str]
    seed: int
    items: list[RecommendedTrack]


def recommend_for(
    user: User, emotion: str, strategy: str | None = None, n: int = 10, seed: int | None = None
) -> Recommendations:
    """Up to ``n`` tracks for ``user`` feeling ``emotion``, in the moods the mapping
    gives for ``strategy`` (the user's own choice by default). The same inputs and
    ``seed`` give the same list; without a seed each call explores differently."""
    if emotion not in EMOTIONS:
        raise ValueError(f"{emotion!r} is not an emotion")
    strategy = strategy or user.mood_strategy
    if strategy not in User.MoodStrategy.values:
        raise ValueError(f"{strategy!r} is not a mood strategy")
    return recommend_in_moods(user, moods_for(emotion, strategy), n=n, seed=seed, emotion=emotion, strategy=strategy)


def recommend_in_moods(
    user: User, moods: list[str], n: int = 10, seed: int | None = None, emotion: str = "", strategy: str = ""
) -> Recommendations:
    """As ``recommend_for``, for moods chosen directly (most wanted first)."""
    if not moods or any(m not in MOODS for m in moods):
        raise ValueError(f"moods must be some of {', '.join(MOODS)}")
    seed = random.SystemRandom().randint(0, MAX_SEED) if seed is None else seed
    ratings = list(Rating.objects.owned_by(user).order_by("-updated_at", "-pk"))
    picks, index, tracks = [], None, {}
    for attempt in range(2):
        index = catalogue_index(rebuild=attempt > 0)
        request = Request(
            moods=tuple(moods),
            taste=_taste(index, ratings),
            n=n,
            seed=seed,
            playlists=_staff_playlists(index, moods),
            community=_community(user, index, ratings),
        )
        picks = rank(index, request)
        ids = [int(index.ids[p.row]) for p in picks]
        # By primary key, then the mood checked here: a mood filter in SQL would make
        # the database scan every track of the mood.
        found = Track.objects.prefetch_related("genres").in_bulk(ids)
        tracks = {pk: t for pk, t in found.items() if t.mood in moods}
        if len(tracks) == len(ids):
            break
    mine = {r.track_id: r for r in ratings}
    items = []
    for pick in picks:
        track = tracks.get(int(index.ids[pick.row]))
        if track is not None:
            items.append(
                RecommendedTrack(track, pick.score, song_reason(pick, track), pick.because, mine.get(track.pk))
            )
    # Best score first: the ranking's picks keep its exploration and diversity, and a
    # score shown beside a list always reads in rank order.
    items.sort(key=lambda item: -item.score)
    return Recommendations(emotion=emotion, strategy=strategy, moods=list(moods), seed=seed, items=items)


def song_reason(pick, track: Track) -> str:
    """The ranking's reason for a pick, with what stands out about the song itself."""
    features = {name: getattr(track, name) for name in AUDIO_FEATURES}
    genres = [genre.name for genre in track.genres.all()]
    return describe.reason(pick.because, pick.reason, track.mood, features, track.year, genres, track.popularity)


def emotion_for(detection) -> str | None:
    """The emotion a detection's music follows (``Detection.music_emotion``): the one its
    owner said they felt, else that of the face chosen to pick the music (the largest by
    default), or None while there is no face. The one place that says so: every stored
    list is keyed by what this returns, so a correction gets its own list and undoing it
    brings the earlier one back."""
    return detection.music_emotion if detection.driving_face is not None else None


def blend_for(detection) -> dict[str, float] | None:
    """The emotions of everyone in a detection's photo: the mean of the faces'
    probabilities, each face counted once (the face that picks the music as
    ``emotion_for`` reads it), or None with fewer than two faces."""
    faces = list(detection.faces.all())
    if len(faces) < 2:
        return None
    driving, emotion = detection.driving_face, emotion_for(detection)
    total = dict.fromkeys(EMOTIONS, 0.0)
    for face in faces:
        # The driving face's reading counts as the emotion the music follows for it.
        if face.pk == driving.pk and emotion != face.emotion:
            probabilities = {e: float(e == emotion) for e in EMOTIONS}
        else:
            probabilities = face.probabilities
        for e in EMOTIONS:
            total[e] += float(probabilities.get(e, 0.0))
    return {e: round(total[e] / len(faces), 3) for e in EMOTIONS}


def record_shown(user: User, recommendations: Recommendations, surface: str, detection=None) -> RecommendationLog:
    """Log a list as it was shown to ``user``."""
    return RecommendationLog.objects.create(
        user=user,
        detection=detection,
        surface=surface,
        emotion=recommendations.emotion,
        strategy=recommendations.strategy,
        moods=recommendations.moods,
        seed=recommendations.seed,
        items=[
            {"track": item.track.pk, "position": position, "score": item.score, "because": item.because}
            for position, item in enumerate(recommendations.items, start=1)
        ],
    )


def recommend_and_log(
    user: User,
    surface: str,
    *,
    emotion: str = "",
    mood: str = "",
    strategy: str | None = None,
    n: int = 10,
    seed: int | None = None,
    detection=None,
) -> tuple[Recommendations, RecommendationLog]:
    """A list for ``emotion`` (through ``strategy``) or, without one, for ``mood``, logged
    as shown to ``user`` on ``surface``. Takes a validated query's fields as keywords."""
    if emotion:
        recs = recommend_for(user, emotion, strategy=strategy, n=n, seed=seed)
    else:
        recs = recommend_in_moods(user, [mood], n=n, seed=seed)
    return recs, record_shown(user, recs, surface, detection=detection)


# --- Inputs of the ranking -------------------------------------------------------------


def _taste(index: CatalogueIndex, ratings: list[Rating]) -> Taste:
    rows = index.rows_of(r.track_id for r in ratings)
    values = np.array([r.value for r in ratings], dtype=np.int64)
    known = rows >= 0
    return Taste(liked=rows[known & (values > 0)], disliked=rows[known & (values < 0)])


def _staff_playlists(index: CatalogueIndex, moods: list[str]) -> dict[int, str]:
    """Row -> name of a published staff playlist holding the track; of several, the
    one made for the most wanted mood, then the first by name."""
    # Every published entry: staff playlists are short, and rows outside the moods
    # are never candidates anyway.
    entries = PlaylistTrack.objects.filter(playlist__published=True).values_list(
        "track_id", "playlist__name", "playlist__mood"
    )
    best: dict[int, tuple[int, str]] = {}
    for track_id, name, mood in entries:
        key = (moods.index(mood) if mood in moods else len(moods), name)
        if track_id not in best or key < best[track_id]:
            best[track_id] = key
    if not best:
        return {}
    ids = list(best)
    rows = index.rows_of(ids)
    return {int(row): best[track_id][1] for row, track_id in zip(rows, ids, strict=True) if row >= 0}


def _community(user: User, index: CatalogueIndex, ratings: list[Rating]) -> Community | None:
    """The ratings of the listeners who rated songs by this listener's artists, or
    None while too few have. Only aggregate shares of them reach the ranking."""
    if not any(r.value > 0 for r in ratings):
        return None
    rows = index.rows_of(r.track_id for r in ratings)
    artist_keys = {index.artist_keys[index.artists[row]] for row in rows[rows >= 0]}
    sharing = (
        Rating.objects.filter(track__artist_key__in=artist_keys)
        .exclude(user=user)
        .values("user_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "user_id")
        .values_list("user_id", flat=True)[:MAX_NEIGHBOUR_CANDIDATES]
    )
    listeners = list(sharing)
    if len(listeners) < MIN_NEIGHBOURS:
        return None
    theirs = (
        Rating.objects.filter(user_id__in=listeners)
        .order_by("-updated_at")
        .values_list("user_id", "track_id", "value")[:MAX_COMMUNITY_RATINGS]
    )
    position = {listener: i for i, listener in enumerate(listeners)}
    triples = list(theirs)
    rows = index.rows_of(t for _, t, _ in triples)
    known = rows >= 0
    matrix = sparse.csr_matrix(
        (
            np.array([v for _, _, v in triples], dtype=float)[known],
            (np.array([position[u] for u, _, _ in triples], dtype=np.int64)[known], rows[known]),
        ),
        shape=(len(listeners), len(index)),
    )
    return Community.of(index, matrix)
