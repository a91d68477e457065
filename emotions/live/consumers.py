"""Live mode's WebSocket: JPEG frames in, faces and a smoothed emotion out.

The protocol, as the page (static/js/emotions/live-mode.js) speaks it:

* On connect the server sends ``{"type": "ready", max_frame_bytes, max_fps, max_in_flight}``.
* The page sends each frame as one binary message: a JPEG. Frames are numbered 1, 2, …
  in the order they arrive; the page counts its sends the same way.
* Every frame gets exactly one answer carrying its ``seq``: ``result`` (faces, the
  smoothed trend, latency), ``dropped`` (a newer frame replaced it while it waited) or
  ``error`` (refused or failed, with a ``code`` and a ``message`` to show). The page
  sends a new frame only while fewer than ``max_in_flight`` are unanswered, which is
  how its rate follows the server's speed.
* ``{"type": "emotion_changed", emotion, previous, probabilities}`` follows a result
  whenever the smoothed emotion changes.
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import transaction
from kombu.exceptions import OperationalError

from accounts.consent import CONSENT_REQUIRED
from emotions.live import dispatch, protocol
from fermusic.lib.events import group_send, remember_serving_loop

logger = logging.getLogger(__name__)


def live_group(user_id) -> str:
    """Every live socket of one user, told when their consent is withdrawn."""
    return f"live.{user_id}"


def stop_live_analysis(user_id) -> None:
    """Close the user's live sockets (4403) once the current transaction commits."""
    transaction.on_commit(lambda: group_send(live_group(user_id), {"type": "live.consent_withdrawn"}))


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before the handshake reaches browsers only as 1006.
            await self.accept()
            await self.close(code=4401)
            return
        if not user.has_face_consent:
            await self._refuse_without_consent()
            return
        self.group = live_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.slots = protocol.FrameSlots()
        self.trend = protocol.EmotionTrend()
        self.received = 0
        self.watchdog: asyncio.Task | None = None
        remember_serving_loop()
        await self.accept()
        await self.send_json(
            {
                "type": "ready",
                "max_frame_bytes": protocol.MAX_FRAME_BYTES,
                "max_fps": protocol.MAX_FPS,
                "max_in_flight": protocol.MAX_IN_FLIGHT,
            }
        )

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if not hasattr(self, "slots"):
            return
        self._stop_watchdog()
        self.slots.clear()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if bytes_data is None:
            await self.send_json(
                {"type": "error", "seq": None, "code": "bad_message", "message": "Send frames as binary JPEG messages."}
            )
            return
        self.received += 1
        seq = self.received
        try:
            protocol.check_frame(bytes_data)
        except protocol.FrameRejected as exc:
            await self.send_json({"type": "error", "seq": seq, "code": exc.code, "message": exc.message})
            return
        to_send, dropped = self.slots.offer(protocol.Frame(seq, bytes_data, time.monotonic()))
        if dropped is not None:
            await self.send_json({"type": "dropped", "seq": dropped.seq, "dropped": self.slots.dropped})
        if to_send is not None:
            await self._dispatch(to_send)

    # --- Answers from the worker, through the channel layer ---------------------------

    async def live_result(self, message):
        if not self.slots.is_in_flight(message["seq"]):
            return  # the answer to a frame already given up on
        frame = self.slots.in_flight
        faces = message["faces"]
        previous = self.trend.emotion
        # The largest face, which the classifier lists first, drives the trend.
        changed = bool(faces) and self.trend.update(faces[0]["probabilities"], frame.received_at)
        smoothed = self.trend.to_dict()
        await self.send_json(
            {
                "type": "result",
                "seq": frame.seq,
                "width": message["width"],
                "height": message["height"],
                "faces": faces,
                "smoothed": smoothed,
                "latency_ms": round((time.monotonic() - frame.received_at) * 1000, 1),
                "timings": message["timings"],
                "dropped": self.slots.dropped,
            }
        )
        if changed:
            await self.send_json(
                {
                    "type": "emotion_changed",
                    "emotion": smoothed["emotion"],
                    "previous": previous,
                    "probabilities": smoothed["probabilities"],
                }
            )
        await self._next()

    async def live_failed(self, message):
        if not self.slots.is_in_flight(message["seq"]):
            return
        await self.send_json(
            {"type": "error", "seq": message["seq"], "code": message["code"], "message": message["message"]}
        )
        await self._next()

    async def live_consent_withdrawn(self, message):
        self.slots.clear()
        await self._refuse_without_consent()

    async def _refuse_without_consent(self):
        """Explain, then close (4403): no frame is analysed without consent."""
        if not hasattr(self, "slots"):
            await self.accept()
        await self.send_json({"type": "error", "seq": None, "code": "consent_required", "message": CONSENT_REQUIRED})
        await self.close(code=4403)

    # --- Dispatch -------------------------------------------------------------------

    async def _next(self):
        self._stop_watchdog()
        following = self.slots.finish()
        if following is not None:
            await self._dispatch(following)

    async def _dispatch(self, frame: protocol.Frame):
        """Send the in-flight frame to the worker; a frame that cannot be queued (the
        broker is down) is answered with an error and the waiting one is tried next."""
        while frame is not None:
            try:
                # Publishing can block on the broker's network round trip: not on the loop.
                await sync_to_async(dispatch.dispatch_frame, thread_sensitive=False)(frame, self.channel_name)
            except (OperationalError, OSError) as exc:
                logger.warning("Could not queue a live frame: %r", exc)
                await self.send_json(
                    {
                        "type": "error",
                        "seq": frame.seq,
                        "code": "unavailable",
                        "message": "Live analysis is not available right now. Try again in a moment.",
                    }
                )
                frame = self.slots.finish()
                continue
            self.watchdog = asyncio.ensure_future(self._give_up(frame.seq))
            return

    async def _give_up(self, seq: int):
        await asyncio.sleep(protocol.FRAME_TIMEOUT_SECONDS)
        if not self.slots.is_in_flight(seq):
            return
        # The slots move on before anything is awaited, so a late answer for this frame
        # arriving meanwhile is ignored rather than answered twice.
        self.watchdog = None
        following = self.slots.finish()
        await self.send_json(
            {"type": "error", "seq": seq, "code": "timeout", "message": "The analysis did not answer in time."}
        )
        if following is not None:
            await self._dispatch(following)

    def _stop_watchdog(self):
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
