"""When to call a prediction uncertain, and how well confidences match accuracy.

The served model reports the top emotion only when its confidence (the highest of the
seven probabilities) reaches a threshold chosen on PublicTest: the lowest confidence at
which the model's top emotion is right at least ``min_precision`` of the time (0.5 by
default: below the threshold the top emotion is more often wrong than right, so the
face is reported as uncertain rather than guessed). "Right at a confidence" is read off
an isotonic (monotone) fit of correctness against confidence, which is stable where a
histogram with few faces per bin would jump about.
"""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.isotonic import IsotonicRegression

DEFAULT_MIN_PRECISION = 0.5
NEVER_CONFIDENT = 1.01


def uncertainty_threshold(
    labels: np.ndarray, probabilities: np.ndarray, min_precision: float = DEFAULT_MIN_PRECISION
) -> dict:
    """Choose the confidence threshold and describe what it does on this data.

    Returns ``threshold`` plus the coverage (share of faces at or above it) and the
    accuracy on each side, so that the choice can be recorded with the model.
    """
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    fit = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(confidence, correct)
    order = np.sort(np.unique(confidence))
    reached = order[fit.predict(order) >= min_precision]
    # No confidence reaches the target: every face is uncertain (a threshold above any
    # probability).
    threshold = float(reached[0]) if reached.size else NEVER_CONFIDENT
    confident = confidence >= threshold
    return {
        "threshold": threshold,
        "method": f"lowest max-probability whose isotonic-fitted accuracy on this split is >= {min_precision}",
        "min_precision": min_precision,
        "n": len(labels),
        "coverage": float(confident.mean()),
        "accuracy_confident": float(correct[confident].mean()) if confident.any() else None,
        "accuracy_uncertain": float(correct[~confident].mean()) if (~confident).any() else None,
        "accuracy_all": float(correct.mean()),
    }


def risk_coverage(labels: np.ndarray, probabilities: np.ndarray, points: int = 11) -> list[dict]:
    """Accuracy of the most confident fraction of faces, for coverages 0..1."""
    confidence = np.asarray(probabilities).max(axis=1)
    correct = np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)
    order = np.argsort(-confidence, kind="stable")
    curve = []
    for coverage in np.linspace(0.1, 1.0, points - 1):
        keep = order[: max(1, round(coverage * len(order)))]
        curve.append(
            {
                "coverage": round(float(coverage), 2),
                "accuracy": round(float(correct[keep].mean()), 4),
                "min_confidence": round(float(confidence[keep].min()), 4),
            }
        )
    return curve


def reliability_bins(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> list[dict]:
    """Per confidence bin: how many faces, their mean confidence and their accuracy."""
    confidence = np.asarray(probabilities).max(axis=1)
    correct = np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        in_bin = (confidence > lo) & (confidence <= hi) if lo > 0 else (confidence <= hi)
        rows.append(
            {
                "low": float(lo),
                "high": float(hi),
                "n": int(in_bin.sum()),
                "confidence": float(confidence[in_bin].mean()) if in_bin.any() else None,
                "accuracy": float(correct[in_bin].mean()) if in_bin.any() else None,
            }
        )
    return rows
