"""The uncertainty threshold: chosen where the model starts being right more often
than wrong, and reported with what it does to coverage and accuracy."""

import numpy as np

from emotions.engine.calibration import NEVER_CONFIDENT, reliability_bins, risk_coverage, uncertainty_threshold


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
