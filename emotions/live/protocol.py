"""Live mode: webcam frames analysed one at a time per browser tab, never stored.

The page sends downscaled JPEG frames over ``/ws/live/`` (``emotions.consumers.LiveConsumer``).
The consumer keeps at most one frame at the worker and one waiting (``FrameSlots``): a
newer frame replaces the waiting one, so a slow worker makes frames drop, never queue.
A Celery task (``emotions.tasks.analyse_frame``) decodes, detects and classifies the
frame and sends the faces back to the consumer's channel (``answer_frame``); the
consumer smooths the largest face's probabilities over time (``EmotionTrend``) and tells
the page when the smoothed emotion changes.

The frame exists only in memory: in the consumer, in the broker message (which expires
after ``FRAME_EXPIRES_SECONDS``) and in the task. Nothing writes it to disk or the database.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from fermusic.lib.events import channel_send

logger = logging.getLogger(__name__)

# A 320x240 webcam JPEG is 10-25 KB; the cap leaves room for 640x480 at high quality.
MAX_FRAME_BYTES = 256 * 1024
# Checked from the JPEG header before decoding, so a small file that claims a huge
# picture cannot occupy the shared worker.
MAX_FRAME_PIXELS = 1280 * 960
JPEG_MAGIC = b"\xff\xd8\xff"
# The page's ceiling: more frames a second would not change a trend smoothed over a second.
MAX_FPS = 15
# One frame at the worker plus one waiting: the worker never idles between frames, and
# the waiting frame is always the newest.
MAX_IN_FLIGHT = 2
# A frame still queued after this long is stale: the worker discards it unanalysed.
FRAME_EXPIRES_SECONDS = 3
# No answer at all after this long (the worker died, or none is running): the consumer
# gives up on the frame and sends the next. Long enough for a cold worker's first frame.
FRAME_TIMEOUT_SECONDS = 10
# Live frames use OpenCV's Haar cascade on a 160-pixel copy: about 20 ms a frame here,
# against about 280 ms for MTCNN at any size (its cost is per pyramid stage, not per
# pixel). A webcam face fills a good part of the frame, so 160 pixels find it, and
# the trend smooths over the cascade's occasional misses.
DETECT_SIDE = 160
# Time constant of the smoothed trend: a new expression takes over in about a second.
TREND_SECONDS = 1.0
# The smoothed top emotion must lead the announced one by this much before the page
# is told it changed, so two close emotions do not flicker.
CHANGE_MARGIN = 0.05


class FrameRejected(Exception):
    """A frame the consumer refuses before dispatch; ``code`` and ``message`` go to the page."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_frame(data: bytes) -> None:
    """Cheap checks done in the web process; decoding happens in the worker."""
    if len(data) > MAX_FRAME_BYTES:
        raise FrameRejected("too_large", f"The frame is larger than {MAX_FRAME_BYTES // 1024} KB; send a smaller one.")
    if not data.startswith(JPEG_MAGIC):
        raise FrameRejected("not_jpeg", "Frames must be JPEG images.")


@dataclass(frozen=True)
class Frame:
    seq: int
    jpeg: bytes
    received_at: float


class FrameSlots:
    """Backpressure for one connection: one frame at the worker and one waiting.

    A frame that arrives while the waiting slot is taken replaces the frame there, which
    is dropped and counted; so a connection never holds more than two frames.
    """

    def __init__(self):
        self.in_flight: Frame | None = None
        self.waiting: Frame | None = None
        self.dropped = 0

    def offer(self, frame: Frame) -> tuple[Frame | None, Frame | None]:
        """Take a new frame; returns (the frame to dispatch now, the frame dropped)."""
        if self.in_flight is None:
            self.in_flight = frame
            return frame, None
        replaced, self.waiting = self.waiting, frame
        if replaced is not None:
            self.dropped += 1
        return None, replaced

    def is_in_flight(self, seq: int) -> bool:
        return self.in_flight is not None and self.in_flight.seq == seq

    def finish(self) -> Frame | None:
        """The in-flight frame is answered; returns the waiting frame, now in flight."""
        self.in_flight, self.waiting = self.waiting, None
        return self.in_flight

    def clear(self) -> None:
        self.in_flight = self.waiting = None


