"""The REST API under /api/v1/: one router for every app's viewsets, plus the routes
each app registers itself (music's recommendations) and the schema and docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from emotions.api.views import DetectionViewSet
from music.api.views import PlaylistViewSet, RatingViewSet, ShownListViewSet, TrackViewSet

# Swagger UI and ReDoc style themselves with <style> blocks, and ReDoc searches in a
# blob: worker; their scripts still come from this origin only (the split Swagger view
# serves its start-up script as a file).
docs_policy = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_policy = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

router = DefaultRouter()
router.register("detections", DetectionViewSet, basename="detection")
router.register("ratings", RatingViewSet, basename="rating")
router.register("tracks", TrackViewSet, basename="track")
router.register("playlists", PlaylistViewSet, basename="playlist")
router.register("lists", ShownListViewSet, basename="shown-list")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", accounts_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<slug:token_key>/", accounts_api.TokenDetailView.as_view(), name="api-token-detail"),
    path("auth/sessions/", accounts_api.SessionListView.as_view(), name="api-sessions"),
    path("auth/sessions/<slug:session_id>/", accounts_api.SessionDetailView.as_view(), name="api-session-detail"),
    path("auth/logout/", accounts_api.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-everywhere/", accounts_api.LogoutEverywhereView.as_view(), name="api-logout-everywhere"),
    path("me/", accounts_api.ProfileView.as_view(), name="api-profile"),
    path("me/consent/", accounts_api.FaceConsentView.as_view(), name="api-consent"),
    path("me/export/", accounts_api.ExportView.as_view(), name="api-export"),
    path("", include("music.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs_policy(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", redoc_policy(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("", include(router.urls)),
]
