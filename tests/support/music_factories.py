"""Factories and small CSV builders for the music tests: every catalogue the tests
read is generated here, never copied from the shared datasets."""

import csv
import gzip
import io

import factory

from music.models import Genre, Playlist, Track
from music.moods.features import MODEL_FEATURES
from tests.support.factories import UserFactory

# Audio features typical of each mood in the labelled data (means per mood), in
# the mood model's feature order.
MOOD_FEATURES = {
    mood: dict(zip(MODEL_FEATURES, values, strict=True))
    for mood, values in {
        "happy": (0.64, 0.74, -7.3, 0.07, 0.12, 0.1, 0.17, 0.58, 122.6),
        "energetic": (0.51, 0.88, -4.7, 0.08, 0.02, 0.04, 0.2, 0.46, 129.1),
        "calm": (0.4, 0.15, -21.0, 0.04, 0.88, 0.9, 0.11, 0.15, 110.6),
        "sad": (0.51, 0.41, -10.1, 0.04, 0.56, 0.18, 0.14, 0.3, 114.8),
    }.items()
}


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Genre {n}")


class TrackFactory(factory.django.DjangoModelFactory):
    """A track without audio features; ``featured_track(mood)`` gives one with them."""

    class Meta:
        model = Track

    title = factory.Sequence(lambda n: f"Song {n}")
    artists = factory.Sequence(lambda n: f"Artist {n}")
    year = 1999


def featured_track(mood: str, **kwargs) -> Track:
    return TrackFactory(**MOOD_FEATURES[mood], key=5, mode=1, time_signature=4, **kwargs)


class PlaylistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playlist

    name = factory.Sequence(lambda n: f"Playlist {n}")


def csv_bytes(header: list[str], rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


CLASSIC_HITS_HEADER = [
    "Track",
    "Artist",
    "Year",
    "Duration",
    "Time_Signature",
    "Danceability",
    "Energy",
    "Key",
    "Loudness",
    "Mode",
    "Speechiness",
    "Acousticness",
    "Instrumentalness",
    "Liveness",
    "Valence",
    "Tempo",
    "Popularity",
    "Genre",
]
MOODS_HEADER = [
    "name",
    "album",
    "artist",
    "id",
    "release_date",
    "popularity",
    "length",
    "danceability",
    "acousticness",
    "energy",
    "instrumentalness",
    "liveness",
    "valence",
    "loudness",
    "speechiness",
    "tempo",
    "key",
    "time_signature",
    "mood",
]
KAGGLE_HEADER = [
    "",
    "track_id",
    "artists",
    "album_name",
    "track_name",
    "popularity",
    "duration_ms",
    "explicit",
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "time_signature",
    "track_genre",
]


def classic_hits_row(title, artist, mood="happy", year=1987, genre="Pop", popularity=40):
    f = MOOD_FEATURES[mood]
    return [title, artist, year, 206413, 4, f["danceability"], f["energy"], 6, f["loudness"], 1,
            f["speechiness"], f["acousticness"], f["instrumentalness"], f["liveness"], f["valence"], f["tempo"],
            popularity, genre]  # fmt: skip


def moods_row(title, artist, spotify_id, mood="calm", label=None):
    f = MOOD_FEATURES[mood]
    return [title, title, artist, spotify_id, "2020-07-31", 27, 129410, f["danceability"], f["acousticness"],
            f["energy"], f["instrumentalness"], f["liveness"], f["valence"], f["loudness"], f["speechiness"],
            f["tempo"], 6, 4, (label or mood).capitalize()]  # fmt: skip


def kaggle_row(index, spotify_id, artists, title, genre, mood="energetic"):
    f = MOOD_FEATURES[mood]
    return [index, spotify_id, artists, f"{title} (Album)", title, 73, 230666, "False", f["danceability"],
            f["energy"], 1, f["loudness"], 0, f["speechiness"], f["acousticness"], f["instrumentalness"],
            f["liveness"], f["valence"], f["tempo"], 4, genre]  # fmt: skip


def spotify_id(n: int) -> str:
    """A well-formed (22 base-62 characters) Spotify id."""
    return f"{n:0>22}"[-22:].replace("0", "A")


SPOTIFY_SONGS_HEADER = [
    "track_id",
    "track_name",
    "track_artist",
    "track_popularity",
    "track_album_id",
    "track_album_name",
    "track_album_release_date",
    "playlist_name",
    "playlist_id",
    "playlist_genre",
    "playlist_subgenre",
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
]


def spotify_songs_row(track_id, title, artist, genre="pop", mood="happy", released="2019-06-14", duration_ms=194754):
    """A row of TidyTuesday's spotify_songs.csv (one track in one playlist)."""
    f = MOOD_FEATURES[mood]
    return [track_id, title, artist, 66, spotify_id(999), f"{title} (Album)", released, "Pop Remix",
            "37i9dQZF1DXcZDD7cfEKhW", genre, f"dance {genre}", f["danceability"], f["energy"], 6, f["loudness"], 1,
            f["speechiness"], f["acousticness"], f["instrumentalness"], f["liveness"], f["valence"], f["tempo"],
            duration_ms]  # fmt: skip


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
