"""WebSocket routes of every app, in one place."""

from django.urls import path

from emotions.routing import websocket_urlpatterns as emotions_websockets
from fermusic.lib.events import EventsConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    *emotions_websockets,
]
