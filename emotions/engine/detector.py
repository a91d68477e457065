"""Face detection on photos of any size, with eye landmarks for alignment.

Two detectors whose weights ship inside their registry packages (nothing is downloaded):

* ``mtcnn``: the MTCNN cascade (P-, R- and O-Net) from the ``mtcnn`` package, which also
  gives five landmarks; the eyes are used to level the face before classification.
* ``haar``: OpenCV's frontal-face Haar cascade from ``cv2.data``, with OpenCV's eye
  cascade searched inside each face for landmarks.

``bench/detectors.py`` compares them on real photos and on composites of real FER2013
faces; MTCNN is the default because it finds more faces and makes fewer false alarms
(numbers in ``emotions/weights/README.md``). Both work on a downscaled copy of big images
and map the boxes back, so a 24-megapixel upload costs about as much as a 640-pixel one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

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


def _cascade(filename: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, filename))
    if classifier.empty():
        raise RuntimeError(f"OpenCV could not load its bundled cascade {filename}")
    return classifier


DETECTORS = {"mtcnn": MtcnnDetector, "haar": HaarDetector}

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
