from rest_framework.throttling import UserRateThrottle


class UploadRateThrottle(UserRateThrottle):
    """Per-user limit on photo uploads (UPLOADS_PER_MINUTE), for the API and the forms."""

    scope = "uploads"
