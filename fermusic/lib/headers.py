"""Headers every response carries that no Django setting adds."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


class PrivacyHeadersMiddleware:
    """``Permissions-Policy`` on every response (the camera for live mode, nothing else),
    and ``Cache-Control: no-store`` on API responses and on pages for a signed-in user,
    which carry e-mails and readings that no browser or proxy cache should keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # A session cookie stands for "signed in": asking the database who the user is
        # would turn the 503 for a stopped database into a 500. Static files hold no
        # one's data and keep WhiteNoise's long caching.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path.startswith(STATIC_PREFIX)
        private = request.path.startswith(API_PREFIX) or signed_in
        if private and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
