"""ASGI entry point: HTTP (Django) and WebSocket (Channels) in one process.

daphne -b 127.0.0.1 -p 8000 fermusic.asgi:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from fermusic.embedded import start_embedded_worker  # noqa: E402
from fermusic.lib.request_limits import BodyLimitMiddleware, install_in_daphne  # noqa: E402
from fermusic.lib.websockets import SameOriginValidator  # noqa: E402
from fermusic.routing import websocket_urlpatterns  # noqa: E402

start_embedded_worker()
# Bodies over their limit are refused before Django (and authentication) sees them; under
# daphne already as they arrive, since daphne would otherwise hold the whole body.
install_in_daphne()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
