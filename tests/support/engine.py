"""Generated data and a tiny trained model for the emotion-engine tests.

The model is trained once per test session (seconds: a width-4 VGG, one epoch, on 210
generated faces) and exported as a served model folder; several test modules share it
through ``tiny_model_dir()``, which is why it lives here and not in one module's fixture.
"""

from __future__ import annotations

import atexit
import csv
import functools
import gzip
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from emotions.engine.datasets import FaceDataset
from emotions.engine.labels import EMOTIONS, NUM_CLASSES
from tests.support.paths import SHARED_DATA

SHARED_FER = SHARED_DATA / "fer2013" / "fer2013.csv.gz"


def synthetic_faces(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """48x48 grey images whose brightest band depends on the class: learnable in an epoch."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    images = rng.integers(0, 120, size=(len(labels), 48, 48)).astype(np.uint8)
    for image, label in zip(images, labels, strict=True):
        image[label * 6 : label * 6 + 8, :] += 120
    return images, labels


def synthetic_dataset(per_class: int = 20, seed: int = 0, usage: str = "Training") -> FaceDataset:
    images, labels = synthetic_faces(per_class, seed)
    return FaceDataset(images, labels, np.array([usage] * len(labels)), np.arange(len(labels)), f"synthetic-{usage}")


def write_fer_csv(path: Path, splits: dict[str, tuple[np.ndarray, np.ndarray]], compress: bool = True) -> Path:
    """Write FER2013's Kaggle format (emotion,pixels,Usage), gzipped when ``compress``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["emotion", "pixels", "Usage"])
    for usage, (images, labels) in splits.items():
        for image, label in zip(images, labels, strict=True):
            writer.writerow([int(label), " ".join(str(v) for v in image.reshape(-1)), usage])
    data = buffer.getvalue().encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_image_folders(root: Path, splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """Write ``<root>/<split>/<class>/*.png``."""
    for split, (images, labels) in splits.items():
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            folder = root / split / EMOTIONS[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{i:04d}.png")
    return root


def standard_splits(per_class: int = 6) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {"Training": synthetic_faces(per_class, 1), "PublicTest": synthetic_faces(max(2, per_class // 2), 2)}


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fermusic-engine-tests-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.cache
def tiny_model_dir(quantization: str = "float32") -> Path:
    """A served model folder (model.keras, model.tflite, metadata.json) from a tiny run."""
    from emotions.engine.export import export_model
    from emotions.engine.training import TrainConfig, train

    folder = _scratch()
    train_set = synthetic_dataset(30, seed=3, usage="Training")
    val_set = synthetic_dataset(10, seed=4, usage="PublicTest")
    config = TrainConfig(width=4, epochs=1, batch_size=32, augment=False)
    train(train_set, val_set, folder / "run", config, progress=False, log=lambda *_: None)
    export_model(
        folder / "run" / "model.keras",
        folder / "model",
        val_set,
        train_set,
        quantization=quantization,
        log=lambda *_: None,
    )
    return folder / "model"
