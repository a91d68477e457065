"""Offline quality of ranked lists: NDCG@k and precision@k against a set of relevant
rows (binary relevance), catalogue coverage, intra-list diversity, and percentile
bootstrap confidence intervals over listeners."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .index import CatalogueIndex

_DISCOUNT = 1.0 / np.log2(np.arange(2, 1002))


def ndcg_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first k of ``ranked``; 0 when
    nothing is relevant."""
    if not relevant:
        return 0.0
    gains = np.array([row in relevant for row in list(ranked)[:k]], dtype=float)
    ideal = _DISCOUNT[: min(k, len(relevant))].sum()
    return float(gains @ _DISCOUNT[: len(gains)] / ideal)


def precision_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Share of the first k slots holding a relevant row (a short list is not padded)."""
    return sum(1 for row in list(ranked)[:k] if row in relevant) / k


def intra_list_diversity(index: CatalogueIndex, rows: Sequence[int]) -> float | None:
    """Mean pairwise Euclidean distance between the list's tracks in standardised
    audio-feature space (about 4.2 for two unrelated tracks); None under two tracks
    with features."""
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[index.has_features[rows]] if len(rows) else rows
    if len(rows) < 2:
        return None
    z = index.features[rows].astype(np.float64)
    d2 = (z * z).sum(1)[:, None] - 2 * z @ z.T + (z * z).sum(1)[None, :]
    upper = np.triu_indices(len(rows), k=1)
    return float(np.sqrt(np.maximum(d2[upper], 0)).mean())


def distinct_artists(index: CatalogueIndex, rows: Sequence[int]) -> int:
    return len(set(index.artists[np.asarray(rows, dtype=np.int64)].tolist())) if len(rows) else 0


def coverage(lists: Sequence[Sequence[int]], universe: int) -> float:
    """Share of the ``universe`` tracks that appear in at least one list."""
    if not universe:
        return 0.0
    shown = np.unique(np.concatenate([np.asarray(r, dtype=np.int64) for r in lists])) if lists else []
    return len(shown) / universe


def bootstrap_mean(values: Sequence[float], seed: int, resamples: int = 2000, level: float = 0.95) -> dict:
    """Mean and percentile bootstrap interval of the mean."""
    values = np.asarray(values, dtype=float)
    if not len(values):
        return {"mean": None, "ci": [None, None]}
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return {
        "mean": float(values.mean()),
        "ci": [float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))],
    }


def bootstrap_ratio(numerator: Sequence[float], denominator: Sequence[float], seed: int, resamples: int = 2000) -> dict:
    """Ratio of two means over the same listeners, with a paired bootstrap interval."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    if not len(a) or b.mean() == 0:
        return {"ratio": None, "ci": [None, None]}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    ratios = a[picks].mean(axis=1) / np.maximum(b[picks].mean(axis=1), 1e-12)
    return {
        "ratio": float(a.mean() / b.mean()),
        "ci": [float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))],
    }
