"""Every serializer of the music API: the catalogue (tracks, playlists), recommendation
lists and the queries that ask for them, and ratings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.models import User
from emotions.engine.labels import EMOTIONS
from music.models import Playlist, PlaylistTrack, Rating, RecommendationLog, ShownList, Track
from music.moods.labels import MOODS
from music.services.recommendations import MAX_SEED, Recommendations
from music.services.shown_lists import LIST_SIZE, rows

MAX_LIST = 50


# --- The catalogue ---------------------------------------------------------------------


class TrackSerializer(serializers.ModelSerializer):
    artists = serializers.ListField(source="artist_names", child=serializers.CharField(), read_only=True)
    genres = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    spotify_url = serializers.URLField(read_only=True, allow_null=True)

    class Meta:
        model = Track
        fields = [
            "id", "title", "artists", "album", "year", "duration_ms", "popularity", "genres", "mood",
            "spotify_id", "spotify_url", "danceability", "energy", "key", "loudness", "mode", "speechiness",
            "acousticness", "instrumentalness", "liveness", "valence", "tempo", "time_signature",
        ]  # fmt: skip
        read_only_fields = fields


class TrackSummarySerializer(TrackSerializer):
    """A track as lists show it (the catalogue API's TrackSerializer has every field)."""

    class Meta(TrackSerializer.Meta):
        fields = ["id", "title", "artists", "album", "year", "duration_ms", "mood", "spotify_id", "spotify_url"]
        read_only_fields = fields


class PlaylistSerializer(serializers.ModelSerializer):
    tracks = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Track.objects.all(),
        required=False,
        help_text="Track ids in playlist order; replaces the playlist's tracks when given.",
    )

    class Meta:
        model = Playlist
        fields = ["id", "name", "description", "mood", "published", "tracks", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, playlist):
        data = super().to_representation(playlist)
        data["tracks"] = [entry.track_id for entry in playlist.entries.all()]
        return data

    def validate_tracks(self, tracks):
        if len({t.pk for t in tracks}) != len(tracks):
            raise serializers.ValidationError("A track can appear in a playlist only once.")
        return tracks

    def create(self, validated_data):
        tracks = validated_data.pop("tracks", [])
        playlist = Playlist.objects.create(**validated_data)
        playlist.append(tracks)
        return playlist

    def update(self, playlist, validated_data):
        tracks = validated_data.pop("tracks", None)
        playlist = super().update(playlist, validated_data)
        if tracks is not None:
            playlist.entries.all().delete()
            PlaylistTrack.objects.bulk_create(
                PlaylistTrack(playlist=playlist, track=track, position=i) for i, track in enumerate(tracks, 1)
            )
        return playlist


# --- Recommendations -------------------------------------------------------------------


class MyRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "value"]
        read_only_fields = fields


class RecommendedTrackSerializer(serializers.Serializer):
    track = TrackSummarySerializer()
    reason = serializers.CharField(help_text="Why this track is in the list, in one line.")
    score = serializers.FloatField(help_text="Relevance before exploration and diversity; higher is better.")
    rating = MyRatingSerializer(allow_null=True, help_text="My rating of the track, if I rated it.")


class RecommendationsSerializer(serializers.Serializer):
    emotion = serializers.CharField(allow_blank=True)
    strategy = serializers.CharField(allow_blank=True)
    moods = serializers.ListField(child=serializers.CharField())
    seed = serializers.IntegerField(help_text="Send it back to get the same exploration after rating a track.")
    log = serializers.IntegerField(help_text="Id of the logged list.")
    results = RecommendedTrackSerializer(many=True, source="items")


class ShownRowSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="entry.position")
    track = TrackSummarySerializer()
    reason = serializers.CharField(
        source="entry.reason", help_text="Why this song is in the list, and what it is like."
    )
    because = serializers.CharField(source="entry.because", help_text="What the reason rests on.")
    rating = MyRatingSerializer(allow_null=True, help_text="My rating of the song, if I rated it.")


