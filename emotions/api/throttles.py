from django.conf import settings

from fermusic.lib.throttles import CountedRateThrottle


class UploadRateThrottle(CountedRateThrottle):
    """Per-user limit on photo uploads, shared by the API and the upload pages."""

    scope = "uploads"

    def get_rate(self):
        return f"{settings.UPLOADS_PER_MINUTE}/minute"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
