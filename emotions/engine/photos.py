"""Evaluating the whole pipeline on labelled photos: decode -> detect -> align -> classify.

A photo folder is either

* ``DIR/labels.csv`` with a header naming at least ``path`` (relative to DIR) and
  ``emotion`` (other columns are ignored), or
* ``DIR/<emotion>/*.jpg`` (also .jpeg, .png, .webp), one sub-folder per emotion.

Emotion names are the seven FER2013 classes or their common aliases
(``labels.emotion_index``). Each photo goes through the product's own path: the file's
bytes through ``preprocess.decode_image``, then ``EmotionClassifier.analyse_image`` with
the given detector; the largest face is the photo's reading, and a photo without a face
counts as wrong (``evaluation.NOT_FOUND``).
"""

from __future__ import annotations

import contextlib
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .evaluation import NOT_FOUND, evaluate_predictions
from .labels import EMOTIONS, emotion_index
from .preprocess import ImageError, decode_image

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


class PhotoSetError(ValueError):
    """The folder is not a labelled photo set; the message says why."""


@dataclass(frozen=True)
class LabelledPhoto:
    path: Path
    label: int


def read_photo_folder(root: str | Path) -> list[LabelledPhoto]:
    root = Path(root)
    if not root.is_dir():
        raise PhotoSetError(f"{root} is not a folder")
    table = root / "labels.csv"
    photos = _read_labels_csv(root, table) if table.exists() else _read_sub_folders(root)
    if not photos:
        raise PhotoSetError(f"{root}: no labelled photos (expected labels.csv or <emotion>/*.jpg sub-folders)")
    return photos


def _read_labels_csv(root: Path, table: Path) -> list[LabelledPhoto]:
    with table.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower(): name for name in reader.fieldnames or ()}
        if "path" not in columns or "emotion" not in columns:
            raise PhotoSetError(f"{table}: the header must name 'path' and 'emotion' columns, got {reader.fieldnames}")
        photos = []
        for line, row in enumerate(reader, start=2):
            relative, emotion = row[columns["path"]].strip(), row[columns["emotion"]].strip()
            try:
                label = emotion_index(emotion)
            except KeyError:
                raise PhotoSetError(
                    f"{table}, line {line}: unknown emotion {emotion!r} (expected one of {', '.join(EMOTIONS)})"
                ) from None
            path = (root / relative).resolve()
            if not path.is_relative_to(root.resolve()):
                raise PhotoSetError(f"{table}, line {line}: {relative!r} lies outside {root}")
            if not path.is_file():
                raise PhotoSetError(f"{table}, line {line}: {relative!r} does not exist")
            photos.append(LabelledPhoto(path, label))
    return photos


def _read_sub_folders(root: Path) -> list[LabelledPhoto]:
    photos = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            label = emotion_index(folder.name)
        except KeyError:
            raise PhotoSetError(
                f"{root}: sub-folder {folder.name!r} is not an emotion (expected one of {', '.join(EMOTIONS)})"
            ) from None
        photos += [
            LabelledPhoto(path, label)
            for path in sorted(folder.iterdir())
            if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES
        ]
    return photos


def evaluate_photos(classifier, detector, photos: list[LabelledPhoto]) -> dict:
    """The evaluation contract's metrics over ``photos``, plus detection and timing.

    ``certain_accuracy`` is the share of right readings among the photos whose reading is
    certain (a face found and not ``uncertain``); ``certain_coverage`` is the share of all
    photos with a certain reading. ``ms_per_photo_*`` time each photo from its file's
    bytes to its readings (decode, detect, align, classify).
    """
    labels = np.array([photo.label for photo in photos])
    predicted = np.full(len(photos), NOT_FOUND)
    certain = np.zeros(len(photos), dtype=bool)
    faces_per_photo = np.zeros(len(photos), dtype=int)
    unreadable = []
    times = []
    # One photo first, untimed: the detector and interpreters allocate on first use.
    with contextlib.suppress(ImageError):
        _read(classifier, detector, photos[0].path)
    for i, photo in enumerate(photos):
        started = time.perf_counter()
        try:
            readings = _read(classifier, detector, photo.path)
        except ImageError as exc:
            unreadable.append({"path": str(photo.path), "reason": str(exc)})
            continue
        times.append((time.perf_counter() - started) * 1000.0)
        faces_per_photo[i] = len(readings)
        if readings:
            largest = readings[0]
            predicted[i] = EMOTIONS.index(largest.emotion)
            certain[i] = not largest.uncertain
    correct = predicted == labels
    report = evaluate_predictions(labels, predicted)
    for i, emotion in enumerate(EMOTIONS):
        report["per_class"][emotion]["not_found"] = int(((labels == i) & (predicted == NOT_FOUND)).sum())
    report.update(
        {
            "faces_found": int((predicted != NOT_FOUND).sum()),
            "photos_with_several_faces": int((faces_per_photo > 1).sum()),
            "unreadable": unreadable,
            "certain_accuracy": float(correct[certain].mean()) if certain.any() else None,
            "certain_coverage": float(certain.mean()),
            "uncertain_accuracy": float(correct[~certain & (predicted != NOT_FOUND)].mean())
            if (~certain & (predicted != NOT_FOUND)).any()
            else None,
            "ms_per_photo_p50": round(float(np.percentile(times, 50)), 1) if times else None,
            "ms_per_photo_p95": round(float(np.percentile(times, 95)), 1) if times else None,
        }
    )
    return report


def _read(classifier, detector, path: Path):
    rgb = decode_image(path.read_bytes())
    return classifier.analyse_image(rgb, detector=detector)
