"""PNG figures for an evaluation: the confusion matrix and a reliability diagram.

matplotlib runs on its Agg backend (files only, no display), selected before pyplot is
imported so that a server without a display never tries to open one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .labels import EMOTIONS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_matrix_png(matrix, path: str | Path, title: str = "") -> Path:
    """Rows = true class, columns = predicted; cells coloured by row share, labelled with counts."""
    plt = _pyplot()
    matrix = np.asarray(matrix, dtype=np.int64)
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros(matrix.shape, dtype=np.float64), where=totals > 0)
    figure, axes = plt.subplots(figsize=(7, 6), dpi=120)
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            colour = "white" if shares[i, j] > 0.5 else "black"
            axes.text(j, i, f"{matrix[i, j]}\n{shares[i, j]:.0%}", ha="center", va="center", fontsize=7, color=colour)
    axes.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
    axes.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title or "Confusion matrix (row share)", fontsize=10)
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path)
    plt.close(figure)
    return path


def reliability_png(bins: list[dict], path: str | Path, title: str = "", threshold: float | None = None) -> Path:
    """Accuracy against mean confidence per bin, with the diagonal of perfect calibration
    and bar widths telling how many faces each bin holds."""
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 7), dpi=120, height_ratios=(3, 1), sharex=True)
    centres = [(b["low"] + b["high"]) / 2.0 for b in bins]
    width = bins[0]["high"] - bins[0]["low"] if bins else 0.1
    accuracy = [b["accuracy"] or 0.0 for b in bins]
    top.bar(centres, accuracy, width=width * 0.9, color="#4c72b0", edgecolor="black", label="accuracy")
    points = [(b["confidence"], b["accuracy"]) for b in bins if b["n"]]
    if points:
        top.plot(*zip(*points, strict=True), "o", color="#dd8452", label="mean confidence vs accuracy")
    top.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    if threshold is not None and threshold <= 1.0:
        for axes in (top, bottom):
            axes.axvline(threshold, color="#c44e52", linestyle=":")
        top.text(threshold, 0.95, " uncertain below", color="#c44e52", fontsize=8, va="top")
    top.set_ylim(0, 1)
    top.set_ylabel("accuracy")
    top.set_title(title or "Reliability diagram", fontsize=10)
    top.legend(loc="upper left", fontsize=8)
    bottom.bar(centres, [b["n"] for b in bins], width=width * 0.9, color="#8c8c8c")
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("confidence (highest probability)")
    bottom.set_ylabel("faces")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path)
    plt.close(figure)
    return path
