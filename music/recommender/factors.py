"""Taste factors: matrix factorisations of the community's ratings, fitted with
``implicit``'s alternating least squares (Hu, Koren & Volinsky 2008), one of tracks
and one of artists.

The artist model sums listeners' likes and dislikes up by artist (a like of any song
by an artist counts for the artist), so that a track nobody has rated yet still gets
its artist's factors; the track model tells apart the songs of one artist. A track or
artist rated by fewer than ``MIN_SUPPORT`` listeners gets no factors, so that no single
other listener's ratings can surface it. At request time the listener's own ratings
are folded in (``AlignedTaste.scores``: one least-squares solve per model over the
fitted factors, ``AlternatingLeastSquares.recalculate_user``), so a rating changes
the next list at once, without a refit.

``fit`` runs in a Celery task over the ratings table (``music.services.taste_model``)
and in the offline evaluation over simulated ratings, with the same settings, which
were chosen on the evaluation's validation listeners (``evaluate_recommender --tune``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from implicit.als import AlternatingLeastSquares
from scipy import sparse
from threadpoolctl import threadpool_limits

MIN_SUPPORT = 2  # distinct listeners who rated a track or artist before it gets factors
RECENT_RATINGS = 200  # the most recent ratings folded in at request time


@dataclass(frozen=True)
class FactorSettings:
    factors: int = 16
    regularization: float = 10.0
    alpha: float = 8.0  # confidence of a like (a dislike: -alpha, preference 0)
    iterations: int = 15


ARTIST_SETTINGS = FactorSettings(factors=32, regularization=30.0, alpha=4.0)
TRACK_SETTINGS = FactorSettings(factors=32, regularization=10.0, alpha=1.0)


@dataclass(frozen=True, eq=False)
class Factors:
    """One fitted model: factors of some items (artist keys or track ids)."""

    keys: np.ndarray  # (items,) str or int64
    factors: np.ndarray  # (items, k) float32
    regularization: float
    alpha: float

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True, eq=False)
class TasteFactors:
    """Both fitted models, as stored and loaded."""

    artists: Factors
    tracks: Factors
    listeners: int = 0
    ratings: int = 0

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            artist_keys=np.asarray(self.artists.keys, dtype=str),
            artist_factors=self.artists.factors,
            track_ids=np.asarray(self.tracks.keys, dtype=np.int64),
            track_factors=self.tracks.factors,
            settings=np.array(
                [
                    self.artists.regularization,
                    self.artists.alpha,
                    self.tracks.regularization,
                    self.tracks.alpha,
                    self.listeners,
                    self.ratings,
                ],
                dtype=np.float64,
            ),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TasteFactors:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            a_reg, a_alpha, t_reg, t_alpha, listeners, ratings = data["settings"].tolist()
            return cls(
                Factors(data["artist_keys"], data["artist_factors"].astype(np.float32), a_reg, a_alpha),
                Factors(data["track_ids"], data["track_factors"].astype(np.float32), t_reg, t_alpha),
                listeners=int(listeners),
                ratings=int(ratings),
            )

    def aligned(self, artist_keys: Sequence[str], track_ids: np.ndarray) -> AlignedTaste:
        """These factors in a catalogue's order: its artists, and for each of its rows
        where that track's factors are (-1: none)."""
        position = {str(key): i for i, key in enumerate(self.artists.keys.tolist())}
        where = np.array([position.get(key, -1) for key in artist_keys], dtype=np.int64)
        artists = np.zeros((len(artist_keys), self.artists.factors.shape[1]), dtype=np.float32)
        artists[where >= 0] = self.artists.factors[where[where >= 0]]
        ids = np.asarray(self.tracks.keys, dtype=np.int64)
        rows = np.full(len(track_ids), -1, dtype=np.int64)
        if len(ids):
            order = np.argsort(ids)
            at = np.minimum(np.searchsorted(ids[order], track_ids), len(ids) - 1)
            rows = np.where(ids[order][at] == track_ids, order[at], -1)
        return AlignedTaste(
            artists=_Model(artists, self.artists.regularization, self.artists.alpha),
            tracks=_Model(self.tracks.factors, self.tracks.regularization, self.tracks.alpha),
            track_rows=rows.astype(np.int64),
        )


