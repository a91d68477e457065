"""Image decoding and the one face preprocessing path shared by training and inference.

``decode_image`` turns untrusted bytes into an RGB array (JPEG, PNG and WebP only; EXIF
orientation honoured, grey/alpha/palette/CMYK handled, bombs and animations refused). ``prepare_face`` crops a
face with margin, levels the eyes when they are known, converts to grey and resizes to
48x48; ``normalise`` scales to the network's input range. FER2013 training images are
already 48x48 face crops, so training calls ``prepare_face`` with no box, which is the
same code path with the whole image as the face.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

FACE_SIZE = 48
# Margin added around a detector's box on each side, as a fraction of the box's longer
# side, so that a photo's face is framed as FER2013 framed its faces. Measured by
# bench/detectors.py (margin study): on the 335 of 400 upscaled PublicTest faces that
# MTCNN found, the FER crop's side is 0.95x the MTCNN box's longer side (its height;
# IQR 0.88-1.04) and the centres coincide (median offset 1% of the crop), so the crop
# is the box itself, slightly tightened: (0.95 - 1) / 2 = -0.025.
FACE_MARGIN = -0.025
DEFAULT_MAX_PIXELS = 40_000_000
# Photos are decoded in these formats only: Pillow's other plugins (EPS through
# Ghostscript, TIFF, BMP, ...) are code an attacker could reach that no photo needs.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# Dataset folders are the operator's own files and may hold BMP crops (datasets.IMAGE_SUFFIXES).
DATASET_FORMATS = (*PHOTO_FORMATS, "BMP")
NOT_A_PHOTO = "This file is not a JPEG, PNG or WebP photo."
CORRUPT = "The image is corrupt or truncated."


class ImageError(ValueError):
    """The bytes are not a usable still image; the message is safe to show a user."""


def decode_image(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, formats: tuple[str, ...] = PHOTO_FORMATS
) -> np.ndarray:
    """Decode image bytes in one of ``formats`` to an (H, W, 3) uint8 RGB array, upright.

    The messages never quote the decoder's own, which can name its plugins and tools.
    """
    if not data:
        raise ImageError("The file is empty.")
    with warnings.catch_warnings():
        # Pillow warns between MAX_IMAGE_PIXELS and twice that; we enforce our own limit.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
        except UnidentifiedImageError:
            raise ImageError(NOT_A_PHOTO) from None
        except Image.DecompressionBombError:
            raise ImageError("The image has too many pixels.") from None
        except (OSError, SyntaxError, ValueError):
            raise ImageError(CORRUPT) from None
        if image.width * image.height > max_pixels:
            raise ImageError(
                f"The image is {image.width}x{image.height} pixels; the limit is {max_pixels // 1_000_000} megapixels."
            )
        if getattr(image, "n_frames", 1) > 1:
            raise ImageError("Animated images are not supported; upload a single photo.")
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError):
            raise ImageError(CORRUPT) from None
    return _to_rgb(image)


def _to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        # Transparent pixels become mid-grey rather than black, which a face detector
        # would read as a strong edge.
        background = Image.new("RGBA", rgba.size, (128, 128, 128, 255))
        image = Image.alpha_composite(background, rgba)
    elif image.mode.startswith("I;16") or image.mode in ("I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / top)).astype(np.uint8))
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def read_grey_face(path: str | Path) -> np.ndarray:
    """Read an image file holding one face crop (dataset folders) as a 48x48 grey face."""
    try:
        rgb = decode_image(Path(path).read_bytes(), formats=DATASET_FORMATS)
    except ImageError as exc:
        raise ValueError(str(exc)) from None
    return prepare_face(rgb)


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def prepare_face(
    image: np.ndarray,
    box: tuple[int, int, int, int] | None = None,
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None,
    margin: float = FACE_MARGIN,
) -> np.ndarray:
    """Crop, align, grey and resize one face to a (48, 48) uint8 array.

    ``box`` is (x, y, w, h) in image pixels; None means the whole image is the face.
    ``eyes`` is ((x, y) of the eye on the image's left, (x, y) of the other); when given,
    the image is rotated about the eyes' midpoint so that they are level.
    """
    grey = to_grey(image)
    if box is None:
        face = grey
    else:
        x, y, w, h = (float(v) for v in box)
        cx, cy = x + w / 2.0, y + h / 2.0
        side = max(w, h) * (1.0 + 2.0 * margin)
        angle = 0.0
        if eyes is not None:
            (lx, ly), (rx, ry) = eyes
            angle = math.degrees(math.atan2(ry - ly, rx - lx))
        # One affine warp rotates about the face centre and cuts out a square of
        # ``side`` pixels (outside pixels replicate the border); the resize below then
        # shrinks it with area averaging, which a warp cannot do without aliasing.
        out = max(FACE_SIZE, round(side))
        matrix = cv2.getRotationMatrix2D((cx, cy), angle, out / side)
        matrix[0, 2] += out / 2.0 - cx
        matrix[1, 2] += out / 2.0 - cy
        face = cv2.warpAffine(grey, matrix, (out, out), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if face.shape != (FACE_SIZE, FACE_SIZE):
        interpolation = cv2.INTER_AREA if face.shape[0] > FACE_SIZE else cv2.INTER_LINEAR
        face = cv2.resize(face, (FACE_SIZE, FACE_SIZE), interpolation=interpolation)
    return face


def normalise(faces: np.ndarray) -> np.ndarray:
    """(n, 48, 48) or (48, 48) uint8 -> (n, 48, 48, 1) float32 in [0, 1]."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    return (faces.astype(np.float32) / 255.0)[..., None]
