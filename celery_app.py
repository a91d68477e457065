"""The Celery application. Start a worker with:

    celery -A celery_app worker --loglevel=info

Broker and results come from REDIS_URL (settings); with no REDIS_URL the web process
runs an embedded worker thread over an in-memory broker instead (fermusic.embedded).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")

app = Celery("fermusic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