class ShownListSerializer(serializers.Serializer):
    """A stored list, as it is shown: the same songs in the same order on every read."""

    id = serializers.IntegerField()
    detection = serializers.UUIDField(source="detection_id", allow_null=True)
    subject = serializers.CharField(help_text="face: for the face that picks the music; everyone: for the photo.")
    emotion = serializers.CharField(allow_blank=True, help_text="The emotion it was made for; blank for a blend.")
    blend = serializers.JSONField(
        help_text="For everyone: the mean of the faces' probabilities, the number of faces and songs per mood."
    )
    strategy = serializers.CharField()
    moods = serializers.ListField(child=serializers.CharField())
    seed = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    shown_at = serializers.DateTimeField()
    results = serializers.SerializerMethodField()

    @extend_schema_field(ShownRowSerializer(many=True))
    def get_results(self, shown) -> list:
        return ShownRowSerializer(rows(shown), many=True).data


class ListRatingSerializer(serializers.Serializer):
    track = serializers.IntegerField(min_value=1, help_text="A song of the list, by its id.")
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text="1 like, -1 dislike (replaces the row), 0 clear.")


class UndoSerializer(serializers.Serializer):
    track = serializers.IntegerField(min_value=1, help_text="The disliked song to bring back.")


class UndoOfferSerializer(serializers.Serializer):
    track = serializers.IntegerField(help_text="The disliked song; POST it to undo/ to bring it back.")
    position = serializers.IntegerField()


class ListChangeSerializer(serializers.Serializer):
    list = ShownListSerializer()
    changed = serializers.ListField(child=serializers.IntegerField(), help_text="Positions whose song changed.")
    rating = MyRatingSerializer(allow_null=True)
    undo = UndoOfferSerializer(allow_null=True, help_text="After a dislike: what Undo brings back.")


def present_change(shown: ShownList, change) -> dict:
    """The JSON of a list after a rating or an undo (ListChangeSerializer)."""
    undo = {"track": change.undo.track_id, "position": change.undo.position} if change.undo else None
    return ListChangeSerializer({"list": shown, "changed": change.changed, "rating": change.rating, "undo": undo}).data


class RecommendationQuerySerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=User.MoodStrategy.choices, required=False)
    n = serializers.IntegerField(min_value=1, max_value=MAX_LIST, default=10)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False)


class DetectionListQuerySerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=ShownList.Subject.choices, default=ShownList.Subject.FACE)
    strategy = serializers.ChoiceField(choices=User.MoodStrategy.choices, required=False)
    n = serializers.IntegerField(min_value=1, max_value=MAX_LIST, default=LIST_SIZE)


class ChosenFeelingSerializer(RecommendationQuerySerializer):
    emotion = serializers.ChoiceField(choices=EMOTIONS, required=False)
    mood = serializers.ChoiceField(choices=MOODS, required=False)

    def validate(self, data):
        if ("emotion" in data) == ("mood" in data):
            raise ValidationError({"emotion": ["Give an emotion or a mood (one of the two)."]})
        return data


def present(recs: Recommendations, log: RecommendationLog) -> dict:
    """The JSON of a shown list (RecommendationsSerializer)."""
    return RecommendationsSerializer({**vars(recs), "log": log.pk}).data


# --- Ratings ---------------------------------------------------------------------------


class RatingTrackField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "required": "Say which track you rate.",
        "null": "Say which track you rate.",
        "does_not_exist": "There is no track with id {pk_value}.",
        "incorrect_type": "A track is given by its id, a number.",
    }

    def to_internal_value(self, data):
        # A whole number only: Django would read 1.5 or true as track 1.
        whole = isinstance(data, int) or (isinstance(data, str) and data.isdigit())
        if data is not None and (isinstance(data, bool) or not whole):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field(serializers.IntegerField(help_text="1 like, -1 dislike"))
class RatingValueField(serializers.ChoiceField):
    default_error_messages = {
        "invalid_choice": "A rating is 1 (like) or -1 (dislike), not {input}.",
        "required": "Give a value: 1 (like) or -1 (dislike).",
        "null": "Give a value: 1 (like) or -1 (dislike).",
    }

    def __init__(self, **kwargs):
        super().__init__(choices=Rating.Value.choices, **kwargs)


class RatingSerializer(serializers.ModelSerializer):
    track = RatingTrackField(queryset=Track.objects.all())
    value = RatingValueField()

    class Meta:
        model = Rating
        fields = ["id", "track", "value", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # One rating per listener and track is kept by create() updating the existing one.
        validators = []

    def to_representation(self, rating):
        data = super().to_representation(rating)
        data["track"] = TrackSummarySerializer(rating.track).data
        return data

    def validate_track(self, track):
        if self.instance is not None and track != self.instance.track:
            raise ValidationError("A rating stays with its track; rate the other track instead.")
        return track
