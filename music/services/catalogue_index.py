"""The catalogue's arrays (``music.recommender.index.CatalogueIndex``), built once per
process and shared by every request.

The index is rebuilt when a track is added, after every mood refit, and at the latest
every ``INDEX_MAX_AGE`` seconds (so an edit such as an editor's mood override shows up
then). Every list is checked against the database before it is returned, so a stale
index can only leave a track out, never show one in the wrong mood or one that was
deleted: such a mismatch rebuilds the index at once.

The newest taste factors (``music.services.taste_model``, refitted on a schedule) are
loaded beside it and aligned to its artists and tracks: when only they change, the
index is kept and the new factors attached to it.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from django.db.models import Max

from music.models import MoodModelRun, Track
from music.recommender.index import CatalogueIndex
from music.services import taste_model
from music.services.mood_model import mood_classifier

INDEX_MAX_AGE = 600.0


class _IndexCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.index: CatalogueIndex | None = None
        self.version: tuple | None = None
        self.taste_fit: int | None = None
        self.built_at = 0.0


_cache = _IndexCache()


def catalogue_index(rebuild: bool = False) -> CatalogueIndex:
    """The catalogue's arrays, rebuilt when stale (see the module's docstring)."""
    version = _catalogue_version()
    fit = taste_model.latest_fit_id()
    with _cache.lock:
        fresh = time.monotonic() - _cache.built_at < INDEX_MAX_AGE
        if rebuild or _cache.index is None or _cache.version != version or not fresh:
            _cache.index = build_index()
            _cache.version = version
            _cache.built_at = time.monotonic()
            _cache.taste_fit = None
        if fit != _cache.taste_fit:
            loaded, factors = taste_model.latest_factors()
            _cache.index = _cache.index.with_taste(factors)
            _cache.taste_fit = loaded
        return _cache.index


def forget_catalogue_index() -> None:
    """Drop this process's index, so that the next request builds it anew."""
    with _cache.lock:
        _cache.index = None


def _catalogue_version() -> tuple:
    """Newest track and newest mood refit: two index look-ups. Deletions and edits
    change neither; the check of every list against the database covers them."""
    return (
        Track.objects.aggregate(last=Max("pk"))["last"],
        MoodModelRun.objects.aggregate(last=Max("pk"))["last"],
    )


def build_index() -> CatalogueIndex:
    """Read the whole catalogue into a CatalogueIndex."""
    model = mood_classifier()
    features = list(model.features)
    rows = list(
        Track.objects.order_by()
        .values_list("pk", "mood", "popularity", "artist_key", "main_artist", *features)
        .iterator(chunk_size=10_000)
    )
    genres: dict[int, list[str]] = {}
    for track_id, name in Track.genres.through.objects.values_list("track_id", "genre__name").iterator(
        chunk_size=10_000
    ):
        genres.setdefault(track_id, []).append(name)
    x = np.array([[np.nan if v is None else v for v in row[5:]] for row in rows], dtype=float)
    return CatalogueIndex.build(
        ids=[row[0] for row in rows],
        moods=[row[1] for row in rows],
        popularity=[row[2] for row in rows],
        features=x.reshape(len(rows), len(features)),
        artist_keys=[row[3] for row in rows],
        artist_names=[row[4] for row in rows],
        genres=[genres.get(row[0], ()) for row in rows],
        mean=model.mean,
        scale=model.scale,
    )
