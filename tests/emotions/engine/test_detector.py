"""Face detection on real and generated photos: none, several, rotated by EXIF, grey,
RGBA, tiny and huge images; for both selectable detectors, and which one is served."""

import io
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from emotions.engine.detector import BlazeFaceDetector, Face, HaarDetector, MtcnnDetector, as_rgb, get_detector
from emotions.engine.preprocess import decode_image
from tests.support.engine import SHARED_FER, png_bytes
from tests.support.paths import REPO_ROOT

ASTRONAUT_FACE = (180, 60, 90, 110)


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.fixture(scope="module", params=["blazeface", "mtcnn"])
def detector(request):
    # Every behaviour below holds for both: MTCNN (served by default) and BlazeFace
    # (FACE_DETECTOR=blazeface).
    return get_detector(request.param)


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


def astronaut_head(astronaut):
    # The face with hair and neck around it: a detector needs some context.
    return astronaut[20:200, 150:300]


def test_it_finds_the_astronauts_face_with_level_eyes(detector, astronaut):
    faces = detector.detect(astronaut)

    assert len(faces) == 1
    face = faces[0]
    assert iou(face.box, ASTRONAUT_FACE) > 0.5
    assert face.eyes is not None
    (lx, ly), (rx, ry) = face.eyes
    assert lx < rx and abs(ly - ry) < 10
    assert 0.9 <= face.score <= 1.0


def test_it_finds_no_face_in_a_blank_image(detector):
    assert detector.detect(np.full((480, 640, 3), 200, dtype=np.uint8)) == []


def test_it_finds_no_face_in_a_photo_of_a_cat_or_coffee(detector):
    assert detector.detect(data.chelsea()) == []
    assert detector.detect(data.coffee()) == []


def test_it_finds_several_pasted_faces_largest_first(detector, astronaut):
    canvas = cv2.resize(data.coffee(), (1200, 800))
    head = astronaut_head(astronaut)
    boxes = []
    for (x, y), scale in zip([(40, 60), (450, 300), (850, 80)], [1.6, 1.2, 0.9], strict=True):
        pasted = cv2.resize(head, None, fx=scale, fy=scale)
        canvas[y : y + pasted.shape[0], x : x + pasted.shape[1]] = pasted
        boxes.append((x + 30 * scale, y + 40 * scale, 90 * scale, 110 * scale))

    faces = detector.detect(canvas)

    assert len(faces) == 3
    assert [f.area for f in faces] == sorted((f.area for f in faces), reverse=True)
    for face, truth in zip(faces, boxes, strict=True):
        assert iou(face.box, truth) > 0.4


def test_an_exif_rotated_jpeg_is_decoded_upright_and_its_face_found(detector, astronaut):
    upright = np.ascontiguousarray(astronaut[:, :400])
    # Orientation 6: the camera stored the picture turned a quarter counter-clockwise
    # and asks viewers to turn it back clockwise.
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright)))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif)

    rgb = decode_image(buffer.getvalue())

    assert rgb.shape == upright.shape
    assert np.abs(rgb.astype(int) - upright.astype(int)).mean() < 4
    faces = detector.detect(rgb)
    assert len(faces) == 1 and iou(faces[0].box, ASTRONAUT_FACE) > 0.5


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_grey_rgba_and_palette_uploads_are_decoded_and_searched(detector, astronaut, mode):
    image = Image.fromarray(astronaut).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    rgb = decode_image(buffer.getvalue())

    assert rgb.shape == astronaut.shape and rgb.dtype == np.uint8
    faces = detector.detect(rgb)
    assert len(faces) == 1 and iou(faces[0].box, ASTRONAUT_FACE) > 0.5


def test_grey_and_rgba_arrays_are_accepted_directly(detector, astronaut):
    grey = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])

    assert len(detector.detect(grey)) == 1
    assert len(detector.detect(grey[..., None])) == 1
    assert len(detector.detect(rgba)) == 1


def test_a_transparent_png_is_flattened_onto_grey(astronaut):
    rgba = np.dstack([astronaut, np.zeros(astronaut.shape[:2], np.uint8)])

    rgb = decode_image(png_bytes(rgba))

    assert (rgb == 128).all()


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1), (12, 30, 3), (3000, 5, 3)])
def test_tiny_and_degenerate_images_give_no_faces(detector, shape):
    assert detector.detect(np.zeros(shape, dtype=np.uint8)) == []


def test_a_huge_photo_is_searched_downscaled_and_boxes_map_back(detector, astronaut):
    canvas = np.full((4000, 6000, 3), 90, dtype=np.uint8)
    scale = 4.0
    person = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    canvas[500 : 500 + person.shape[0], 2500 : 2500 + person.shape[1]] = person
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="JPEG", quality=85)

    rgb = decode_image(buffer.getvalue())
    faces = detector.detect(rgb)

    assert rgb.shape == (4000, 6000, 3)
    expected = tuple(v * scale for v in ASTRONAUT_FACE)
    expected = (expected[0] + 2500, expected[1] + 500, expected[2], expected[3])
    assert len(faces) == 1 and iou(faces[0].box, expected) > 0.5
    (lx, _), (rx, _) = faces[0].eyes
    assert expected[0] < lx < rx < expected[0] + expected[2]


