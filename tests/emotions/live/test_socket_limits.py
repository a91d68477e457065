"""Live mode's limits hold whatever the client does: at most two live sockets per user,
frames beyond the server's rate dropped unanalysed, and a flood closed; live frames go
to a queue of their own."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from emotions.live import protocol, sockets
from tests.support.live import connect_live, live_communicator, webcam_frame


@pytest.fixture(autouse=True)
def _no_sockets_left_over(alice, bob):
    for user in (alice, bob):
        for socket in (f"s{n}" for n in range(5)):
            sockets.release(f"user:{user.pk}", socket)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_third_live_socket_of_one_user_is_closed_with_4429_while_others_users_connect(alice, bob):
    first = await connect_live(alice)
    second = await connect_live(alice)
    third = live_communicator(alice)
    connected, _ = await third.connect()
    assert connected
    refusal = await third.receive_json_from(timeout=10)
    assert refusal["code"] == "too_many_sockets"
    assert "Close one of them" in refusal["message"]
    assert (await third.receive_output(timeout=10))["code"] == 4429
    bobs = await connect_live(bob)
    await second.disconnect()
    # A closed socket gives its place back at once.
    again = await connect_live(alice)
    for communicator in (first, again, bobs):
        await communicator.disconnect()


def test_a_socket_whose_process_died_stops_counting_after_a_while(alice):
    owner = f"user:{alice.pk}"
    assert sockets.claim(owner, "s1", now=1000.0)
    assert sockets.claim(owner, "s2", now=1000.0)
    assert not sockets.claim(owner, "s3", now=1010.0)
    # A socket renewing its place keeps it, over the limit or not.
    assert sockets.claim(owner, "s1", now=1020.0)
    assert sockets.claim(owner, "s3", now=1000.0 + sockets.STALE_SECONDS + 1)


def test_frames_beyond_the_rate_are_refused_and_a_page_keeping_to_it_never_is():
    rate = protocol.FrameRate()
    # A page sending MAX_FPS frames a second for ten seconds.
    steady = [rate.allow(i / protocol.MAX_FPS) for i in range(10 * protocol.MAX_FPS)]
    assert all(steady)
    burst = protocol.FrameRate()
    # 200 frames in 0.2 s: a second's worth, plus what 0.2 s adds back.
    allowed = sum(burst.allow(0.001 * i) for i in range(200))
    assert allowed <= protocol.MAX_FPS * 1.2 + 1
    assert burst.flooding


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_client_flooding_frames_gets_them_dropped_then_is_closed(alice, monkeypatch):
    dispatched = []
    from emotions.live import dispatch

    monkeypatch.setattr(dispatch, "dispatch_frame", lambda frame, channel: dispatched.append(frame.seq))
    communicator = await connect_live(alice)
    frame = webcam_frame()
    for _ in range(protocol.MAX_FPS + protocol.FLOOD_FRAMES_PER_SECOND + 5):
        await communicator.send_to(bytes_data=frame)
    answers = []
    while True:
        output = await communicator.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            break
        answers.append(output)
    assert output["code"] == 4008
    too_fast = [answer for answer in answers if '"too_fast"' in answer.get("text", "")]
    assert len(too_fast) >= protocol.FLOOD_FRAMES_PER_SECOND
    # At most one frame at the worker, whatever arrived.
    assert len(dispatched) == 1
    await sync_to_async(sockets.release)(f"user:{alice.pk}", "unused")


def test_live_frames_are_routed_to_their_own_queue_and_workers_consume_both(settings, celery_app):
    from emotions.tasks import analyse_detection, analyse_frame

    router = celery_app.amqp.router
    assert router.route({}, analyse_frame.name)["queue"].name == "live"
    assert router.route({}, analyse_detection.name)["queue"].name == "celery"
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == {"celery", "live"}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_idle_open_socket_keeps_its_place_past_the_stale_time(alice, monkeypatch):
    import asyncio

    monkeypatch.setattr(sockets, "STALE_SECONDS", 1)
    monkeypatch.setattr(sockets, "RENEW_SECONDS", 0.2)
    first, second = await connect_live(alice), await connect_live(alice)
    await asyncio.sleep(1.5)
    third = live_communicator(alice)
    await third.connect()
    assert (await third.receive_json_from(timeout=10))["code"] == "too_many_sockets"
    for communicator in (first, second, third):
        await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_that_cannot_be_counted_is_closed_cleanly_with_a_message(alice, monkeypatch):
    """The count is kept in Redis in production; when it cannot be reached the socket is
    closed with 1013 (try again later) and a message, never left uncounted or crashed."""
    import redis

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5, socket_timeout=0.5)
    monkeypatch.setattr(sockets, "_redis", lambda: dead)
    monkeypatch.setattr(sockets.settings, "REDIS_URL", "redis://127.0.0.1:1/0")
    communicator = live_communicator(alice)
    connected, _ = await communicator.connect()
    assert connected
    refusal = await communicator.receive_json_from(timeout=10)
    assert refusal["code"] == "unavailable"
    assert "Try again" in refusal["message"]
    assert (await communicator.receive_output(timeout=10))["code"] == 1013
