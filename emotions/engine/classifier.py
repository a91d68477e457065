"""The served emotion model: a LiteRT flatbuffer run by the LiteRT interpreter.

A model folder (``emotions/weights/current`` by default) holds::

    model.keras     the trained Keras model (source of truth, for retraining/analysis)
    model.tflite    the same network converted for LiteRT (what is served)
    metadata.json   version, PublicTest metrics, the uncertainty threshold, provenance

``export.export_model`` writes all three. Serving imports neither TensorFlow nor Keras:
the LiteRT interpreter alone runs a face in about a millisecond, against tens of
milliseconds for ``keras.Model.predict`` (``bench/inference.py``).

Nothing is loaded at import time. ``get_classifier`` builds one classifier per process
on first use, so a Celery prefork parent that imports this module never loads a model,
and each forked worker loads its own.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .calibration import apply_temperature
from .detector import as_rgb, get_detector
from .labels import EMOTIONS, NUM_CLASSES
from .preprocess import FACE_SIZE, normalise, prepare_face, to_grey

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "weights" / "current"
MODEL_FILE = "model.keras"
RUNTIME_FILE = "model.tflite"
METADATA_FILE = "metadata.json"
# Batches are padded up to one of these sizes, so that each size's interpreter is
# allocated once instead of re-allocating tensors for every new batch size.
BATCH_BUCKETS = (1, 8, 32)
# One thread per process: workers run one process per core, and at batch 1 a second
# thread costs more in synchronisation than it saves (bench/inference.py).
DEFAULT_THREADS = 1


class ModelNotFound(FileNotFoundError):
    """The model folder lacks a file the classifier needs; the message says which."""


@dataclass(frozen=True)
class FacePrediction:
    """The reading for one face.

    ``emotion`` is always the most probable class; when ``uncertain`` is true its
    confidence is under the model's threshold and it must not be presented as the
    person's emotion.
    """

    box: tuple[int, int, int, int]
    probabilities: dict[str, float]
    emotion: str
    confidence: float
    uncertain: bool
    landmarks: dict[str, tuple[float, float]] = field(default_factory=dict)
    detection_score: float = 1.0

    def to_dict(self) -> dict:
        return {
            "box": list(self.box),
            "probabilities": dict(self.probabilities),
            "emotion": self.emotion,
            "confidence": self.confidence,
            "uncertain": self.uncertain,
            "landmarks": {name: list(point) for name, point in self.landmarks.items()},
            "detection_score": self.detection_score,
        }


def read_metadata(model_dir: str | Path) -> dict:
    path = Path(model_dir) / METADATA_FILE
    if not path.exists():
        raise ModelNotFound(f"{path} is missing: export a model with `manage.py train_emotion_model --export`")
    metadata = json.loads(path.read_text())
    labels = tuple(metadata.get("labels", ()))
    if labels != EMOTIONS:
        raise ValueError(f"{path}: the model's labels {labels} differ from {EMOTIONS}")
    if "threshold" not in metadata.get("uncertainty", {}):
        raise ValueError(f"{path}: no uncertainty threshold recorded; re-export the model")
    return metadata


class LiteRTModel:
    """A LiteRT flatbuffer taking (n, 48, 48, 1) faces in [0, 1] and giving (n, 7) probabilities."""

    def __init__(self, path: str | Path, threads: int = DEFAULT_THREADS):
        self.path = Path(path)
        if not self.path.exists():
            raise ModelNotFound(f"{self.path} is missing")
        self.threads = threads
        self._runners: dict[int, _Runner] = {}
        self._lock = threading.Lock()
        # Fail here, not on the first request, if the file is not a usable model.
        self._runner(1)

    def _runner(self, batch: int) -> _Runner:
        runner = self._runners.get(batch)
        if runner is None:
            runner = self._runners[batch] = _Runner(self.path, batch, self.threads)
        return runner

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(n, 48, 48) or (48, 48) uint8 faces -> (n, 7) float32 probabilities (EMOTIONS order)."""
        faces = np.asarray(faces)
        if faces.ndim == 2:
            faces = faces[None]
        if faces.dtype != np.uint8 or faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(f"expected (n, {FACE_SIZE}, {FACE_SIZE}) uint8 faces, got {faces.shape} {faces.dtype}")
        out = np.empty((len(faces), NUM_CLASSES), dtype=np.float32)
        if len(faces) == 0:
            return out
        inputs = normalise(faces)
        largest = BATCH_BUCKETS[-1]
        # LiteRT interpreters must not be shared between threads (web servers may call
        # from a thread pool), and a face takes about a millisecond, so a lock costs little.
        with self._lock:
            for start in range(0, len(inputs), largest):
                chunk = inputs[start : start + largest]
                size = len(chunk)
                bucket = next(b for b in BATCH_BUCKETS if b >= size)
                if bucket > size:
                    chunk = np.concatenate([chunk, np.zeros((bucket - size, *chunk.shape[1:]), np.float32)])
                out[start : start + size] = self._runner(bucket).run(chunk)[:size]
        return out


