"""REST endpoints of music, under /api/v1/:

* ``tracks/``: the catalogue, searched and filtered; ``playlists/``: curated playlists;
* ``GET recommendations/?emotion=sad`` (or ``?mood=calm``): a list for me, logged;
* ``GET detections/{id}/recommendations/``: the list for a detection's driving face
  (``detection_recommendations``);
* ``ratings/``: my ratings only; POST ``{"track", "value"}`` rates a track (1 like,
  -1 dislike), or changes my rating of it; another listener's rating is a 404.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from emotions.models import Detection
from music.api.serializers import (
    ChosenFeelingSerializer,
    PlaylistSerializer,
    RatingSerializer,
    RecommendationQuerySerializer,
    RecommendationsSerializer,
    TrackSerializer,
    present,
)
from music.models import Mood, Playlist, PlaylistTrack, Rating, RecommendationLog, Track
from music.services.ratings import rate
from music.services.recommendations import recommend_and_log

# --- The catalogue ---------------------------------------------------------------------


class TrackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title, artist or album")
    mood = django_filters.ChoiceFilter(choices=Mood.choices)
    genre = django_filters.CharFilter(field_name="genres__name", lookup_expr="iexact")
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = django_filters.NumberFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = Track
        fields = ["q", "mood", "genre", "year_min", "year_max"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(artists__icontains=value) | Q(album__icontains=value))


class TrackViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue: search by text, filter by mood, genre and year."""

    serializer_class = TrackSerializer
    filterset_class = TrackFilter
    queryset = Track.objects.prefetch_related("genres").order_by("-popularity", "pk").distinct()


class CuratorOrReadOnly(permissions.DjangoModelPermissions):
    """Anyone signed in reads; writing takes what the admin takes: staff status and the
    model permission (add to create, change to edit or publish, delete to delete)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_staff and super().has_permission(request, view)


class PlaylistViewSet(viewsets.ModelViewSet):
    """Curated playlists: listeners read the published ones; staff read and write all."""

    serializer_class = PlaylistSerializer
    permission_classes = [permissions.IsAuthenticated, CuratorOrReadOnly]
    filterset_fields = ["mood", "published"]

    def get_queryset(self):
        # Listeners' own playlists are private to them: not even staff read them here.
        playlists = Playlist.objects.curated().prefetch_related(
            Prefetch("entries", queryset=PlaylistTrack.objects.order_by("position", "pk"))
        )
        return playlists if self.request.user.is_staff else playlists.filter(published=True)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


# --- Recommendations -------------------------------------------------------------------


class RecommendationsView(APIView):
    """Music for an emotion (through my mood strategy) or for a mood, ranked for me."""

    @extend_schema(parameters=[ChosenFeelingSerializer], responses={200: RecommendationsSerializer})
    def get(self, request):
        query = ChosenFeelingSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recs, log = recommend_and_log(request.user, RecommendationLog.Surface.API, **query.validated_data)
        return Response(present(recs, log))


class DetectionRecommendationsView(GenericAPIView):
    """Music for the emotion I said I felt (``felt_emotion``) or, without a correction,
    for the emotion of the face that drives this detection, ranked for me. Another
    user's detection is a 404; 409 while there is no face to follow."""

    serializer_class = RecommendationsSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Detection.objects.none()
        return Detection.objects.owned_by(self.request.user).prefetch_related("faces")

    @extend_schema(parameters=[RecommendationQuerySerializer], responses={200: RecommendationsSerializer, 409: None})
    def get(self, request, pk=None):
        detection = self.get_object()
        query = RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if detection.status != detection.Status.DONE:
            return Response({"detail": "The analysis has not finished yet."}, status=status.HTTP_409_CONFLICT)
        face = detection.driving_face
        if face is None:
            return Response(
                {"detail": "No face was found in this photo, so there is no emotion to pick music for."},
                status=status.HTTP_409_CONFLICT,
            )
        recs, log = recommend_and_log(
            request.user,
            RecommendationLog.Surface.DETECTION,
            detection=detection,
            emotion=detection.felt_emotion or face.emotion,
            **query.validated_data,
        )
        return Response(present(recs, log))


# --- Ratings ---------------------------------------------------------------------------


class RatingViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """My likes and dislikes. POST rates a track (201), or changes my rating of a
    track I already rated (200). Another listener's rating is a 404."""

    serializer_class = RatingSerializer
    filterset_fields = ["value"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Rating.objects.none()
        return Rating.objects.owned_by(self.request.user).select_related("track")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating, created = rate(request.user, serializer.validated_data["track"], serializer.validated_data["value"])
        return Response(
            self.get_serializer(rating).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
