"""How many live-mode sockets each user has open, across every web process: at most
``MAX_SOCKETS_PER_USER``. Each live socket costs a worker's time, so one user's tabs (or
a script) cannot crowd out everyone else's analyses.

With Redis (production) the sockets are a sorted set per owner, scored by when each was
last seen, checked and added in one transaction; a socket whose process died stops
counting after ``STALE_SECONDS``, and an open socket renews its place every ``RENEW_SECONDS``.
Without Redis (the embedded profile: one process) a dictionary under a lock does the same.
"""

from __future__ import annotations

import functools
import threading
import time

import redis
from django.conf import settings

MAX_SOCKETS_PER_USER = 2
STALE_SECONDS = 60
RENEW_SECONDS = STALE_SECONDS / 3

_lock = threading.Lock()
_local: dict[str, dict[str, float]] = {}


def owner_of(scope) -> str:
    """A signed-in user's sockets count together; anonymous ones by client address."""
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    client = scope.get("client") or ("unknown", 0)
    return f"addr:{client[0]}"


def claim(owner: str, socket: str, now: float | None = None) -> bool:
    """Count ``socket`` as one of ``owner``'s (again, when renewing); False when the owner
    already has ``MAX_SOCKETS_PER_USER`` others open."""
    now = time.time() if now is None else now
    if settings.REDIS_URL:
        key = f"fermusic:live-sockets:{owner}"
        with _redis().pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - STALE_SECONDS)
            pipe.zscore(key, socket)
            pipe.zadd(key, {socket: now})
            pipe.zcard(key)
            pipe.expire(key, STALE_SECONDS)
            _, seen, _, count, _ = pipe.execute()
        # A socket renewing its place keeps it; a new one over the limit gives it back.
        if seen is None and count > MAX_SOCKETS_PER_USER:
            _redis().zrem(key, socket)
            return False
        return True
    with _lock:
        sockets = {name: seen for name, seen in _local.get(owner, {}).items() if seen > now - STALE_SECONDS}
        if socket not in sockets and len(sockets) >= MAX_SOCKETS_PER_USER:
            return False
        sockets[socket] = now
        _local[owner] = sockets
        return True


def release(owner: str, socket: str) -> None:
    if settings.REDIS_URL:
        _redis().zrem(f"fermusic:live-sockets:{owner}", socket)
        return
    with _lock:
        _local.get(owner, {}).pop(socket, None)


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
