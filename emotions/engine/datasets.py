"""Readers for FER2013 in its two standard formats, and the FER+ vote file.

* Kaggle CSV: ``emotion,pixels,Usage`` (optionally gzipped), 48x48 grey faces.
* Image folders: ``<root>/<split>/<class>/*.png|jpg``.

Both give a :class:`FaceDataset`. Every problem with the input raises
:class:`DatasetError` with a message that names the file and row.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .labels import EMOTIONS, NUM_CLASSES, emotion_index
from .preprocess import FACE_SIZE, read_grey_face

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}

# Canonical split names (the CSV's ``Usage`` values) and the folder aliases in use.
SPLIT_ALIASES = {
    "train": "Training",
    "training": "Training",
    "val": "PublicTest",
    "valid": "PublicTest",
    "validation": "PublicTest",
    "publictest": "PublicTest",
    "test": "PrivateTest",
    "privatetest": "PrivateTest",
}

# FER+ vote columns, mapped onto our seven classes ("contempt", "unknown" and
# "NF" - not a face - have no FER2013 counterpart and are dropped).
FERPLUS_COLUMNS = {
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happiness": "happy",
    "sadness": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}


class DatasetError(ValueError):
    """The data cannot be read as a FER2013 dataset; the message says why."""


def canonical_split(name: str) -> str:
    return SPLIT_ALIASES.get(name.strip().lower(), name.strip())


@dataclass
class FaceDataset:
    images: np.ndarray  # (n, 48, 48) uint8
    labels: np.ndarray  # (n,) int64, index into EMOTIONS
    usage: np.ndarray  # (n,) str, canonical split name
    rows: np.ndarray  # (n,) int64, row index in the source (CSV data row / file order)
    source: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, usage: str) -> FaceDataset:
        wanted = canonical_split(usage)
        mask = self.usage == wanted
        if not mask.any():
            present = ", ".join(sorted(set(self.usage.tolist()))) or "none"
            raise DatasetError(f"{self.source}: no rows with usage {wanted!r} (present: {present})")
        return FaceDataset(self.images[mask], self.labels[mask], self.usage[mask], self.rows[mask], self.source)

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=NUM_CLASSES)
        return {name: int(c) for name, c in zip(EMOTIONS, counts, strict=True)}


def load_dataset(path: str | Path, usages: set[str] | None = None) -> FaceDataset:
    """Read FER2013 from a CSV(.gz) file or an image-folder tree."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    if path.is_dir():
        return load_image_folders(path, usages)
    return load_fer_csv(path, usages)


def _open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def load_fer_csv(path: str | Path, usages: set[str] | None = None) -> FaceDataset:
    path = Path(path)
    wanted = {canonical_split(u) for u in usages} if usages else None
    images, labels, usage, rows = [], [], [], []
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            missing = {"emotion", "pixels"} - set(header)
            if missing:
                raise DatasetError(
                    f"{path}: not a FER2013 CSV, missing column(s) {', '.join(sorted(missing))} "
                    f"(expected emotion,pixels,Usage)"
                )
            i_emotion, i_pixels = header.index("emotion"), header.index("pixels")
            i_usage = header.index("usage") if "usage" in header else None
            for row_number, record in enumerate(reader):
                line = row_number + 2
                if len(record) != len(header):
                    raise DatasetError(f"{path}, line {line}: expected {len(header)} fields, got {len(record)}")
                split = canonical_split(record[i_usage]) if i_usage is not None else "Training"
                if wanted is not None and split not in wanted:
                    continue
                try:
                    label = int(record[i_emotion])
                except ValueError:
                    raise DatasetError(f"{path}, line {line}: emotion {record[i_emotion]!r} is not a number") from None
                if not 0 <= label < NUM_CLASSES:
                    raise DatasetError(f"{path}, line {line}: emotion {label} is outside 0..{NUM_CLASSES - 1}")
                try:
                    pixels = np.array(record[i_pixels].split(), dtype=np.int32)
                except ValueError:
                    raise DatasetError(f"{path}, line {line}: pixels must be space-separated integers") from None
                if pixels.size != FACE_SIZE * FACE_SIZE:
                    raise DatasetError(
                        f"{path}, line {line}: {pixels.size} pixels, expected {FACE_SIZE * FACE_SIZE} (48x48)"
                    )
                if pixels.min() < 0 or pixels.max() > 255:
                    raise DatasetError(f"{path}, line {line}: pixel values must be within 0..255")
                images.append(pixels.astype(np.uint8).reshape(FACE_SIZE, FACE_SIZE))
                labels.append(label)
                usage.append(split)
                rows.append(row_number)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise DatasetError(f"{path}: unreadable ({exc})") from None
    if not images:
        raise DatasetError(f"{path}: no usable rows" + (f" for usage {sorted(wanted)}" if wanted else ""))
    return FaceDataset(
        np.stack(images), np.array(labels, dtype=np.int64), np.array(usage), np.array(rows, dtype=np.int64), str(path)
    )


def load_image_folders(root: str | Path, usages: set[str] | None = None) -> FaceDataset:
    root = Path(root)
    wanted = {canonical_split(u) for u in usages} if usages else None
    images, labels, usage, rows = [], [], [], []
    split_dirs = sorted(p for p in root.iterdir() if p.is_dir())
    if not split_dirs:
        raise DatasetError(f"{root}: expected <root>/<split>/<class>/*.png|jpg, found no split folders")
    for split_dir in split_dirs:
        split = canonical_split(split_dir.name)
        if wanted is not None and split not in wanted:
            continue
        for class_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            try:
                label = emotion_index(class_dir.name)
            except KeyError:
                raise DatasetError(
                    f"{class_dir}: unknown class folder {class_dir.name!r} (expected one of {', '.join(EMOTIONS)})"
                ) from None
            for file in sorted(class_dir.iterdir()):
                if file.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                try:
                    images.append(read_grey_face(file))
                except ValueError as exc:
                    raise DatasetError(f"{file}: {exc}") from None
                labels.append(label)
                usage.append(split)
                rows.append(len(rows))
    if not images:
        raise DatasetError(f"{root}: no images found" + (f" for usage {sorted(wanted)}" if wanted else ""))
    return FaceDataset(
        np.stack(images), np.array(labels, dtype=np.int64), np.array(usage), np.array(rows, dtype=np.int64), str(root)
    )


def load_ferplus_soft_labels(path: str | Path, dataset: FaceDataset) -> np.ndarray:
    """FER+ vote distributions aligned with ``dataset``'s rows.

    Returns an (n, 7) float32 array; rows with no usable votes are all-NaN.
    """
    path = Path(path)
    soft = np.full((len(dataset), NUM_CLASSES), np.nan, dtype=np.float32)
    position = {int(r): i for i, r in enumerate(dataset.rows)}
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            missing = {"row", *FERPLUS_COLUMNS} - set(reader.fieldnames or [])
            if missing:
                raise DatasetError(f"{path}: not a FER+ vote file, missing {', '.join(sorted(missing))}")
            for record in reader:
                i = position.get(int(record["row"]))
                if i is None:
                    continue
                votes = np.zeros(NUM_CLASSES, dtype=np.float32)
                for column, emotion in FERPLUS_COLUMNS.items():
                    votes[emotion_index(emotion)] = float(record[column])
                if votes.sum() > 0:
                    soft[i] = votes / votes.sum()
    except (ValueError, UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{path}: unreadable ({exc})") from None
    return soft
