"""Request bodies are bounded before anything else reads them: refused from their declared
``Content-Length``, and while they stream once they pass the limit, with a 413 and a
plain message, before authentication and on every route.

The limit depends on the body's type: a multipart upload may hold a photo (the photo limit
plus a small margin for the form around it), a JSON body is small, any other form a little
larger. Three guards apply the same limits:

* ``BoundedWebRequest``, daphne's HTTP request class. Daphne (through Twisted) receives a
  whole body, to memory or a temporary file, before the application sees a byte, and then
  queues all of it for the application at once: an ASGI middleware alone would still let a
  100 MB body into the web process's memory. This class decides from the headers and then
  discards the body's bytes as they arrive instead of storing them.
* ``BodyLimitMiddleware``, an ASGI middleware in front of Django (``fermusic.asgi``), for
  any ASGI server that streams bodies (and as a second guard under daphne).
* ``WSGIBodyLimitMiddleware`` for the WSGI entry point.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.template.loader import render_to_string

JSON_TYPES = ("application/json",)
MULTIPART = "multipart/form-data"


class BodyTooLarge(Exception):
    pass


def body_limit(content_type: str) -> int:
    """The largest body accepted for a request of this ``Content-Type``, in bytes."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == MULTIPART:
        return settings.MAX_UPLOAD_BODY_BYTES
    if kind in JSON_TYPES or kind.endswith("+json"):
        return settings.MAX_JSON_BODY_BYTES
    return settings.MAX_FORM_BODY_BYTES


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit // 1024} KB"


def refusal_message(limit: int) -> str:
    photo = f" Photos may be up to {settings.MAX_UPLOAD_MB} MB." if limit == settings.MAX_UPLOAD_BODY_BYTES else ""
    return f"The request is larger than the {_size(limit)} this address accepts.{photo}"


def wants_json(path: str, accept: str, content_type: str) -> bool:
    return path.startswith("/api/") or accept.startswith("application/json") or "json" in content_type


def refusal(limit: int, as_json: bool) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the 413 response."""
    message = refusal_message(limit)
    if as_json:
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        # Standalone (no request, no database): as the 503 page, it must not fail itself.
        body, kind = render_to_string("413.html", {"message": message}).encode(), b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        # The rest of a refused body is not read: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    return headers, body


def _declared_length(value: str | bytes | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --- ASGI ---------------------------------------------------------------------------


class BodyLimitMiddleware:
    """ASGI: refuse an HTTP body over its limit from ``Content-Length`` or as it streams."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = body_limit(content_type)
        as_json = wants_json(scope.get("path", ""), headers.get(b"accept", b"").decode("latin-1"), content_type)
        declared = _declared_length(headers.get(b"content-length"))
        if declared is not None and declared > limit:
            return await self._refuse(send, limit, as_json)

        received = 0
        started = False

        async def bounded_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit, as_json)

    async def _refuse(self, send, limit: int, as_json: bool):
        headers, body = refusal(limit, as_json)
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# --- WSGI ---------------------------------------------------------------------------


class _BoundedInput:
    def __init__(self, stream, limit: int):
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def _count(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BodyTooLarge
        return data

    def read(self, size=-1):
        return self._count(self.stream.read(size))

    def readline(self, size=-1):
        return self._count(self.stream.readline(size))

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class WSGIBodyLimitMiddleware:
    """WSGI: the same limits; a body read past them ends the request with a 413."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        content_type = environ.get("CONTENT_TYPE", "")
        limit = body_limit(content_type)
        as_json = wants_json(environ.get("PATH_INFO", ""), environ.get("HTTP_ACCEPT", ""), content_type)
        declared = _declared_length(environ.get("CONTENT_LENGTH") or None)
        if declared is not None and declared > limit:
            return self._refuse(start_response, limit, as_json)
        environ["wsgi.input"] = _BoundedInput(environ["wsgi.input"], limit)
        try:
            return self.app(environ, start_response)
        except BodyTooLarge:
            return self._refuse(start_response, limit, as_json)

    def _refuse(self, start_response, limit, as_json):
        headers, body = refusal(limit, as_json)
        start_response(
            "413 Content Too Large",
            [(name.decode(), value.decode()) for name, value in headers if name != b"connection"],
        )
        return [body]


# --- daphne -------------------------------------------------------------------------


class _Discard:
    """Stands in for the request's content file once a body is refused."""

    closed = False

    def write(self, data):
        pass

    def seek(self, *args):
        return 0

    def tell(self):
        return 0

    def read(self, *args):
        return b""

    def close(self):
        self.closed = True


def bounded_daphne_request():
    """Daphne's request class, deciding on the body from the headers and dropping a
    refused body's bytes as they arrive (installed by ``install_in_daphne``)."""
    from daphne.http_protocol import WebRequest

    class BoundedWebRequest(WebRequest):
        body_refused = False

        def gotLength(self, length):
            self.body_limit = body_limit(self._header(b"content-type"))
            self.body_received = 0
            if length is not None and length > self.body_limit:
                self._refuse_body()
                if self.requestHeaders.hasHeader(b"expect"):
                    # The client waits for "100 Continue" before it sends the body:
                    # answer now instead, and it sends nothing.
                    self.requestHeaders.removeHeader(b"expect")
                    self._answer_before_body()
                return
            super().gotLength(length)

        def handleContentChunk(self, data):
            if self.body_refused:
                return
            self.body_received += len(data)
            if self.body_received > self.body_limit:
                self.content.close()
                self._refuse_body()
                return
            super().handleContentChunk(data)

        def process(self):
            if not self.body_refused:
                return super().process()
            # Received (and dropped) to its end: the client now reads the answer.
            self.request_start = time.time()
            self.client_addr = [str(self.client.host), self.client.port] if hasattr(self.client, "host") else None
            headers, body = self._refusal()
            self.handle_reply({"type": "http.response.start", "status": 413, "headers": headers})
            self.handle_reply({"type": "http.response.body", "body": body})
            return None

        def _header(self, name: bytes) -> str:
            return (self.requestHeaders.getRawHeaders(name) or [b""])[0].decode("latin-1")

        def _refuse_body(self):
            self.body_refused = True
            self.content = _Discard()

        def _refusal(self):
            path = (getattr(self, "path", None) or getattr(self.channel, "_path", b"")).decode("latin-1")
            as_json = wants_json(path, self._header(b"accept"), self._header(b"content-type"))
            return refusal(self.body_limit, as_json)

        def _answer_before_body(self):
            # Before the request line is handed to the request, Twisted cannot write a
            # response through it: the status line and headers go out by hand.
            headers, body = self._refusal()
            head = b"HTTP/1.1 413 Content Too Large\r\n" + b"".join(
                name + b": " + value + b"\r\n" for name, value in headers
            )
            self.channel.transport.write(head + b"\r\n" + body)
            self.channel.transport.loseConnection()

    return BoundedWebRequest


def install_in_daphne() -> None:
    """Make daphne's HTTP factory build ``BoundedWebRequest``s (when daphne is installed;
    its factory looks the request class up in its module each time it builds a protocol)."""
    try:
        from daphne import http_protocol
    except ImportError:
        return
    if not hasattr(http_protocol.WebRequest, "body_refused"):
        http_protocol.WebRequest = bounded_daphne_request()
