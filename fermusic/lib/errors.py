"""One error shape for the whole API, and a 503 (not a 500) when a backing service
(PostgreSQL, Redis) is unreachable."""

import logging

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

from fermusic.lib.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)

__all__ = ["TRANSIENT_ERRORS", "UNAVAILABLE_MESSAGE", "ServiceUnavailableMiddleware", "api_exception_handler"]
UNAVAILABLE_MESSAGE = "FerMusic is briefly unavailable while a service restarts. Please try again in a minute."


def api_exception_handler(exc, context):
    """Every API error is {"detail": "<message>"} plus, for invalid input,
    "errors": {"<field>": ["<message>", ...]}."""
    if isinstance(exc, TRANSIENT_ERRORS):
        logger.exception("Service unavailable during an API request")
        return JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503, headers={"Retry-After": "30"})
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        first = next(iter(errors.values()), ["Invalid input."])
        message = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": str(message), "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


class ServiceUnavailableMiddleware:
    """Turn an unreachable database or broker into a 503 page with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TRANSIENT_ERRORS):
            return None
        logger.exception("Service unavailable during %s %s", request.method, request.path)
        if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503, headers={"Retry-After": "30"})
        # Rendered without the request: its context processors would look up the user,
        # and with the database down that fails again and turns the 503 into a 500.
        page = render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE})
        return HttpResponse(page, status=503, headers={"Retry-After": "30"})
