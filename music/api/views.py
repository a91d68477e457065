"""REST endpoints of music, under /api/v1/:

* ``tracks/``: the catalogue, searched and filtered; ``playlists/``: curated playlists;
* ``GET recommendations/?emotion=sad`` (or ``?mood=calm``): a list for me, logged;
* ``GET detections/{id}/recommendations/``: the stored list for a detection (the same
  songs in the same order on every read; POST for new picks); ``lists/``: the lists
  once shown to me, with ``lists/{id}/ratings/`` and ``lists/{id}/undo/``;
* ``ratings/``: my ratings only; POST ``{"track", "value"}`` rates a track (1 like,
  -1 dislike), or changes my rating of it; another listener's rating is a 404.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from emotions.models import Detection
from music.api.serializers import (
    ChosenFeelingSerializer,
    DetectionListQuerySerializer,
    ListChangeSerializer,
    ListRatingSerializer,
    PlaylistSerializer,
    RatingSerializer,
    RecommendationsSerializer,
    ShownListSerializer,
    TrackSerializer,
    UndoSerializer,
    present,
    present_change,
)
from music.models import Mood, Playlist, PlaylistTrack, Rating, RecommendationLog, ShownList, Track
from music.services.ratings import rate
from music.services.recommendations import recommend_and_log
from music.services.shown_lists import (
    Change,
    NoMusic,
    list_for_detection,
    new_picks,
    rate_in_list,
    recent,
    undo_dislike,
)

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
    """The stored list for this detection: GET shows it (made on the first read, the
    same songs in the same order afterwards), POST makes new picks for the same key.
    A face's list follows the emotion I said I felt (``felt_emotion``) or, without a
    correction, the reading of the face that picks the music.
    ``subject=everyone`` is music for the blend of every face's emotions. Another
    user's detection is a 404; 409 while there is no face to follow."""

    serializer_class = ShownListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Detection.objects.none()
        return Detection.objects.owned_by(self.request.user).prefetch_related("faces")

    def _list(self, request, make):
        detection = self.get_object()
        query = DetectionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if detection.status != detection.Status.DONE:
            return Response({"detail": "The analysis has not finished yet."}, status=status.HTTP_409_CONFLICT)
        options = query.validated_data
        try:
            shown = make(
                request.user, detection, options["subject"], strategy=options.get("strategy"), size=options["n"]
            )
        except NoMusic as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(ShownListSerializer(shown).data, status=201 if make is new_picks else 200)

    @extend_schema(parameters=[DetectionListQuerySerializer], responses={200: ShownListSerializer, 409: None})
    def get(self, request, pk=None):
        return self._list(request, list_for_detection)

    @extend_schema(
        parameters=[DetectionListQuerySerializer], request=None, responses={201: ShownListSerializer, 409: None}
    )
    def post(self, request, pk=None):
        return self._list(request, new_picks)


class ShownListViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists once shown to me, most recent first ("Recently recommended"); rating a
    song through a list changes the list as the rating asks. Another listener's list
    is a 404."""

    serializer_class = ShownListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShownList.objects.none()
        return recent(self.request.user)

    @extend_schema(request=ListRatingSerializer, responses={200: ListChangeSerializer})
    @action(detail=True, methods=["post"])
    def ratings(self, request, pk=None):
        """Like (keeps every row above; rows below re-rank), dislike (replaces that row
        only; undo brings it back) or clear (0) my rating of a song of this list."""
        shown = self.get_object()
        asked = ListRatingSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        track = _song_of(shown, asked.validated_data["track"])
        change = rate_in_list(shown, track, asked.validated_data["value"])
        return Response(present_change(shown, change))

    @extend_schema(request=UndoSerializer, responses={200: ListChangeSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Bring back a song I disliked in this list, to its row, and remove the dislike."""
        shown = self.get_object()
        asked = UndoSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            changed = undo_dislike(shown, Track(pk=asked.validated_data["track"]))
        except LookupError as exc:
            raise ValidationError({"track": [str(exc)]}) from None
        return Response(present_change(shown, Change(None, changed)))


def _song_of(shown, track_id: int) -> Track:
    track = Track.objects.filter(pk=track_id, shown_entries__shown_list=shown, shown_entries__active=True).first()
    if track is None:
        raise ValidationError({"track": ["That song is not in this list."]})
    return track


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
