# The project's Celery app must be the current app in every process, the web server's
# included: otherwise a task queued from a view goes to Celery's default app (amqp on
# localhost) instead of REDIS_URL, and no worker ever sees it.
from celery_app import app as celery_app

__all__ = ("celery_app",)
