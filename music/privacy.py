"""What music holds of a user, for "Download my data" (accounts.export): ratings, the
playlists they made and every list of recommendations shown to them; and the readings
it forgets when the user deletes their history (emotions.signals.history_deleted)."""

from django.db.models import Prefetch, Q
from django.dispatch import receiver
from rest_framework import serializers

from accounts.export import ExportSection, register, serialized
from emotions.signals import history_deleted
from music.models import Playlist, PlaylistTrack, Rating, RecommendationLog, Track


class ExportedTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Track
        fields = ["id", "title", "artists", "album", "spotify_id"]


class RatingExportSerializer(serializers.ModelSerializer):
    track = ExportedTrackSerializer(read_only=True)
    value = serializers.CharField(source="get_value_display")

    class Meta:
        model = Rating
        exclude = ["id", "user"]


class PlaylistExportSerializer(serializers.ModelSerializer):
    tracks = serializers.SerializerMethodField()

    class Meta:
        model = Playlist
        exclude = ["owner", "created_by"]

    def get_tracks(self, playlist) -> list[dict]:
        return [ExportedTrackSerializer(entry.track).data for entry in playlist.entries.all()]


class RecommendationLogExportSerializer(serializers.ModelSerializer):
    """A list as it was shown; each item names its track (``context["tracks"]``: id -> track)."""

    items = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationLog
        exclude = ["user"]

    def get_items(self, log) -> list[dict]:
        tracks = self.context["tracks"]
        return [
            {**item, "title": track.title, "artists": track.artists} if (track := tracks.get(item["track"])) else item
            for item in log.items
        ]


def _ratings(user):
    ratings = Rating.objects.owned_by(user).select_related("track").order_by("created_at", "pk")
    return serialized(ratings, RatingExportSerializer)


def _playlists(user):
    entries = PlaylistTrack.objects.select_related("track").order_by("position", "pk")
    # Their own private playlists, and those they curated as staff.
    playlists = Playlist.objects.filter(Q(owner=user) | Q(created_by=user)).prefetch_related(
        Prefetch("entries", queryset=entries)
    )
    return serialized(playlists.order_by("created_at", "pk"), PlaylistExportSerializer)


def _recommendation_logs(user):
    logs = RecommendationLog.objects.filter(user=user).order_by("created_at", "pk")
    return serialized(logs, RecommendationLogExportSerializer, context_for=_tracks_named)


def _tracks_named(logs) -> dict:
    return {"tracks": Track.objects.in_bulk({item["track"] for log in logs for item in log.items})}


register(ExportSection("ratings", "every like and dislike you gave a track.", _ratings))
register(ExportSection("playlists", "your own playlists, and any you curated, with their tracks in order.", _playlists))
register(
    ExportSection(
        "recommendation_logs",
        "every list of music shown to you: when, where, for which emotion or mood, and its tracks in order.",
        _recommendation_logs,
    )
)


@receiver(history_deleted)
def _forget_readings(sender, user, **kwargs):
    # A list for an emotion carries a reading of the user's face (live mode's lists have
    # no detection to cascade from); lists for a chosen mood carry none and stay.
    RecommendationLog.objects.filter(user=user).exclude(emotion="").delete()