@dataclass(frozen=True, eq=False)
class _Model:
    factors: np.ndarray
    regularization: float
    alpha: float

    @cached_property
    def als(self) -> AlternatingLeastSquares:
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors.shape[1], regularization=self.regularization, alpha=self.alpha, num_threads=1
            )
        model.item_factors = self.factors
        return model

    def fold_in(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray | None:
        """A listener's factor vector from their ratings of these items, or None when
        the model knows none of them."""
        known = (columns >= 0) & (values != 0)
        columns, values = columns[known], values[known]
        if not len(columns) or not self.factors[columns].any():
            return None
        row = sparse.csr_matrix(
            (values.astype(np.float32), (np.zeros(len(columns), dtype=np.int64), columns)),
            shape=(1, len(self.factors)),
        )
        return self.als.recalculate_user(0, row)


@dataclass(frozen=True, eq=False)
class AlignedTaste:
    """Both models aligned to one catalogue index, ready for fold-in."""

    artists: _Model  # rows in the index's artist order
    tracks: _Model  # rows as fitted; track_rows maps index rows to them
    track_rows: np.ndarray  # (index rows,) int64, -1 where a track has no factors

    def scores(
        self, liked: np.ndarray, disliked: np.ndarray, artist_of: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(artist, track) predicted preference for each of ``rows`` (about 0..1),
        from this listener's ratings (index rows, most recent first); zero where a
        model knows nothing of the listener or the candidate."""
        artist_score = np.zeros(len(rows), dtype=np.float32)
        track_score = np.zeros(len(rows), dtype=np.float32)
        balance = np.bincount(artist_of[liked], minlength=len(self.artists.factors)).astype(np.float32)
        balance -= np.bincount(artist_of[disliked], minlength=len(self.artists.factors))
        rated = np.flatnonzero(balance)
        user = self.artists.fold_in(rated, np.sign(balance[rated]))
        if user is not None:
            artist_score = (self.artists.factors @ user)[artist_of[rows]]
        columns = self.track_rows[np.r_[liked, disliked].astype(np.int64)]
        user = self.tracks.fold_in(columns, np.r_[np.ones(len(liked)), -np.ones(len(disliked))])
        if user is not None:
            where = self.track_rows[rows]
            has = where >= 0
            track_score[has] = self.tracks.factors[where[has]] @ user
        return artist_score, track_score


def by_artist(ratings: sparse.csr_matrix, artist_of_item: np.ndarray, artists: int) -> sparse.csr_matrix:
    """(listeners, items) ratings, +1 like and -1 dislike, summed up by artist: the sign
    of each listener's balance for each artist."""
    indicator = sparse.csr_matrix(
        (np.ones(len(artist_of_item), dtype=np.float32), (np.arange(len(artist_of_item)), artist_of_item)),
        shape=(len(artist_of_item), artists),
    )
    out = (sparse.csr_matrix(ratings, dtype=np.float32) @ indicator).tocsr()
    out.data = np.sign(out.data)
    out.eliminate_zeros()
    return out


def fit_one(matrix: sparse.csr_matrix, keys: np.ndarray, settings: FactorSettings, seed: int = 0) -> Factors:
    """ALS on (listeners, items) +1/-1 ratings; items rated by fewer than MIN_SUPPORT
    listeners are left out."""
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    matrix.eliminate_zeros()
    support = np.bincount(matrix.indices, minlength=matrix.shape[1])
    kept = np.flatnonzero(support >= MIN_SUPPORT)
    matrix = matrix[:, kept].tocsr()
    if not len(kept):
        return Factors(keys[kept], np.zeros((0, settings.factors), dtype=np.float32), 1.0, 1.0)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=settings.factors,
            regularization=settings.regularization,
            alpha=settings.alpha,
            iterations=settings.iterations,
            random_state=seed,
            num_threads=1,
        )
        model.fit(matrix, show_progress=False)
    return Factors(
        keys[kept], np.ascontiguousarray(model.item_factors, dtype=np.float32), settings.regularization, settings.alpha
    )


def fit(
    ratings: sparse.csr_matrix,
    track_ids: Sequence[int],
    artist_keys: Sequence[str],
    artist_settings: FactorSettings = ARTIST_SETTINGS,
    track_settings: FactorSettings = TRACK_SETTINGS,
    seed: int = 0,
) -> TasteFactors:
    """Both models from (listeners, tracks) ratings (+1 like, -1 dislike), given each
    column's track id and normalised artist name."""
    ratings = sparse.csr_matrix(ratings, dtype=np.float32)
    names, artist_of = np.unique(np.asarray(artist_keys, dtype=str), return_inverse=True)
    artist_matrix = by_artist(ratings, artist_of, len(names))
    return TasteFactors(
        artists=fit_one(artist_matrix, names, artist_settings, seed),
        tracks=fit_one(ratings, np.asarray(track_ids, dtype=np.int64), track_settings, seed),
        listeners=int((np.diff(ratings.indptr) > 0).sum()),
        ratings=int(ratings.nnz),
    )
