from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class UploadRateThrottle(UserRateThrottle):
    """Per-user limit on photo uploads, shared by the API and the upload pages."""

    scope = "uploads"

    def get_rate(self):
        return f"{settings.UPLOADS_PER_MINUTE}/minute"