def test_boxes_are_clipped_to_the_image(detector, astronaut):
    # The face runs off the left edge.
    cropped = np.ascontiguousarray(astronaut[:, 200:])

    faces = detector.detect(cropped)

    assert faces, "a face cut by the edge should still be found"
    for face in faces:
        x, y, w, h = face.box
        assert x >= 0 and y >= 0 and x + w <= cropped.shape[1] and y + h <= cropped.shape[0]
        assert all(isinstance(v, int) for v in face.box)


def test_the_haar_detector_finds_the_astronaut_too(astronaut):
    faces = HaarDetector().detect(astronaut)

    assert len(faces) == 1 and iou(faces[0].box, ASTRONAUT_FACE) > 0.5
    assert isinstance(faces[0], Face)


def test_the_detector_is_created_once_per_process():
    assert get_detector() is get_detector()
    with pytest.raises(ValueError, match="unknown detector"):
        get_detector("dlib")


def test_importing_the_engine_loads_no_tensorflow():
    # A Celery prefork parent imports the tasks (and so the engine) before forking;
    # TensorFlow must only be loaded later, inside each worker.
    code = (
        "import sys; import emotions.engine.classifier, emotions.engine.detector; "
        "sys.exit(1 if any(m in sys.modules for m in ('tensorflow', 'keras')) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO_ROOT).returncode == 0


def test_as_rgb_rejects_what_is_not_an_image():
    with pytest.raises(ValueError, match=r"expected an \(H, W\[, 1\|3\|4\]\) image, got shape \(4, 4, 2\)"):
        as_rgb(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="expected a uint8 image, got float32"):
        as_rgb(np.zeros((4, 4, 3), np.float32))


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_FER.exists(), reason="needs ../shared/data/fer2013")
def test_it_finds_several_real_fer2013_faces_pasted_on_a_photo(detector):
    from emotions.engine.datasets import load_dataset

    faces = load_dataset(SHARED_FER, usages={"PublicTest"}).images[:40]
    canvas = cv2.resize(data.rocket(), (1280, 720)).copy()
    # Not strict: of the 40 faces only the first three are pasted, one per position.
    for face, (x, y) in zip(faces, [(60, 80), (480, 300), (900, 60)], strict=False):
        big = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
        canvas[y : y + 192, x : x + 192] = big[..., None]

    found = detector.detect(canvas)

    assert len(found) >= 2


def test_blazeface_finds_the_astronauts_face_with_her_eyes_where_mtcnn_puts_them(astronaut):
    blaze = get_detector("blazeface").detect(astronaut)
    mtcnn = get_detector("mtcnn").detect(astronaut)

    assert len(blaze) == len(mtcnn) == 1
    assert isinstance(get_detector("blazeface"), BlazeFaceDetector)
    # Its box is mapped onto MTCNN's framing, so about the same crop is cut for the
    # classifier (prepare_face uses the box's centre and longer side).
    (bx, by, bw, bh), (mx, my, mw, mh) = blaze[0].box, mtcnn[0].box
    side = max(mw, mh)
    assert np.hypot(bx + bw / 2 - mx - mw / 2, by + bh / 2 - my - mh / 2) < 0.06 * side
    assert 0.8 < max(bw, bh) / side < 1.25
    for mine, theirs in zip(blaze[0].eyes, mtcnn[0].eyes, strict=True):
        assert np.hypot(mine[0] - theirs[0], mine[1] - theirs[1]) < 0.08 * mtcnn[0].box[2]


def test_blazeface_eyes_follow_a_tilted_face(astronaut):
    # Turned 25 degrees counter-clockwise about the face: the eye line tilts with it.
    matrix = cv2.getRotationMatrix2D((225, 115), 25, 1.0)
    tilted = cv2.warpAffine(astronaut, matrix, astronaut.shape[1::-1], borderMode=cv2.BORDER_REFLECT)

    faces = get_detector("blazeface").detect(tilted)

    assert len(faces) == 1
    (lx, ly), (rx, ry) = faces[0].eyes
    # Image y points down, so a counter-clockwise turn raises the right-hand eye.
    assert lx < rx
    assert np.degrees(np.arctan2(ry - ly, rx - lx)) == pytest.approx(-25 + 3, abs=8)


def test_the_served_detector_is_the_setting_and_blazeface_is_selectable(settings):
    from emotions.services.analysis import face_detector

    assert settings.FACE_DETECTOR == "mtcnn"
    assert isinstance(face_detector(), MtcnnDetector)
    settings.FACE_DETECTOR = "blazeface"
    assert face_detector() is get_detector("blazeface")


def test_an_unknown_detector_setting_is_refused_at_start_up():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'fermusic.settings'; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "FACE_DETECTOR": "dlib"},
    )
    assert result.returncode != 0 and "FACE_DETECTOR='dlib' must be one of: mtcnn, blazeface, haar" in result.stderr
