"""What every WebSocket meets before its consumer: the same-origin check, and a clean
close for a path no consumer serves."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

# The close code for a path no consumer serves (4000-4999 are the application's).
CLOSE_NOT_FOUND = 4404


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def same_origin(scope) -> bool:
    """The page that opens the socket is served by this site: its Origin names the host
    *and port* the socket was opened on (or a CSRF_TRUSTED_ORIGINS entry, for a proxy on
    another origin), and that host is one of ALLOWED_HOSTS.

    Cookies do not depend on the port, so another site on the same host (another port)
    must not open sockets with the user's session either; channels'
    AllowedHostsOriginValidator looks at the host only.
    """
    origin, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin or not host:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parts = urlsplit(origin)
        origin_port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    default = 443 if parts.scheme == "https" else 80
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    try:
        host_port = int(port) if port else default
    except ValueError:
        return False
    return parts.hostname.lower() == domain.strip("[]").lower() and (origin_port or default) == host_port


class SameOriginValidator:
    """ASGI: a WebSocket from another origin is refused before its handshake completes."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any path no consumer serves: accepted, then closed with 4404 at once (a close
    before the handshake reaches browsers only as 1006), never an error in the server."""

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)

    async def receive(self, text_data=None, bytes_data=None):
        await self.close(code=CLOSE_NOT_FOUND)
