"""Music's routes in the REST API that are not viewsets of the shared router (see fermusic/api.py)."""

from django.urls import path

from music.api.views import DetectionRecommendationsView, RecommendationsView

urlpatterns = [
    path("recommendations/", RecommendationsView.as_view(), name="api-recommendations"),
    # Registered here, not on emotions' viewset: music builds on emotions, never the reverse.
    path(
        "detections/<str:pk>/recommendations/", DetectionRecommendationsView.as_view(), name="detection-recommendations"
    ),
]
