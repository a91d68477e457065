"""Sub-moods: KMeans clusters of the tracks of each mood on their scaled audio
features, matched to the previous fit so that a cluster keeps its identity across
refits, and named from its centroid ("Calm · instrumental, quiet"), never by its id.

Clustering within a mood keeps every cluster's name true of all its members: the
mood comes from the classifier, the cluster only says which kind of that mood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances_argmin, silhouette_score

from .features import MODEL_FEATURES
from .labels import MOODS

PER_MOOD = 3
MIN_CLUSTER_SIZE = 25
FIT_SAMPLE = 20_000  # KMeans is fitted on at most this many tracks of a mood, then assigns all

# What a centroid far above / below its mood's average sounds like, per feature.
DESCRIPTORS = {
    "danceability": ("danceable", "free-flowing"),
    "energy": ("intense", "gentle"),
    "loudness": ("loud", "quiet"),
    "speechiness": ("spoken", "melodic"),
    "acousticness": ("acoustic", "electric"),
    "instrumentalness": ("instrumental", "vocal"),
    "liveness": ("live", "studio"),
    "valence": ("bright", "dark"),
    "tempo": ("fast", "slow"),
}


@dataclass(frozen=True)
class PreviousCluster:
    """A cluster of the last fit: its key (the caller's id for it), mood and centroid."""

    key: int
    mood: str
    centroid: np.ndarray


@dataclass(frozen=True)
class FittedCluster:
    mood: str
    name: str
    centroid: np.ndarray  # in the classifier's scaled feature space
    size: int
    key: int | None  # the previous cluster this one continues, if any
    shift: float | None  # distance the centroid moved since then


def fit_clusters(
    z: np.ndarray, moods: Sequence[str], previous: Sequence[PreviousCluster] = (), seed: int = 0
) -> tuple[list[FittedCluster], np.ndarray]:
    """Cluster scaled features ``z`` (n, 9) within each of the tracks' ``moods``.

    Returns the clusters and, for every row, the index of its cluster in that list.
    """
    moods = np.asarray(moods)
    assignment = np.full(len(z), -1)
    clusters: list[FittedCluster] = []
    for mood in MOODS:
        rows = np.flatnonzero(moods == mood)
        if len(rows) == 0:
            continue
        before = [p for p in previous if p.mood == mood]
        centroids, labels = _kmeans(z[rows], before, seed)
        keys, shifts = _match(centroids, before)
        names = _names(mood, centroids, np.bincount(labels, minlength=len(centroids)))
        for k, centroid in enumerate(centroids):
            assignment[rows[labels == k]] = len(clusters)
            clusters.append(FittedCluster(mood, names[k], centroid, int(np.sum(labels == k)), keys[k], shifts[k]))
    return clusters, assignment


def nearest(z: np.ndarray, moods: Sequence[str], clusters: Sequence[PreviousCluster]) -> list[int | None]:
    """Key of the nearest cluster of the same mood for each row (None if that mood has none)."""
    result = []
    for row, mood in zip(z, moods, strict=True):
        same = [c for c in clusters if c.mood == mood]
        if not same:
            result.append(None)
            continue
        distances = [np.sum((row - c.centroid) ** 2) for c in same]
        result.append(same[int(np.argmin(distances))].key)
    return result


def silhouette(z: np.ndarray, assignment: np.ndarray, seed: int = 0, sample: int = 2000) -> float | None:
    """Mean silhouette of the clustering on a seeded sample; None unless there are
    between 2 and n - 1 clusters, where it is defined."""
    if not 2 <= len(set(assignment.tolist())) < len(z):
        return None
    size = min(sample, len(z))
    return round(float(silhouette_score(z, assignment, sample_size=size, random_state=seed)), 4)


def _kmeans(z: np.ndarray, before: list[PreviousCluster], seed: int) -> tuple[np.ndarray, np.ndarray]:
    k = max(1, min(PER_MOOD, len(z) // MIN_CLUSTER_SIZE))
    k = min(k, len(np.unique(z, axis=0)))
    # Rows in a canonical order, so the fit does not depend on the order they came in.
    sample = z[np.lexsort(z.T[::-1])]
    if len(sample) > FIT_SAMPLE:
        sample = sample[np.sort(np.random.default_rng(seed).choice(len(sample), FIT_SAMPLE, replace=False))]
    if len(before) == k:
        # Starting from the last centroids keeps a refit on a similar catalogue where it was.
        init = np.array([p.centroid for p in before])
        model = KMeans(k, init=init, n_init=1, random_state=seed).fit(sample)
    else:
        model = KMeans(k, n_init=4, random_state=seed).fit(sample)
    centroids = model.cluster_centers_
    # A canonical order (by centroid) so that the result does not depend on KMeans' ids.
    order = np.lexsort(centroids.T[::-1])
    centroids = centroids[order]
    labels = pairwise_distances_argmin(z, centroids)
    return centroids, labels


def _match(centroids: np.ndarray, before: list[PreviousCluster]) -> tuple[list, list]:
    """Pair new centroids with the previous ones at least total distance (Hungarian)."""
    keys: list[int | None] = [None] * len(centroids)
    shifts: list[float | None] = [None] * len(centroids)
    if not before:
        return keys, shifts
    cost = np.linalg.norm(centroids[:, None, :] - np.array([p.centroid for p in before])[None, :, :], axis=2)
    for new, old in zip(*linear_sum_assignment(cost), strict=True):
        keys[new] = before[old].key
        shifts[new] = round(float(cost[new, old]), 4)
    return keys, shifts


def _names(mood: str, centroids: np.ndarray, sizes: np.ndarray) -> list[str]:
    """'Mood · word, word' from the features where each centroid stands furthest from
    its mood's average; more words are added until the names differ."""
    title = mood.capitalize()
    if len(centroids) == 1:
        return [title]
    average = np.average(centroids, axis=0, weights=np.maximum(sizes, 1))
    offsets = centroids - average
    # Most distinctive first; ties broken by feature order, so the result is deterministic.
    ranks = [sorted(range(len(MODEL_FEATURES)), key=lambda f: (-abs(o[f]), f)) for o in offsets]
    for words in range(2, len(MODEL_FEATURES) + 1):
        names = [
            f"{title} · " + ", ".join(_word(f, offset[f]) for f in rank[:words])
            for offset, rank in zip(offsets, ranks, strict=True)
        ]
        if len(set(names)) == len(names):
            return names
    return [f"{name} ({i + 1})" for i, name in enumerate(names)]


def _word(feature: int, offset: float) -> str:
    high, low = DESCRIPTORS[MODEL_FEATURES[feature]]
    return high if offset >= 0 else low
