"""Classification metrics for the emotion model, in the evaluation command's contract."""

from __future__ import annotations

import hashlib
from itertools import pairwise

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from .labels import EMOTIONS, NUM_CLASSES

NOT_FOUND = -1


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = 15) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in pairwise(edges):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def evaluate_probabilities(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion
    matrix (rows = true class, columns = predicted, in EMOTIONS order)."""
    report = evaluate_predictions(labels, np.asarray(probabilities).argmax(axis=1))
    report["expected_calibration_error"] = expected_calibration_error(np.asarray(labels), np.asarray(probabilities))
    return report


def evaluate_predictions(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """The same metrics from predicted class indices. A prediction outside 0..6 (no face
    found, ``NOT_FOUND``) counts as wrong: it lowers accuracy, recall and F1, and is left
    out of the confusion matrix, whose rows then sum to the support less those faces."""
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    classes = list(range(NUM_CLASSES))
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=classes, zero_division=0)
    return {
        "n": len(labels),
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=classes, average="macro", zero_division=0)),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(EMOTIONS)
        },
        "confusion_matrix": confusion_matrix(labels, predicted, labels=classes).tolist(),
        "labels": list(EMOTIONS),
    }


def duplicate_mask(images: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """True for each image that is byte-identical to some image in ``reference``.

    FER2013's PublicTest shares about 280 faces with Training; metrics on the rest say
    how the model does on faces it has never seen.
    """

    def key(face: np.ndarray) -> bytes:
        return hashlib.blake2b(face.tobytes(), digest_size=16).digest()

    seen = {key(face) for face in np.asarray(reference)}
    return np.array([key(face) in seen for face in np.asarray(images)], dtype=bool)
