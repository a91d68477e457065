"""When to call a prediction uncertain, and how well confidences match accuracy.

The served rule (``calibrate``): the model's probabilities are first temperature-scaled
(one scalar ``T`` fitted on PublicTest by minimising the negative log-likelihood, Guo et
al. 2017: ``p_i ** (1 / T)`` renormalised, i.e. a softmax of ``log p / T``, which never
changes the top emotion), then a face is *certain* when its calibrated confidence reaches
the lowest threshold at which the faces shown as certain are right at least
``CERTAIN_PRECISION`` (85%) of the time on PublicTest (``precision_threshold``); the
share of faces that leaves certain is the coverage.

An earlier rule, kept for comparison (``uncertainty_threshold``):

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

# SciPy and scikit-learn are imported where they are used: the classifier imports this
# module for apply_temperature, and serving should not pay for them.

DEFAULT_MIN_PRECISION = 0.5
CERTAIN_PRECISION = 0.85
NEVER_CONFIDENT = 1.01
# Temperatures searched (log-uniformly bounded): far wider than any sane model needs.
TEMPERATURE_BOUNDS = (0.05, 20.0)
_EPS = 1e-12


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of ``log(p) / T`` over the last axis: T > 1 softens, T < 1 sharpens."""
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), _EPS, 1.0)) / float(temperature)
    logits -= logits.max(axis=-1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=-1, keepdims=True)


def negative_log_likelihood(labels: np.ndarray, probabilities: np.ndarray) -> float:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    picked = probabilities[np.arange(len(labels)), np.asarray(labels)]
    return float(-np.log(np.clip(picked, _EPS, 1.0)).mean())


def fit_temperature(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The temperature minimising the NLL of ``labels`` under the scaled probabilities."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels)
    lo, hi = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(labels, apply_temperature(probabilities, np.exp(log_t))),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def precision_threshold(
    labels: np.ndarray, probabilities: np.ndarray, min_precision: float = CERTAIN_PRECISION
) -> dict:
    """The lowest confidence threshold at which the faces at or above it are right at
    least ``min_precision`` of the time (the largest such coverage), with what it does.

    Thresholds are the observed confidences, so ties are kept together. When no
    threshold reaches the precision every face is uncertain (``NEVER_CONFIDENT``).
    """
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    order = np.argsort(-confidence, kind="stable")
    sorted_conf, sorted_correct = confidence[order], correct[order]
    running = np.cumsum(sorted_correct) / np.arange(1, len(order) + 1)
    # Only cut where the next face has a lower confidence, so that a threshold keeps
    # every face at that confidence.
    cut = np.append(sorted_conf[1:] < sorted_conf[:-1], True)
    ok = np.flatnonzero(cut & (running >= min_precision))
    threshold = float(sorted_conf[ok[-1]]) if ok.size else NEVER_CONFIDENT
    confident = confidence >= threshold
    return {
        "threshold": threshold,
        "method": f"lowest calibrated confidence at which the faces at or above it are >= {min_precision} right",
        "min_precision": min_precision,
        "n": len(labels),
        "coverage": float(confident.mean()),
        "accuracy_confident": float(correct[confident].mean()) if confident.any() else None,
        "accuracy_uncertain": float(correct[~confident].mean()) if (~confident).any() else None,
        "accuracy_all": float(correct.mean()),
    }


def calibrate(labels: np.ndarray, raw_probabilities: np.ndarray, min_precision: float = CERTAIN_PRECISION) -> dict:
    """Fit the temperature, then the certainty threshold on the calibrated probabilities.

    Returns ``{"calibration": {...}, "uncertainty": {...}}``, the two metadata blocks
    the classifier reads (``calibration.temperature``, ``uncertainty.threshold``).
    """
    from .evaluation import expected_calibration_error

    labels = np.asarray(labels)
    temperature = fit_temperature(labels, raw_probabilities)
    calibrated = apply_temperature(raw_probabilities, temperature)
    return {
        "calibration": {
            "temperature": temperature,
            "method": "temperature scaling: softmax(log p / T), T minimising the NLL on this split",
            "n": len(labels),
            "nll_before": negative_log_likelihood(labels, raw_probabilities),
            "nll_after": negative_log_likelihood(labels, calibrated),
            "ece_before": expected_calibration_error(labels, np.asarray(raw_probabilities)),
            "ece_after": expected_calibration_error(labels, calibrated),
        },
        "uncertainty": {
            **precision_threshold(labels, calibrated, min_precision),
            "held_out": held_out_check(labels, raw_probabilities, min_precision),
        },
    }


def held_out_check(
    labels: np.ndarray, raw_probabilities: np.ndarray, min_precision: float = CERTAIN_PRECISION, seed: int = 0
) -> dict:
    """The rule's precision and coverage on faces it was not fitted on: PublicTest split
    in two random halves, temperature and threshold fitted on each half and measured on
    the other (the in-sample precision is the target by construction)."""
    labels = np.asarray(labels)
    raw_probabilities = np.asarray(raw_probabilities)
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    right = shown = 0
    for fit_on, test_on in (halves, halves[::-1]):
        temperature = fit_temperature(labels[fit_on], raw_probabilities[fit_on])
        threshold = precision_threshold(
            labels[fit_on], apply_temperature(raw_probabilities[fit_on], temperature), min_precision
        )["threshold"]
        scaled = apply_temperature(raw_probabilities[test_on], temperature)
        certain = scaled.max(axis=1) >= threshold
        right += int((scaled.argmax(axis=1) == labels[test_on])[certain].sum())
        shown += int(certain.sum())
    return {
        "method": "2-fold on this split (seeded halves): fitted on one half, measured on the other",
        "certain_accuracy": right / shown if shown else None,
        "certain_coverage": shown / len(labels),
    }


def uncertainty_threshold(
    labels: np.ndarray, probabilities: np.ndarray, min_precision: float = DEFAULT_MIN_PRECISION
) -> dict:
    """Choose the confidence threshold and describe what it does on this data.

    Returns ``threshold`` plus the coverage (share of faces at or above it) and the
    accuracy on each side, so that the choice can be recorded with the model.
    """
    from sklearn.isotonic import IsotonicRegression

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
