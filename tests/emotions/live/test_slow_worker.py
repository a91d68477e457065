"""Live mode when the worker cannot keep up: frames are dropped, never queued, and a
frame that expires, is lost or cannot be queued is answered so the stream goes on."""

import asyncio
import threading
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from kombu.exceptions import ChannelError, OperationalError

from emotions.live import analysis, dispatch, protocol
from tests.support.live import (
    TIMEOUT,
    answer_to,
    connect_live,
    served_model,  # noqa: F401  (a fixture)
    webcam_frame,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def blocked_worker(monkeypatch):
    """The worker's analysis waits until ``release`` is set; ``entered`` says it started."""
    gate = SimpleNamespace(entered=threading.Event(), release=threading.Event())
    analyse = analysis.analyse_jpeg

    def slow_analyse(jpeg):
        gate.entered.set()
        gate.release.wait(TIMEOUT)
        return analyse(jpeg)

    monkeypatch.setattr(analysis, "analyse_jpeg", slow_analyse)
    yield gate
    gate.release.set()


@pytest.fixture
def dispatched(monkeypatch):
    """The (seq, reply channel) of every frame the consumer queues for the worker."""
    calls = []
    dispatch_frame = dispatch.dispatch_frame

    def spy(frame, reply_channel):
        calls.append((frame.seq, reply_channel))
        dispatch_frame(frame, reply_channel)

    monkeypatch.setattr(dispatch, "dispatch_frame", spy)
    return calls


@pytest.fixture
def nothing_answers(monkeypatch):
    """Frames are taken but never answered, as when the worker died."""
    calls = []
    monkeypatch.setattr(
        dispatch, "dispatch_frame", lambda frame, reply_channel: calls.append((frame.seq, reply_channel))
    )
    return calls


def queued_tasks(app) -> int:
    with app.connection_for_write() as connection:
        try:
            return connection.default_channel.queue_declare("live", passive=True).message_count
        except ChannelError:
            return 0  # Redis keeps no key for an empty queue


@pytest.mark.usefixtures("served_model")
async def test_a_slow_worker_makes_frames_drop_instead_of_queueing(
    celery_worker, celery_app, alice, blocked_worker, dispatched
):
    communicator = await connect_live(alice)
    # As many frames at once as the server's rate allows in a burst (a second's worth).
    burst = protocol.MAX_FPS
    for shift in range(burst):
        await communicator.send_to(bytes_data=webcam_frame(shift))

    # Frame 1 went to the worker; each later frame took the one waiting slot from the
    # frame before it, so 2..burst-1 were dropped and the last waits.
    drops = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in range(burst - 2)]
    assert [message["type"] for message in drops] == ["dropped"] * (burst - 2)
    assert [message["seq"] for message in drops] == list(range(2, burst))
    assert drops[-1]["dropped"] == burst - 2
    assert await asyncio.to_thread(blocked_worker.entered.wait, TIMEOUT)
    assert [seq for seq, _ in dispatched] == [1]
    assert await sync_to_async(queued_tasks)(celery_app) == 0
    assert await communicator.receive_nothing(timeout=0.3)

    blocked_worker.release.set()
    first = await answer_to(communicator, 1)
    last = await answer_to(communicator, burst)
    assert first["type"] == last["type"] == "result"
    assert last["faces"] and last["dropped"] == burst - 2
    assert [seq for seq, _ in dispatched] == [1, burst]
    await communicator.disconnect()


@pytest.mark.usefixtures("served_model")
async def test_a_frame_that_expires_in_the_queue_is_answered_and_the_stream_goes_on(
    celery_worker, alice, bob, blocked_worker, monkeypatch
):
    monkeypatch.setattr(protocol, "FRAME_EXPIRES_SECONDS", 1)
    alice_socket = await connect_live(alice)
    bob_socket = await connect_live(bob)

    await alice_socket.send_to(bytes_data=webcam_frame())
    assert await asyncio.to_thread(blocked_worker.entered.wait, TIMEOUT)
    # Bob's frame waits in the broker behind Alice's, for longer than it may.
    await bob_socket.send_to(bytes_data=webcam_frame())
    await asyncio.sleep(1.5)
    blocked_worker.release.set()

    expired = await answer_to(bob_socket, 1)
    assert expired["type"] == "error" and expired["code"] == "expired"
    assert (await answer_to(alice_socket, 1))["type"] == "result"

    await bob_socket.send_to(bytes_data=webcam_frame())
    assert (await answer_to(bob_socket, 2))["type"] == "result"
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_frame_nobody_answers_times_out_and_the_waiting_frame_goes_next(alice, nothing_answers, monkeypatch):
    monkeypatch.setattr(protocol, "FRAME_TIMEOUT_SECONDS", 0.3)
    communicator = await connect_live(alice)
    await communicator.send_to(bytes_data=webcam_frame())
    await communicator.send_to(bytes_data=webcam_frame(2))

    lost = await answer_to(communicator, 1)
    assert lost["type"] == "error" and lost["code"] == "timeout"
    assert (await answer_to(communicator, 2))["code"] == "timeout"
    assert [seq for seq, _ in nothing_answers] == [1, 2]
    await communicator.disconnect()


async def test_a_late_answer_for_a_frame_given_up_on_is_ignored(alice, nothing_answers, monkeypatch):
    monkeypatch.setattr(protocol, "FRAME_TIMEOUT_SECONDS", 0.3)
    communicator = await connect_live(alice)
    await communicator.send_to(bytes_data=webcam_frame())
    assert (await answer_to(communicator, 1))["code"] == "timeout"
    seq, reply_channel = nothing_answers[0]

    answer = {"type": "live.result", "width": 320, "height": 240, "faces": [], "timings": {}}
    await get_channel_layer().send(reply_channel, {**answer, "seq": seq})
    assert await communicator.receive_nothing(timeout=0.3)

    await communicator.send_to(bytes_data=webcam_frame())
    await get_channel_layer().send(reply_channel, {**answer, "seq": 2})
    result = await answer_to(communicator, 2)
    assert result["type"] == "result" and result["faces"] == []
    assert result["smoothed"] == {"emotion": None, "probabilities": None}
    await communicator.disconnect()


async def test_a_frame_that_cannot_be_queued_is_answered_with_an_error(alice, monkeypatch):
    def broker_down(frame, reply_channel):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(dispatch, "dispatch_frame", broker_down)
    communicator = await connect_live(alice)
    await communicator.send_to(bytes_data=webcam_frame())
    failed = await answer_to(communicator, 1)
    assert failed["type"] == "error" and failed["code"] == "unavailable"
    assert "6379" not in failed["message"]

    await communicator.send_to(bytes_data=webcam_frame())
    assert (await answer_to(communicator, 2))["code"] == "unavailable"
    await communicator.disconnect()
