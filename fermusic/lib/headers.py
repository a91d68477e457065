"""Headers every response carries that no Django setting adds."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"


class PrivacyHeadersMiddleware:
    """``Permissions-Policy`` on every response (the camera for live mode, nothing else),
    and ``Cache-Control: no-store`` on API responses and on pages for a signed-in user,
    which carry e-mails and readings that no browser or proxy cache should keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # Static files are answered before authentication, so they have no user and stay cacheable.
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
