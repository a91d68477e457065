from rest_framework import serializers

from music.models import Playlist, PlaylistTrack, Track


class TrackSerializer(serializers.ModelSerializer):
    artists = serializers.SerializerMethodField()
    genres = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    spotify_url = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Track
        fields = [
            "id", "title", "artists", "album", "year", "duration_ms", "popularity", "genres", "mood",
            "spotify_id", "spotify_url", "danceability", "energy", "key", "loudness", "mode", "speechiness",
            "acousticness", "instrumentalness", "liveness", "valence", "tempo", "time_signature",
        ]  # fmt: skip
        read_only_fields = fields

    def get_artists(self, track) -> list[str]:
        return track.artist_names


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
