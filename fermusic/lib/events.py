"""Events for the browser: pushed from any thread through the channel layer, and
relayed to each signed-in tab by ``EventsConsumer`` (one WebSocket per tab).

The in-memory channel layer (embedded profile) keeps asyncio queues that belong to the
event loop serving the WebSockets; a message put from a worker thread's own loop would
not wake that loop. So when the embedded worker sends, the send is handed to the
serving loop. The Redis layer needs no handoff: any loop can publish.
"""

import asyncio
import contextlib
import json
import threading

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

_serving_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def remember_serving_loop() -> None:
    """Called by consumers as they connect: the loop their messages must arrive on."""
    global _serving_loop
    with _lock:
        _serving_loop = asyncio.get_running_loop()


def _run_on_layer(method: str, *args) -> None:
    layer = get_channel_layer()
    loop = _serving_loop
    if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            asyncio.run_coroutine_threadsafe(getattr(layer, method)(*args), loop).result(timeout=10)
            return
    async_to_sync(getattr(layer, method))(*args)


def group_send(group: str, message: dict) -> None:
    """Send to a group from synchronous code (views, Celery tasks)."""
    _run_on_layer("group_send", group, message)


def channel_send(channel: str, message: dict) -> None:
    """Send to one consumer's channel from synchronous code."""
    _run_on_layer("send", channel, message)


def push_to_user(user_id: int, event: str, payload: dict) -> None:
    """Send ``payload`` to the user's group once the current transaction commits,
    so that a listener never sees data that was rolled back."""
    transaction.on_commit(
        lambda: group_send(user_group(user_id), {"type": "user.event", "event": event, "payload": payload})
    )


# The pages send nothing but {"type": "ping"}; anything longer is not ours to parse.
MAX_MESSAGE_CHARS = 1024
BAD_MESSAGE = 'This socket only relays events; the one message it takes is {"type": "ping"}.'


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Relays what the server pushes to the signed-in user; accepts nothing else."""

    async def connect(self):
        remember_serving_loop()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before the handshake reaches browsers only as 1006.
            await self.accept()
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Whatever the browser sends is answered, never raised: an exception here
        # would drop the socket and, with it, the user's live updates.
        content = None
        if text_data and len(text_data) <= MAX_MESSAGE_CHARS:
            with contextlib.suppress(ValueError, RecursionError):
                content = json.loads(text_data)
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})
        else:
            await self.send_json({"event": "error", "payload": {"code": "bad_message", "message": BAD_MESSAGE}})

    async def user_event(self, message):
        await self.send_json({"event": message["event"], "payload": message["payload"]})
