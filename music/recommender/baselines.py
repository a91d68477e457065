"""Baselines the offline evaluation ranks beside the product's ranker, on the same
community ratings and the same candidate pool: popularity in the mood, random picks,
item-kNN (cosine similarity between tracks on the community's rating matrix,
``implicit``'s CosineRecommender), and matrix factorisation from ``implicit``:
alternating least squares on tracks (``als``) and on artists (``als_artists``, the
product's taste factors ranked alone), and Bayesian personalised ranking (``bpr``).

Every method ranks ``pool`` (rows of one mood, the listener's rated tracks left out)
for a listener given only their ratings; ties (a listener with no ratings, say) go
to the more popular track, so each starts from the popularity baseline.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from implicit.als import AlternatingLeastSquares
from implicit.bpr import BayesianPersonalizedRanking
from implicit.nearest_neighbours import CosineRecommender
from implicit.utils import ParameterWarning
from scipy import sparse
from threadpoolctl import threadpool_limits

from . import factors as taste_factors
from .index import CatalogueIndex


@dataclass(frozen=True)
class Ratings:
    """One listener's ratings as catalogue rows, most recent first."""

    liked: np.ndarray
    disliked: np.ndarray

    def row(self, items: int) -> sparse.csr_matrix:
        values = np.r_[np.ones(len(self.liked)), -np.ones(len(self.disliked))].astype(np.float32)
        columns = np.r_[self.liked, self.disliked].astype(np.int64)
        return sparse.csr_matrix((values, (np.zeros(len(columns), dtype=np.int64), columns)), shape=(1, items))


def by_score(index: CatalogueIndex, pool: np.ndarray, score: np.ndarray, n: int) -> list[int]:
    """The best ``n`` of ``pool`` by score, ties to the more popular then the lower row."""
    order = np.lexsort((pool, -index.popularity[pool], -np.round(score, 6)))
    return pool[order[:n]].tolist()


@dataclass
class Popularity:
    name: str = "popularity"

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.index = index

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        return by_score(self.index, pool, np.zeros(len(pool)), n)


@dataclass
class Random:
    name: str = "random"

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        pass

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        return rng.choice(pool, size=min(n, len(pool)), replace=False).tolist()


@dataclass
class ItemKNN:
    """Cosine similarity between tracks' columns of the community's +1/-1 ratings; a
    candidate scores the sum of its similarities to the listener's likes less those
    to their dislikes, over its ``neighbours`` most similar tracks."""

    neighbours: int = 50
    name: str = "item_knn"

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.index = index
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            # implicit's own normalisation hands its k-NN a COO matrix and warns about it.
            warnings.simplefilter("ignore", ParameterWarning)
            self.model = CosineRecommender(K=self.neighbours, num_threads=1)
            self.model.fit(sparse.csr_matrix(community, dtype=np.float32), show_progress=False)

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        if not len(ratings.liked) + len(ratings.disliked):
            return by_score(self.index, pool, np.zeros(len(pool)), n)
        ids, values = self.model.recommend(
            0, ratings.row(len(self.index)), N=len(pool), items=pool, filter_already_liked_items=False
        )
        score = np.zeros(len(self.index))
        score[ids] = np.maximum(values, -1e9)
        return by_score(self.index, pool, score[pool], n)


@dataclass
class TrackALS:
    """``implicit``'s ALS on the community's (listeners, tracks) ratings, the listener
    folded in by one least-squares solve (``recalculate_user``)."""

    factors: int = 32
    regularization: float = 0.1
    alpha: float = 4.0
    iterations: int = 15
    seed: int = 0
    name: str = "als"

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.index = index
        with threadpool_limits(1, "blas"):
            self.model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=1,
            )
            self.model.fit(sparse.csr_matrix(community, dtype=np.float32), show_progress=False)

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        if not len(ratings.liked) + len(ratings.disliked):
            return by_score(self.index, pool, np.zeros(len(pool)), n)
        user = self.model.recalculate_user(0, ratings.row(len(self.index)))
        return by_score(self.index, pool, self.model.item_factors[pool] @ user, n)


@dataclass
class ArtistALS:
    """The product's artist taste model (``factors.fit_one`` on ratings summed up by
    artist) ranked alone: a track scores its artist's predicted preference."""

    settings: taste_factors.FactorSettings = taste_factors.ARTIST_SETTINGS
    seed: int = 0
    name: str = "als_artists"

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.index = index
        matrix = taste_factors.by_artist(community, index.artists, index.artist_count)
        fitted = taste_factors.fit_one(matrix, np.asarray(index.artist_keys, dtype=str), self.settings, self.seed)
        empty = taste_factors.Factors(np.array([], dtype=np.int64), np.zeros((0, 1), dtype=np.float32), 1.0, 1.0)
        self.taste = taste_factors.TasteFactors(fitted, empty).aligned(index.artist_keys, index.ids)

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        artist, _ = self.taste.scores(ratings.liked, ratings.disliked, self.index.artists, pool)
        return by_score(self.index, pool, artist, n)


@dataclass
class BPR:
    """``implicit``'s Bayesian personalised ranking on the community's likes. BPR has
    no fold-in, so the evaluated listeners' own ratings so far are fitted with the
    community (``fit_with``), once per number of ratings revealed."""

    factors: int = 32
    learning_rate: float = 0.05
    regularization: float = 0.01
    iterations: int = 100
    seed: int = 0
    name: str = "bpr"
    rows: dict = field(default_factory=dict)

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.index, self.community = index, sparse.csr_matrix(community, dtype=np.float32)

    def fit_with(self, listeners: dict[int, Ratings]) -> None:
        """Refit with these listeners' likes as extra rows."""
        ids = list(listeners)
        extra = sparse.vstack([listeners[i].row(len(self.index)) for i in ids]) if ids else None
        matrix = self.community if extra is None else sparse.vstack([self.community, extra]).tocsr()
        matrix = matrix.maximum(0).tocsr()
        matrix.eliminate_zeros()
        with threadpool_limits(1, "blas"):
            self.model = BayesianPersonalizedRanking(
                factors=self.factors,
                learning_rate=self.learning_rate,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=1,
            )
            self.model.fit(matrix, show_progress=False)
        self.rows = {listener: self.community.shape[0] + i for i, listener in enumerate(ids)}

    def ranked(self, ratings: Ratings, pool: np.ndarray, n: int, rng: np.random.Generator, listener: int = -1):
        if not len(ratings.liked) or listener not in self.rows:
            return by_score(self.index, pool, np.zeros(len(pool)), n)
        user = self.model.user_factors[self.rows[listener]]
        return by_score(self.index, pool, self.model.item_factors[pool] @ user, n)
