"""TidyTuesday's spotify_songs.csv(.gz): its layout is recognised, a song listed in
several playlists or under several Spotify ids is one track, classic hits gain the
Spotify id of the same song, and importing either file again changes nothing."""

import io

import pytest
from django.core.management import call_command

from music.catalogue.dialects import RowProblem, TrackCSV
from music.models import Track
from music.services.catalogue_import import import_csv
from tests.support.music_factories import (
    CLASSIC_HITS_HEADER,
    SPOTIFY_SONGS_HEADER,
    classic_hits_row,
    csv_bytes,
    gzipped,
    spotify_id,
    spotify_songs_row,
)

pytestmark = pytest.mark.django_db


def songs(*rows) -> bytes:
    return gzipped(csv_bytes(SPOTIFY_SONGS_HEADER, list(rows)))


def test_the_gzipped_layout_reads_every_field():
    data = songs(spotify_songs_row(spotify_id(1), "Memories - Dillon Francis Remix", "Maroon 5", released="2019-12"))
    reader = TrackCSV(io.BytesIO(data))
    (record,) = list(reader)
    assert reader.layout.name == "spotify-songs" and reader.layout.one_track_per_song
    assert (record.title, record.artists, record.album) == (
        "Memories - Dillon Francis Remix",
        ["Maroon 5"],
        "Memories - Dillon Francis Remix (Album)",
    )
    assert (record.spotify_id, record.year, record.duration_ms, record.popularity) == (spotify_id(1), 2019, 194754, 66)
    assert record.genres == ["pop"] and record.features["energy"] == 0.74
    assert reader.bytes_read == len(data)  # progress counts the compressed bytes


def test_an_artist_name_with_a_comma_stays_one_artist():
    (record,) = list(TrackCSV(io.BytesIO(songs(spotify_songs_row(spotify_id(1), "EARFQUAKE", "Tyler, The Creator")))))
    assert record.artists == ["Tyler, The Creator"]


def test_a_damaged_gzip_file_stops_with_a_reason_not_a_crash():
    data = songs(*[spotify_songs_row(spotify_id(n), f"Song {n}", "Band") for n in range(1, 2000)])
    items = list(TrackCSV(io.BytesIO(data[: len(data) // 2])))
    assert isinstance(items[-1], RowProblem) and "damaged or cut short" in items[-1].reason
    assert all(not isinstance(i, RowProblem) for i in items[:-1])


def test_a_song_in_several_playlists_or_under_several_ids_is_one_track():
    data = songs(
        spotify_songs_row(spotify_id(1), "Dance Monkey", "Tones and I", genre="pop"),
        spotify_songs_row(spotify_id(1), "Dance Monkey", "Tones and I", genre="edm"),
        spotify_songs_row(spotify_id(2), "Dance Monkey", "TONES AND I", genre="latin", released="2019-05-10"),
        spotify_songs_row(spotify_id(3), "Dance Monkey (Live)", "Tones and I"),
    )
    summary = import_csv(io.BytesIO(data))
    assert (summary.created, summary.duplicates) == (2, 2)
    track = Track.objects.get(spotify_id=spotify_id(1))
    assert sorted(g.name for g in track.genres.all()) == ["edm", "latin", "pop"]
    assert not Track.objects.filter(spotify_id=spotify_id(2)).exists()
    assert track.year == 2019

    again = import_csv(io.BytesIO(data), batch_size=2)
    assert (again.created, again.updated, again.unchanged, again.duplicates) == (0, 0, 2, 2)


def test_classic_hits_gain_the_spotify_id_of_the_same_song_and_keep_their_year(tmp_path):
    hits = tmp_path / "classic_hits.csv"
    hits.write_bytes(
        csv_bytes(
            CLASSIC_HITS_HEADER,
            [classic_hits_row("Don't Stop Me Now", "Queen", year=1978), classic_hits_row("Unmatched", "Nobody")],
        )
    )
    import_csv(hits.open("rb"))
    data = songs(
        spotify_songs_row(spotify_id(7), "Don’t Stop Me Now - Remastered 2011", "Queen", genre="rock", released="2011"),
        spotify_songs_row(spotify_id(8), "Something New", "Newcomers"),
    )
    summary = import_csv(io.BytesIO(data))
    assert (summary.created, summary.updated) == (1, 1)
    queen = Track.objects.get(main_artist="Queen")
    assert queen.spotify_id == spotify_id(7) and queen.year == 1978
    assert sorted(g.name for g in queen.genres.all()) == ["Pop", "rock"]  # the same genre in any case is one
    assert Track.objects.count() == 3

    # Each file imported again changes nothing: the row with the id speaks for the track.
    assert import_csv(io.BytesIO(data)).unchanged == 2
    again = import_csv(hits.open("rb"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Track.objects.get(main_artist="Queen").spotify_id == spotify_id(7)


def test_load_catalogue_imports_both_files_and_reports_the_spotify_id_coverage(tmp_path, settings):
    (tmp_path / "music").mkdir()
    (tmp_path / "music" / "classic_hits.csv").write_bytes(
        csv_bytes(CLASSIC_HITS_HEADER, [classic_hits_row("A", "X"), classic_hits_row("B", "Y", mood="sad")])
    )
    (tmp_path / "music" / "spotify_songs.csv.gz").write_bytes(
        songs(spotify_songs_row(spotify_id(1), "A", "X"), spotify_songs_row(spotify_id(2), "C", "Z", mood="calm"))
    )
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=io.StringIO())
    assert "spotify-songs layout): 1 created, 1 updated" in out.getvalue()
    assert "The catalogue has 3 tracks, 2 with a Spotify id (66.7%)." in out.getvalue()

    out = io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=io.StringIO())
    assert out.getvalue().count("Catalogue already loaded") == 2 and "Moods fitted" not in out.getvalue()
