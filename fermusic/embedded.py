"""The embedded profile's Celery worker: a thread in the web process consuming the
in-memory broker, so tasks run through exactly the code a separate worker runs."""

import logging
import threading

from django.conf import settings

from celery_app import app

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_worker = None


def start_embedded_worker():
    """Start the worker thread once per process; a no-op outside the embedded profile."""
    global _worker
    if not settings.EMBEDDED_WORKER:
        return None
    with _lock:
        if _worker is None:
            _worker = app.WorkController(
                app=app,
                # solo: tasks run in this thread one at a time, taken as soon as they
                # arrive (the threads pool with prefetch 1 waited up to 2 s between tasks).
                pool="solo",
                concurrency=1,
                loglevel="INFO",
                without_heartbeat=True,
                without_mingle=True,
                without_gossip=True,
                hostname="embedded@fermusic",
            )
            threading.Thread(target=_worker.start, name="embedded-celery-worker", daemon=True).start()
            # Beat (the periodic sweeper) as a thread too: the worker's own beat option
            # forks a process, which outlives the server when only the server is stopped.
            from celery.beat import EmbeddedService

            EmbeddedService(app, thread=True, schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule")).start()
            logger.info("Embedded Celery worker started (in-memory broker)")
    return _worker
