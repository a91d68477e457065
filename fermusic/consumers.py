"""The browser's event stream: one WebSocket per tab, joined to the user's group."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from fermusic.live import remember_serving_loop, user_group


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

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def user_event(self, message):
        await self.send_json({"event": message["event"], "payload": message["payload"]})
