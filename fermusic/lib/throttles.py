"""API throttles: reads keep answering when the throttles' cache (Redis) is down, and a
counted limit that holds exactly however many requests arrive at once."""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from fermusic.lib.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


class FailOpenForReads:
    """A read the cache cannot count is let through: its data are in the database, and
    a throttle is no reason to answer 503. A write still fails, as its service would."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except TRANSIENT_ERRORS:
            if request.method not in SAFE_METHODS:
                raise
            logger.warning("Throttle cache unreachable: %s %s let through uncounted", request.method, request.path)
            return True


class UserThrottle(FailOpenForReads, UserRateThrottle):
    pass


class AnonThrottle(FailOpenForReads, AnonRateThrottle):
    pass


class CountedRateThrottle(SimpleRateThrottle):
    """At most ``num_requests`` in a window of ``duration`` seconds that starts with the
    first request, counted atomically: in Redis one transaction creates the counter with
    its expiry if it is missing and increments it; without Redis, the process's cache
    adds and increments under its lock. Parallel requests cannot all read one count.

    DRF's own throttles read a history, append and write it back: under 100 parallel
    requests most of them read the same history, and nearly all got through.
    """

    cache_format = "throttle_%(scope)s_%(ident)s_count"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = time.time()
        count, self.since = _count(self.key, self.now, self.duration)
        return count <= self.num_requests

    def wait(self):
        return max(1.0, self.duration - (self.now - self.since))


def _count(key: str, now: float, duration: int) -> tuple[int, float]:
    """Count one request in ``key``'s window; (requests so far, when the window began)."""
    if settings.REDIS_URL:
        key = f"fermusic:{key}"
        with _redis().pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=duration, nx=True).set(f"{key}:since", now, ex=duration, nx=True)
            count, since = pipe.incr(key).get(f"{key}:since").execute()[2:]
        return count, float(since or now)
    for _ in range(3):
        cache.add(f"{key}:since", now, duration)
        cache.add(key, 0, duration)
        try:
            return cache.incr(key), cache.get(f"{key}:since", now)
        except ValueError:  # the window ended between the add and the increment
            continue
    return 0, now


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
