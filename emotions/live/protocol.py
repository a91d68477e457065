"""Live mode's rules, free of Django, Channels and Celery: the limits a frame must meet,
the two frame slots of a connection and the smoothed emotion trend."""

from __future__ import annotations

import math
from dataclasses import dataclass

# A 320x240 webcam JPEG is 10-25 KB; the cap leaves room for 640x480 at high quality.
MAX_FRAME_BYTES = 256 * 1024
# Checked from the JPEG header before decoding, so a small file that claims a huge
# picture cannot occupy the shared worker.
MAX_FRAME_PIXELS = 1280 * 960
JPEG_MAGIC = b"\xff\xd8\xff"
# The page's ceiling, enforced by the server too (``FrameRate``): more frames a second
# would not change a trend smoothed over a second.
MAX_FPS = 15
# A socket that goes on sending this many frames a second over the rate is closed.
FLOOD_FRAMES_PER_SECOND = 3 * MAX_FPS
# One frame at the worker plus one waiting: the worker never idles between frames, and
# the waiting frame is always the newest.
MAX_IN_FLIGHT = 2
# A frame still queued after this long is stale: the worker discards it unanalysed.
FRAME_EXPIRES_SECONDS = 3
# No answer at all after this long (the worker died, or none is running): the consumer
# gives up on the frame and sends the next. Long enough for a cold worker's first frame.
FRAME_TIMEOUT_SECONDS = 10
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


class FrameRate:
    """The server's frame rate limit for one socket: a token bucket holding a second's
    frames (``rate``), so a page keeping to ``MAX_FPS`` is never refused and a client
    sending faster sees the extra frames dropped unanalysed.

    ``flooding`` turns true once the refused frames in one second pass ``flood``: a client
    that ignores the answers is closed rather than answered without end.
    """

    def __init__(self, rate: float = MAX_FPS, flood: int = FLOOD_FRAMES_PER_SECOND):
        self.rate = rate
        self.flood = flood
        self.tokens = float(rate)
        self.refused = 0
        self._at: float | None = None
        self._refused_in_second = 0
        self._second: int | None = None

    def allow(self, now: float) -> bool:
        if self._at is not None:
            self.tokens = min(self.rate, self.tokens + (now - self._at) * self.rate)
        self._at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        second = int(now)
        self._refused_in_second = self._refused_in_second + 1 if second == self._second else 1
        self._second = second
        return False

    @property
    def flooding(self) -> bool:
        return self._refused_in_second > self.flood


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
            "probabilities": None if self.probabilities is None else rounded(self.probabilities),
        }


def rounded(probabilities: dict[str, float]) -> dict[str, float]:
    return {emotion: round(p, 4) for emotion, p in probabilities.items()}
