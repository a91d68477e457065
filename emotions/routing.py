"""WebSocket routes of the emotions app (included by fermusic.routing)."""

from django.urls import path

from emotions.live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
