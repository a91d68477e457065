"""The detections REST API: serializers, the viewset and the upload throttle (routed by fermusic.api)."""
