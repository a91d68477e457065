import django_filters
from django.db.models import Prefetch, Q
from rest_framework import permissions, viewsets

from music.models import Mood, Playlist, PlaylistTrack, Track
from music.serializers import PlaylistSerializer, TrackSerializer


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


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.is_staff


class PlaylistViewSet(viewsets.ModelViewSet):
    """Curated playlists: listeners read the published ones; staff read and write all."""

    serializer_class = PlaylistSerializer
    permission_classes = [permissions.IsAuthenticated, IsStaffOrReadOnly]
    filterset_fields = ["mood", "published"]

    def get_queryset(self):
        playlists = Playlist.objects.prefetch_related(
            Prefetch("entries", queryset=PlaylistTrack.objects.order_by("position", "pk"))
        )
        return playlists if self.request.user.is_staff else playlists.filter(published=True)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
