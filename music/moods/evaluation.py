"""Agreement of assigned moods with human labels, in the evaluation command's contract."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from .labels import MOODS


def mood_metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict:
    """accuracy, macro-F1, the label order and the confusion matrix (rows: truth)."""
    labels = [m for m in MOODS if m in set(truth) | set(predicted)]
    if not truth:
        return {"accuracy": None, "macro_f1": None, "labels": labels, "confusion_matrix": [], "n": 0}
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "labels": labels,
        "confusion_matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        "n": len(truth),
    }
