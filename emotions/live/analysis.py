"""The worker side of live mode: a frame is decoded, its faces found and classified, and
the answer, or why there is none, goes back to the consumer's channel."""

from __future__ import annotations

import base64
import binascii
import logging
import os
import threading
import time

from django.conf import settings

from emotions.engine.classifier import ModelNotFound, get_classifier
from emotions.engine.detector import HaarDetector
from emotions.engine.preprocess import ImageError, decode_image
from emotions.live.protocol import MAX_FRAME_PIXELS, rounded
from fermusic.lib.events import channel_send

logger = logging.getLogger(__name__)

# Live frames use OpenCV's Haar cascade on a 160-pixel copy: about 20 ms a frame here,
# against about 280 ms for MTCNN at any size (its cost is per pyramid stage, not per
# pixel). A webcam face fills a good part of the frame, so 160 pixels find it, and
# the trend smooths over the cascade's occasional misses.
DETECT_SIDE = 160


def answer_frame(frame_b64: str, reply: dict) -> None:
    """Analyse a frame and send the faces, or why there are none, to the consumer."""
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
    """Tell the consumer its frame expired in the queue unanalysed."""
    channel_send(reply["channel"], _failure(reply, "expired", "The frame waited too long for the analysis."))


def _failure(reply: dict, code: str, message: str) -> dict:
    return {"type": "live.failed", "seq": reply["seq"], "code": code, "message": message}


def analyse_jpeg(jpeg: bytes) -> dict:
    """Decode, detect and classify one frame: {width, height, faces, timings}."""
    started = time.perf_counter()
    rgb = decode_image(jpeg, max_pixels=MAX_FRAME_PIXELS, formats=("JPEG",))
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
                "probabilities": rounded(p.probabilities),
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
    if getattr(_detectors, "pid", None) != os.getpid():
        _detectors.detector = HaarDetector(max_side=DETECT_SIDE)
        _detectors.pid = os.getpid()
    return _detectors.detector
