"""Events for the browser: pushed from any thread through the channel layer, and
relayed to each signed-in tab by ``EventsConsumer`` (one WebSocket per tab).

The in-memory channel layer (embedded profile) keeps asyncio queues that belong to the
event loop serving the WebSockets; a message put from a worker thread's own loop would
not wake that loop. So when the embedded worker sends, the send is handed to the
serving loop. The Redis layer needs no handoff: any loop can publish.
"""

import asyncio
import contextlib
import hashlib
import json
import threading
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction

_serving_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    # A digest: the session key is a credential and group names are stored in Redis.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


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


# --- Sockets end with the sign-in they were opened under ---------------------------

# The close code the pages already treat as "signed out": they stop reconnecting.
CLOSE_SIGNED_OUT = 4401


def end_user_sockets(user_id: int) -> None:
    """Close every socket of the user, on every device (a new password, "log out
    everywhere", account deletion), once the current transaction commits."""
    transaction.on_commit(lambda: group_send(user_group(user_id), {"type": "sign_in.ended"}))


def end_session_sockets(session_key: str) -> None:
    """Close the sockets opened under one browser session (its logout)."""
    group = session_group(session_key)
    transaction.on_commit(lambda: group_send(group, {"type": "sign_in.ended"}))


class SignedInSocketMixin:
    """For consumers of signed-in users: the socket closes when its sign-in ends.

    ``await self.follow_sign_in()`` after accepting joins the user's group and the
    session's, on which ``end_user_sockets`` and ``end_session_sockets`` announce the
    end; it then checks the session again, since one ended between the handshake's
    check and the joining would have been announced to nobody.
    """

    async def follow_sign_in(self) -> bool:
        user = self.scope["user"]
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        self.sign_in_groups = [user_group(user.pk)] + ([session_group(session_key)] if session_key else [])
        for group in self.sign_in_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if session_key is not None and not await _session_exists(session_key):
            await self.close(code=CLOSE_SIGNED_OUT)
            return False
        return True

    async def forget_sign_in(self) -> None:
        for group in getattr(self, "sign_in_groups", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def sign_in_ended(self, message):
        await self.close(code=CLOSE_SIGNED_OUT)


@database_sync_to_async
def _session_exists(session_key: str) -> bool:
    # Logout, a new password, "log out everywhere" and deletion all delete the session.
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)


# The pages send nothing but {"type": "ping"}; anything longer is not ours to parse.
MAX_MESSAGE_CHARS = 1024
BAD_MESSAGE = 'This socket only relays events; the one message it takes is {"type": "ping"}.'


class EventsConsumer(SignedInSocketMixin, AsyncJsonWebsocketConsumer):
    """Relays what the server pushes to the signed-in user; accepts nothing else."""

    async def connect(self):
        remember_serving_loop()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before the handshake reaches browsers only as 1006.
            await self.accept()
            await self.close(code=4401)
            return
        await self.accept()
        # The user's group is also the one events are pushed to.
        await self.follow_sign_in()

    async def disconnect(self, code):
        await self.forget_sign_in()

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
