"""WSGI entry point, for HTTP-only deployments (WebSockets need fermusic.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

from fermusic.lib.request_limits import WSGIBodyLimitMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")
application = WSGIBodyLimitMiddleware(get_wsgi_application())
