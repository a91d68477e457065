"""WebSocket routes of every app, in one place."""

from django.urls import path

from fermusic.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
]
