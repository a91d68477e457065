"""The real services behind the product: a Celery worker consuming the configured
broker (Redis when REDIS_URL is set, else the embedded in-memory broker) and the
channel layer (channels_redis or in-memory) reaching a WebSocket client."""

import pytest
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings

from celery_app import app
from fermusic.lib.events import user_group
from fermusic.routing import websocket_urlpatterns


@app.task(name="tests.add")
def add(x, y):
    return x + y


def test_the_configured_broker_is_the_one_in_use():
    expected = settings.REDIS_URL or "memory://"
    assert app.conf.broker_url == expected
    backend = "channels_redis.core.RedisChannelLayer" if settings.REDIS_URL else "channels.layers.InMemoryChannelLayer"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == backend


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_the_broker(celery_worker):
    result = add.delay(2, 3)
    assert result.get(timeout=30) == 5


def events_communicator(user):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/events/")
    communicator.scope["user"] = user
    return communicator


@pytest.mark.asyncio
async def test_a_group_message_reaches_the_users_websocket(django_user_model):
    user = django_user_model(pk=4242, username="ws-user")
    communicator = events_communicator(user)
    connected, _ = await communicator.connect()
    assert connected
    await get_channel_layer().group_send(
        user_group(user.pk), {"type": "user.event", "event": "detection.updated", "payload": {"id": 1}}
    )
    message = await communicator.receive_json_from(timeout=5)
    assert message == {"event": "detection.updated", "payload": {"id": 1}}
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_an_anonymous_websocket_is_refused():
    from django.contrib.auth.models import AnonymousUser

    communicator = events_communicator(AnonymousUser())
    await communicator.connect()
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
