"""A face video for Chromium's fake camera (--use-file-for-fake-video-capture), made
from scikit-image's astronaut photo: Y4M, the raw YUV 4:2:0 format Chromium reads and
loops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

WIDTH, HEIGHT = 640, 480
FRAMES = 6
FPS = 15


def _frame(shift: int) -> Image.Image:
    """The astronaut on a grey 4:3 canvas like a webcam's, moved ``shift`` pixels sideways."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
    photo = Image.fromarray(skdata.astronaut())
    canvas.paste(photo.crop((0, 0, photo.width, HEIGHT)), ((WIDTH - photo.width) // 2 + shift, 0))
    return canvas


def write_face_video(path: Path) -> Path:
    """Write a short Y4M clip of one face that sways a little, as a person on a call does."""
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode()
    with path.open("wb") as video:
        video.write(header)
        for i in range(FRAMES):
            y, cb, cr = _frame(shift=4 * (i % 3) - 4).convert("YCbCr").split()
            chroma = [np.asarray(c.resize((WIDTH // 2, HEIGHT // 2), Image.BILINEAR)) for c in (cb, cr)]
            video.write(b"FRAME\n")
            video.write(np.asarray(y).tobytes())
            for plane in chroma:
                video.write(plane.tobytes())
    return path
