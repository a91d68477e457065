"""The browser's event stream: one WebSocket per tab, joined to the user's group."""

import json

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from fermusic.live import remember_serving_loop, user_group

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
            try:
                content = json.loads(text_data)
            except (ValueError, RecursionError):
                pass
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})
        else:
            await self.send_json({"event": "error", "payload": {"code": "bad_message", "message": BAD_MESSAGE}})

    async def user_event(self, message):
        await self.send_json({"event": message["event"], "payload": message["payload"]})