class EmotionTrend:
    """Exponential moving average of the largest face's probabilities.

    Weighted by the time between frames rather than per frame, so that the trend moves
    at the same pace at 3 frames a second as at 15, and a reading after a long gap
    (the person looked away) takes over at once.
    """

    def __init__(self, seconds: float = TREND_SECONDS, margin: float = CHANGE_MARGIN):
        self.seconds = seconds
        self.margin = margin
        self.probabilities: dict[str, float] | None = None
        self.emotion: str | None = None
        self._updated_at: float | None = None

    def update(self, probabilities: dict[str, float], at: float) -> bool:
        """Add a reading taken at ``at`` (seconds); True when the smoothed emotion changed."""
        if self.probabilities is None or self._updated_at is None:
            self.probabilities = dict(probabilities)
        else:
            weight = 1.0 - math.exp(-max(0.0, at - self._updated_at) / self.seconds)
            self.probabilities = {
                emotion: p + weight * (probabilities[emotion] - p) for emotion, p in self.probabilities.items()
            }
        self._updated_at = at
        top = max(self.probabilities, key=self.probabilities.get)
        if self.emotion is None or (
            top != self.emotion and self.probabilities[top] >= self.probabilities[self.emotion] + self.margin
        ):
            changed = top != self.emotion
            self.emotion = top
            return changed
        return False

    def to_dict(self) -> dict:
        return {
            "emotion": self.emotion,
            "probabilities": None if self.probabilities is None else _rounded(self.probabilities),
        }


def _rounded(probabilities: dict[str, float]) -> dict[str, float]:
    return {emotion: round(p, 4) for emotion, p in probabilities.items()}


# --- Dispatch (web process) ---------------------------------------------------------


def dispatch_frame(frame: Frame, reply_channel: str) -> None:
    """Queue the frame's analysis; the task answers on ``reply_channel``."""
    from emotions.tasks import analyse_frame

    analyse_frame.apply_async(
        args=(base64.b64encode(frame.jpeg).decode("ascii"),),
        # In the headers rather than the arguments so that the expiry handler, which
        # sees only the headers, can still say which frame it discarded.
        headers={"live_reply": {"channel": reply_channel, "seq": frame.seq}},
        expires=FRAME_EXPIRES_SECONDS,
        # Logs and monitoring events show this instead of the picture.
        argsrepr=f"(<JPEG frame, {len(frame.jpeg)} bytes>,)",
    )


# --- Answer (worker) ----------------------------------------------------------------


def answer_frame(frame_b64: str, reply: dict) -> None:
    """Analyse a frame and send the faces, or why there are none, to the consumer."""
    from emotions.engine.classifier import ModelNotFound
    from emotions.engine.preprocess import ImageError

    try:
        jpeg = base64.b64decode(frame_b64, validate=True)
        message = {"type": "live.result", "seq": reply["seq"], **analyse_jpeg(jpeg)}
    except (ImageError, binascii.Error) as exc:
        message = _failure(reply, "unreadable", f"The frame could not be read: {exc}")
    except ModelNotFound:
        logger.exception("Live mode has no emotion model")
        message = _failure(reply, "unavailable", "Live analysis is not available right now.")
    except Exception:
        logger.exception("Unexpected error analysing a live frame")
        message = _failure(reply, "internal", "Something went wrong while analysing this frame.")
    channel_send(reply["channel"], message)


def answer_expired(reply: dict) -> None:
    channel_send(reply["channel"], _failure(reply, "expired", "The frame waited too long for the analysis."))


def _failure(reply: dict, code: str, message: str) -> dict:
    return {"type": "live.failed", "seq": reply["seq"], "code": code, "message": message}


def analyse_jpeg(jpeg: bytes) -> dict:
    """Decode, detect and classify one frame: {width, height, faces, timings}."""
    from emotions.engine.classifier import get_classifier
    from emotions.engine.preprocess import decode_image

    started = time.perf_counter()
    rgb = decode_image(jpeg, max_pixels=MAX_FRAME_PIXELS)
    decoded = time.perf_counter()
    predictions = get_classifier(settings.EMOTION_MODEL_DIR).analyse_image(rgb, detector=live_detector())
    analysed = time.perf_counter()
    return {
        "width": int(rgb.shape[1]),
        "height": int(rgb.shape[0]),
        "faces": [
            {
                "box": list(p.box),
                "emotion": p.emotion,
                "confidence": round(p.confidence, 4),
                "uncertain": p.uncertain,
                "probabilities": _rounded(p.probabilities),
            }
            for p in predictions
        ],
        "timings": {
            "decode_ms": round((decoded - started) * 1000, 1),
            "analyse_ms": round((analysed - decoded) * 1000, 1),
        },
    }


_detectors = threading.local()


def live_detector():
    """This thread's live-mode face detector.

    One per thread because OpenCV's cascade classifier is not safe to share between
    threads (a thread-pool worker), and rebuilt after a fork (a prefork worker).
    """
    from emotions.engine.detector import HaarDetector

    if getattr(_detectors, "pid", None) != os.getpid():
        _detectors.detector = HaarDetector(max_side=DETECT_SIDE)
        _detectors.pid = os.getpid()
    return _detectors.detector
