"""django-axes hooks: how a log-in attempt names its account, and what a locked-out
client is told (see settings, "Log-in and sign-up abuse")."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import render


def username_of(request, credentials) -> str | None:
    """Log-in takes a username in any case (accounts.backends): so does the failure count.
    Cut to the longest username an account can have: no account has a longer one, and
    the count's own column would refuse it."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username") if hasattr(request, "POST") else None
    if not isinstance(username, str):
        return None
    return username.lower()[: get_user_model()._meta.get_field("username").max_length]


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (
        f"Too many failed log-ins. Log-in is blocked for {minutes} minutes, "
        "for this account and from this address. Wait, or reset your password."
    )


def locked_out_response(request, original_response=None, credentials=None):
    """HTTP 429 with the reason: JSON for the API, a page for the log-in form and the admin."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    retry_after = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=status)
    response["Retry-After"] = retry_after
    return response
