"""Offline quality of ranked lists: NDCG@k, precision@k and recall@k against a set of
relevant rows (binary relevance), catalogue coverage, intra-list diversity, and
percentile bootstrap confidence intervals over listeners (of a mean, of coverage, and
paired: of a ratio and of a difference between two methods)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

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


def recall_at(ranked: Sequence[int], relevant: set[int], k: int = 50) -> float:
    """Share of the relevant rows found in the first k; 0 when nothing is relevant."""
    if not relevant:
        return 0.0
    return sum(1 for row in list(ranked)[:k] if row in relevant) / len(relevant)


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


def bootstrap_coverage(
    lists: Sequence[Sequence[int]], universe: int, seed: int, resamples: int = 1000, level: float = 0.95
) -> dict:
    """Coverage of ``lists`` and a bootstrap interval, resampling lists (one per
    listener) with replacement. A resample holds only about 63% distinct lists, so it
    always shows fewer tracks: the percentiles are shifted by that bias (the full
    coverage less the resamples' mean), which centres the interval on the coverage."""
    if not lists or not universe:
        return {"mean": coverage(lists, universe) if universe else 0.0, "ci": [None, None]}
    rows = [np.asarray(r, dtype=np.int64) for r in lists]
    columns = np.concatenate(rows)
    owners = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    shown = sparse.csr_matrix((np.ones(len(columns)), (columns, owners)), shape=(columns.max() + 1, len(rows)))
    shown.data[:] = 1.0
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(rows), size=(resamples, len(rows)))
    counts = np.zeros((resamples, len(rows)))
    np.add.at(counts, (np.repeat(np.arange(resamples), len(rows)), draws.ravel()), 1.0)
    values = np.concatenate(
        [((shown @ counts[start : start + 100].T) > 0).sum(axis=0) for start in range(0, resamples, 100)]
    )
    tail = (1 - level) / 2 * 100
    full = coverage(lists, universe)
    shift = full - values.mean() / universe
    return {
        "mean": full,
        "ci": [float(np.percentile(values, q)) / universe + shift for q in (tail, 100 - tail)],
    }


def bootstrap_difference(a: Sequence[float], b: Sequence[float], seed: int, resamples: int = 2000) -> dict:
    """Mean of a - b over the same listeners, with a paired percentile bootstrap interval."""
    return bootstrap_mean(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), seed, resamples)


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
