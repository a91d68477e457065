"""Push events to browsers through the channel layer, from any thread.

The in-memory channel layer (embedded profile) keeps asyncio queues that belong to the
event loop serving the WebSockets; a message put from a worker thread's own loop would
not wake that loop. So when the embedded worker sends, the send is handed to the
serving loop. The Redis layer needs no handoff: any loop can publish.
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
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
