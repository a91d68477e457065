"""Open sockets end with the sign-in they were opened under: the events socket and the
live socket close (code 4401) on logout, a password change, "log out everywhere" and
account deletion, through the real session cookie and channel layer."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from fermusic.lib.events import CLOSE_SIGNED_OUT
from fermusic.routing import websocket_urlpatterns
from tests.support.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
NEW_PASSWORD = "a-brand-new-melody-2024"
TIMEOUT = 10


def signed_in_browser(user) -> Client:
    browser = Client()
    assert browser.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return browser


async def open_socket(browser: Client, path: str = "/ws/events/") -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = WebsocketCommunicator(
        AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), path, headers=[(b"cookie", cookie.encode())]
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def closed_as_signed_out(socket: WebsocketCommunicator) -> bool:
    message = await socket.receive_output(timeout=TIMEOUT)
    while message["type"] == "websocket.send":  # the live socket's "ready" comes first
        message = await socket.receive_output(timeout=TIMEOUT)
    return message == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}


async def still_open(socket: WebsocketCommunicator) -> bool:
    await socket.send_json_to({"type": "ping"})
    return (await socket.receive_json_from(timeout=TIMEOUT)) == {"event": "pong"}


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest_asyncio.fixture(autouse=True)
async def _thread_connections_closed():
    yield
    # The requests ran in asgiref's thread, whose connection would outlive the test
    # database otherwise (PostgreSQL refuses to drop a database still in use).
    await sync_to_async(connections.close_all)()


async def test_logout_closes_this_browsers_socket_and_not_another_ones(alice):
    laptop, phone = await sync_to_async(signed_in_browser)(alice), await sync_to_async(signed_in_browser)(alice)
    laptop_socket, phone_socket = await open_socket(laptop), await open_socket(phone)

    await sync_to_async(laptop.post)(reverse("accounts:logout"))

    assert await closed_as_signed_out(laptop_socket)
    assert await still_open(phone_socket)
    await phone_socket.disconnect()


async def test_logout_closes_the_live_socket_too(alice):
    browser = await sync_to_async(signed_in_browser)(alice)
    live = await open_socket(browser, "/ws/live/")

    await sync_to_async(browser.post)(reverse("accounts:logout"))

    assert await closed_as_signed_out(live)


async def test_a_password_change_closes_the_sockets_of_every_browser(alice):
    here, elsewhere = await sync_to_async(signed_in_browser)(alice), await sync_to_async(signed_in_browser)(alice)
    here_socket, elsewhere_socket = await open_socket(here), await open_socket(elsewhere)

    await sync_to_async(here.post)(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert await closed_as_signed_out(here_socket)
    assert await closed_as_signed_out(elsewhere_socket)
    # The page that changed the password stays signed in, and may open a socket again.
    reopened = await open_socket(here)
    assert await still_open(reopened)
    await reopened.disconnect()


async def test_log_out_everywhere_and_deletion_close_the_sockets(alice):
    browser = await sync_to_async(signed_in_browser)(alice)
    socket = await open_socket(browser)
    await sync_to_async(browser.post)(reverse("accounts:log_out_everywhere"))
    assert await closed_as_signed_out(socket)

    browser = await sync_to_async(signed_in_browser)(alice)
    socket = await open_socket(browser)
    await sync_to_async(browser.post)(reverse("accounts:delete"), {"password": PASSWORD})
    assert await closed_as_signed_out(socket)


async def test_a_socket_opened_with_an_ended_session_is_closed(alice):
    browser = await sync_to_async(signed_in_browser)(alice)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    await sync_to_async(browser.post)(reverse("accounts:logout"))

    socket = WebsocketCommunicator(
        AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        "/ws/events/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected  # accepted, then closed with the code the pages know
    assert await closed_as_signed_out(socket)


async def test_ending_another_session_from_the_sessions_page_closes_its_socket(alice):
    laptop, phone = await sync_to_async(signed_in_browser)(alice), await sync_to_async(signed_in_browser)(alice)
    phone_socket = await open_socket(phone)
    page = await sync_to_async(laptop.get)(reverse("accounts:sessions"))
    phones = next(s for s in page.context["sessions"] if s.session_key != page.context["current_session"])

    await sync_to_async(laptop.post)(reverse("accounts:end_session", args=[phones.id]))

    assert await closed_as_signed_out(phone_socket)
