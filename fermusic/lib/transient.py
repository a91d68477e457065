"""The one list of transient errors: a backing service (PostgreSQL, its connection pool,
Redis, the broker) is unreachable, timed out or has no connection free. A page answers 503
with Retry-After (``fermusic.lib.errors``), a task retries, a read throttle lets the
request through. Free of DRF, so the throttles DRF's settings load can import it."""

from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    # Django reports a pool that had no connection free in time as an OperationalError;
    # listed too for code that borrows from the pool itself.
    PoolTimeout,
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)
