"""Calibration and the uncertainty threshold: temperature scaling fitted by NLL, the
certainty threshold chosen for a stated precision (and the earlier one-half rule),
reported with what they do to coverage and accuracy."""

import numpy as np
import pytest

from emotions.engine.calibration import (
    NEVER_CONFIDENT,
    apply_temperature,
    calibrate,
    fit_temperature,
    negative_log_likelihood,
    precision_threshold,
    reliability_bins,
    risk_coverage,
    uncertainty_threshold,
)


def predictions(confidences, correct):
    """Probabilities whose top class is 0 with the given confidence; label 0 when correct."""
    confidences = np.asarray(confidences, dtype=np.float64)
    rest = (1.0 - confidences)[:, None] / 6.0
    probabilities = np.hstack([confidences[:, None], np.repeat(rest, 6, axis=1)])
    labels = np.where(correct, 0, 1)
    return labels, probabilities


def test_the_threshold_is_where_accuracy_reaches_one_half():
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.2, 1.0, 20000)
    # Right with probability equal to the confidence: perfectly calibrated.
    labels, probabilities = predictions(confidences, rng.uniform(size=confidences.size) < confidences)

    chosen = uncertainty_threshold(labels, probabilities)

    assert abs(chosen["threshold"] - 0.5) < 0.03
    assert chosen["accuracy_confident"] > 0.7 > chosen["accuracy_uncertain"]
    assert abs(chosen["coverage"] - 0.625) < 0.03


def test_a_model_that_is_never_right_often_enough_calls_every_face_uncertain():
    labels, probabilities = predictions(np.full(100, 0.4), np.arange(100) < 30)

    chosen = uncertainty_threshold(labels, probabilities)

    assert chosen["threshold"] == NEVER_CONFIDENT
    assert chosen["coverage"] == 0.0 and chosen["accuracy_confident"] is None


def test_risk_coverage_and_reliability_describe_the_same_predictions():
    labels, probabilities = predictions(np.linspace(0.2, 1.0, 50), np.arange(50) >= 25)

    curve = risk_coverage(labels, probabilities)
    bins = reliability_bins(labels, probabilities)

    assert curve[0]["accuracy"] == 1.0 and curve[-1]["coverage"] == 1.0
    assert curve[-1]["accuracy"] == 0.5
    assert sum(b["n"] for b in bins) == 50


def sharpened_predictions(n: int, factor: float, seed: int = 0):
    """Labels drawn from softmax(z) (a perfectly calibrated model's beliefs), and the
    over-confident probabilities softmax(factor * z) a model might report instead."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(n, 7))
    calibrated = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(7, p=p) for p in calibrated])
    sharp = np.exp(factor * logits)
    return labels, sharp / sharp.sum(axis=1, keepdims=True)


def test_the_fitted_temperature_undoes_over_confidence_and_lowers_the_nll():
    labels, probabilities = sharpened_predictions(6000, factor=2.0)

    temperature = fit_temperature(labels, probabilities)
    scaled = apply_temperature(probabilities, temperature)

    assert temperature == pytest.approx(2.0, rel=0.08)
    assert negative_log_likelihood(labels, scaled) < negative_log_likelihood(labels, probabilities) - 0.05
    # Scaling never changes the top emotion, and rows still sum to one.
    assert (scaled.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    assert np.allclose(scaled.sum(axis=1), 1.0)


def test_an_under_confident_model_gets_a_temperature_below_one():
    labels, probabilities = sharpened_predictions(6000, factor=0.6, seed=1)

    assert fit_temperature(labels, probabilities) == pytest.approx(0.6, rel=0.08)


def test_the_certainty_threshold_meets_the_stated_precision_with_the_largest_coverage():
    rng = np.random.default_rng(2)
    confidences = rng.uniform(0.2, 1.0, 20000)
    labels, probabilities = predictions(confidences, rng.uniform(size=confidences.size) < confidences)

    chosen = precision_threshold(labels, probabilities, 0.85)

    certain = probabilities.max(axis=1) >= chosen["threshold"]
    right = probabilities.argmax(axis=1) == labels
    assert right[certain].mean() >= 0.85
    assert chosen["accuracy_confident"] == pytest.approx(right[certain].mean())
    assert chosen["coverage"] == pytest.approx(certain.mean())
    # One step lower (the next confidence down) would fall under the precision.
    below = probabilities.max(axis=1)[~certain].max()
    assert right[probabilities.max(axis=1) >= below].mean() < 0.85
    # Right with probability = confidence: the mean of U(t, 1) reaches 0.85 at t = 0.7.
    assert chosen["threshold"] == pytest.approx(0.7, abs=0.03)


def test_a_model_never_precise_enough_shows_no_face_as_certain():
    labels, probabilities = predictions(np.full(100, 0.9), np.arange(100) < 60)

    chosen = precision_threshold(labels, probabilities, 0.85)

    assert chosen["threshold"] == NEVER_CONFIDENT and chosen["coverage"] == 0.0


def test_calibrate_reports_both_blocks_and_a_held_out_check():
    labels, probabilities = sharpened_predictions(4000, factor=2.0, seed=3)

    fitted = calibrate(labels, probabilities, 0.85)

    assert fitted["calibration"]["nll_after"] < fitted["calibration"]["nll_before"]
    assert fitted["calibration"]["ece_after"] < fitted["calibration"]["ece_before"]
    assert fitted["uncertainty"]["accuracy_confident"] >= 0.85
    held_out = fitted["uncertainty"]["held_out"]
    assert held_out["certain_accuracy"] == pytest.approx(0.85, abs=0.04)
    assert held_out["certain_coverage"] == pytest.approx(fitted["uncertainty"]["coverage"], abs=0.08)
