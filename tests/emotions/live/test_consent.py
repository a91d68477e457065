"""Live mode analyses no frame without consent: a socket is closed (4403, with the
reason) when it opens without consent, and when consent is withdrawn while it is open."""

import pytest
from asgiref.sync import sync_to_async

from accounts.consent import CONSENT_REQUIRED, withdraw_consent
from tests.support.live import TIMEOUT, connect_live, live_communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def closed_for_consent(communicator):
    message = await communicator.receive_json_from(timeout=TIMEOUT)
    assert message == {"type": "error", "seq": None, "code": "consent_required", "message": CONSENT_REQUIRED}
    closing = await communicator.receive_output(timeout=TIMEOUT)
    assert closing == {"type": "websocket.close", "code": 4403}


async def test_a_live_socket_without_consent_is_closed_with_the_reason(alice):
    alice.face_consent_at = None
    await sync_to_async(alice.save)()
    communicator = live_communicator(alice)

    connected, _ = await communicator.connect()

    assert connected
    await closed_for_consent(communicator)
    await communicator.disconnect()


async def test_withdrawing_consent_closes_the_open_live_sockets_of_that_user_only(alice, bob):
    alices = [await connect_live(alice), await connect_live(alice)]
    bobs = await connect_live(bob)

    await sync_to_async(withdraw_consent)(alice)

    for communicator in alices:
        await closed_for_consent(communicator)
        await communicator.disconnect()
    assert await bobs.receive_nothing(timeout=0.5)
    await bobs.disconnect()