class EmotionClassifier:
    """The served model in ``model_dir``: LiteRT probabilities plus the uncertainty rule."""

    def __init__(self, model_dir: str | Path = DEFAULT_MODEL_DIR, threads: int = DEFAULT_THREADS):
        self.model_dir = Path(model_dir)
        self.metadata = read_metadata(self.model_dir)
        self.model = LiteRTModel(self.model_dir / RUNTIME_FILE, threads)
        self.threshold = float(self.metadata["uncertainty"]["threshold"])
        # Temperature scaling fitted on PublicTest (calibration.calibrate); a model
        # exported before it was introduced is served as it was (T = 1).
        self.temperature = float(self.metadata.get("calibration", {}).get("temperature", 1.0))
        if not self.temperature > 0:
            raise ValueError(f"{self.model_dir}: calibration temperature must be positive, got {self.temperature}")

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(n, 48, 48) or (48, 48) uint8 faces -> (n, 7) float32 calibrated probabilities
        (EMOTIONS order): the LiteRT output scaled by the model's temperature, which is
        what the uncertainty threshold was chosen on."""
        raw = self.model.predict(faces)
        if self.temperature == 1.0 or len(raw) == 0:
            return raw
        return apply_temperature(raw, self.temperature).astype(np.float32)

    def analyse_image(self, rgb: np.ndarray, detector=None) -> list[FacePrediction]:
        """Detect every face in an RGB photo, align and classify it; largest face first."""
        detector = detector or get_detector()
        rgb = as_rgb(rgb)
        faces = detector.detect(rgb)
        if not faces:
            return []
        grey = to_grey(rgb)
        crops = np.stack([prepare_face(grey, face.box, face.eyes) for face in faces])
        probabilities = self.predict(crops)
        return [self._prediction(face, p) for face, p in zip(faces, probabilities, strict=True)]

    def _prediction(self, face, probabilities: np.ndarray) -> FacePrediction:
        top = int(np.argmax(probabilities))
        confidence = float(probabilities[top])
        landmarks = {}
        if face.eyes is not None:
            landmarks = {"left_eye": face.left_eye, "right_eye": face.right_eye}
        return FacePrediction(
            box=tuple(int(v) for v in face.box),
            probabilities={name: float(p) for name, p in zip(EMOTIONS, probabilities, strict=True)},
            emotion=EMOTIONS[top],
            confidence=confidence,
            uncertain=confidence < self.threshold,
            landmarks=landmarks,
            detection_score=float(face.score),
        )


class _Runner:
    """One LiteRT interpreter with its input resized to a fixed batch size."""

    def __init__(self, path: Path, batch: int, threads: int):
        from ai_edge_litert.interpreter import Interpreter

        try:
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        except ValueError as exc:
            raise ValueError(f"{path} is not a LiteRT model ({exc})") from None
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        if tuple(self.input["shape"][1:]) != (FACE_SIZE, FACE_SIZE, 1):
            raise ValueError(f"{path} takes input {tuple(self.input['shape'])}, expected (n, 48, 48, 1)")
        self.interpreter.resize_tensor_input(self.input["index"], [batch, FACE_SIZE, FACE_SIZE, 1], strict=True)
        self.interpreter.allocate_tensors()

    def run(self, batch: np.ndarray) -> np.ndarray:
        self.interpreter.set_tensor(self.input["index"], batch)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"]).copy()


_instances: dict[tuple[int, str], EmotionClassifier] = {}
_instances_lock = threading.Lock()


def get_classifier(model_dir: str | Path = DEFAULT_MODEL_DIR) -> EmotionClassifier:
    """This process's classifier for ``model_dir`` (Django passes settings.EMOTION_MODEL_DIR).

    Keyed by process id so that a forked worker loads its own interpreter.
    """
    key = (os.getpid(), str(Path(model_dir).resolve()))
    classifier = _instances.get(key)
    if classifier is None:
        with _instances_lock:
            classifier = _instances.get(key)
            if classifier is None:
                classifier = _instances[key] = EmotionClassifier(model_dir)
    return classifier
