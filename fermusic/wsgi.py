"""WSGI entry point, for HTTP-only deployments (WebSockets need fermusic.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")
application = get_wsgi_application()
