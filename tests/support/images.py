"""Image files generated for tests: real faces from scikit-image and every kind of bad
upload the product must refuse."""

import io
import struct
import zlib

import numpy as np
from PIL import Image
from skimage import data as skdata


def encode(array: np.ndarray, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def astronaut_jpeg(exif: bool = False) -> bytes:
    """A real photo of one smiling face (Eileen Collins, public domain)."""
    image = Image.fromarray(skdata.astronaut())
    buffer = io.BytesIO()
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "TestCam"  # Make
        metadata[0x0110] = "Model X"  # Model
        metadata[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS info
        image.save(buffer, format="JPEG", exif=metadata)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def blank_jpeg() -> bytes:
    """A photo with no face: a real image of coffee."""
    return encode(skdata.coffee())


def decompression_bomb_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A tiny PNG file that claims 100 megapixels of grey."""
    row = b"\x00" + b"\x00" * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def astronaut_as(fmt: str) -> bytes:
    """The real photo in a format Pillow reads but photos are not accepted in."""
    return encode(skdata.astronaut()[:128, :128], fmt)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="5"/></svg>'

# Formats Pillow reads that photos must not be decoded from.
FOREIGN_FORMATS = ("GIF", "EPS", "TIFF", "BMP")

BAD_UPLOADS = {
    "not an image": (b"%PDF-1.4 this is not a picture", "application/pdf", "notes.pdf"),
    "corrupt": (b"\xff\xd8\xff\xe0" + b"\x13" * 400, "image/jpeg", "corrupt.jpg"),
    "truncated": (None, "image/jpeg", "truncated.jpg"),
    "decompression bomb": (None, "image/png", "bomb.png"),
    "animated": (None, "image/png", "animated.png"),
    "GIF": (None, "image/gif", "photo.gif"),
    "EPS": (None, "application/postscript", "photo.eps"),
    "TIFF": (None, "image/tiff", "photo.tiff"),
    "BMP": (None, "image/bmp", "photo.bmp"),
    "svg": (SVG, "image/svg+xml", "drawing.svg"),
    "empty": (b"", "image/jpeg", "empty.jpg"),
}


def bad_upload(kind: str) -> tuple[bytes, str, str]:
    content, content_type, name = BAD_UPLOADS[kind]
    if kind == "truncated":
        whole = astronaut_jpeg()
        content = whole[: len(whole) // 3]
    elif kind == "decompression bomb":
        content = decompression_bomb_png()
    elif kind == "animated":
        content = animated("PNG")
    elif kind in FOREIGN_FORMATS:
        content = astronaut_as(kind)
    return content, content_type, name
