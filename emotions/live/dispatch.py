"""The web side of live mode: a frame leaves the consumer as a Celery task."""

import base64

from emotions.live import protocol
from emotions.tasks import analyse_frame


def dispatch_frame(frame: protocol.Frame, reply_channel: str) -> None:
    """Queue the frame's analysis; the task answers on ``reply_channel``."""
    analyse_frame.apply_async(
        args=(base64.b64encode(frame.jpeg).decode("ascii"),),
        # In the headers rather than the arguments so that the expiry handler, which
        # sees only the headers, can still say which frame it discarded.
        headers={"live_reply": {"channel": reply_channel, "seq": frame.seq}},
        expires=protocol.FRAME_EXPIRES_SECONDS,
        # Logs and monitoring events show this instead of the picture.
        argsrepr=f"(<JPEG frame, {len(frame.jpeg)} bytes>,)",
    )
