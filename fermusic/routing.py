"""WebSocket routes of every app, in one place."""

from django.urls import path, re_path

from emotions.routing import websocket_urlpatterns as emotions_websockets
from fermusic.lib.events import EventsConsumer
from fermusic.lib.websockets import NotFoundConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    *emotions_websockets,
    # Last: every other path is closed cleanly rather than raising "No route found".
    re_path(r"", NotFoundConsumer.as_asgi()),
]
