"""The taste factors in the database: ``refit`` fits them from every rating (a Celery
task runs it on a schedule, ``manage.py fit_taste_model`` on demand) and keeps the
newest few fits; ``latest_factors`` loads the newest for the catalogue index."""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from music.models import Rating, TasteModelFit
from music.recommender import factors as taste_factors

KEEP_FITS = 3
MIN_LISTENERS = 2  # fewer listeners than this have nothing to teach each other


def refit(trigger: str = TasteModelFit.Trigger.COMMAND, seed: int = 0) -> TasteModelFit | None:
    """Fit the taste factors from every rating and store them; None (nothing stored)
    while fewer than MIN_LISTENERS listeners have rated anything."""
    started = time.monotonic()
    triples = list(Rating.objects.order_by().values_list("user_id", "track_id", "value", "track__artist_key"))
    users = sorted({u for u, _, _, _ in triples})
    if len(users) < MIN_LISTENERS:
        return None
    tracks = sorted({t for _, t, _, _ in triples})
    artist_of = {t: a for _, t, _, a in triples}
    user_position = {u: i for i, u in enumerate(users)}
    track_position = {t: i for i, t in enumerate(tracks)}
    matrix = sparse.csr_matrix(
        (
            np.array([v for _, _, v, _ in triples], dtype=np.float32),
            (
                np.array([user_position[u] for u, _, _, _ in triples], dtype=np.int64),
                np.array([track_position[t] for _, t, _, _ in triples], dtype=np.int64),
            ),
        ),
        shape=(len(users), len(tracks)),
    )
    fitted = taste_factors.fit(matrix, tracks, [artist_of[t] for t in tracks], seed=seed)
    fit = TasteModelFit.objects.create(
        trigger=trigger,
        listeners=fitted.listeners,
        ratings=fitted.ratings,
        artists=len(fitted.artists),
        tracks=len(fitted.tracks),
        duration_seconds=time.monotonic() - started,
        factors=fitted.to_bytes(),
    )
    old = TasteModelFit.objects.values_list("pk", flat=True)[KEEP_FITS:]
    TasteModelFit.objects.filter(pk__in=list(old)).delete()
    return fit


def latest_fit_id() -> int | None:
    return TasteModelFit.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()


def latest_factors() -> tuple[int | None, taste_factors.TasteFactors | None]:
    """(id, factors) of the newest fit, or (None, None) before the first."""
    row = TasteModelFit.objects.order_by("-created_at", "-pk").values_list("pk", "factors").first()
    if row is None:
        return None, None
    return row[0], taste_factors.TasteFactors.from_bytes(bytes(row[1]))
