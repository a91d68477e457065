"""Reading track CSVs: every layout is recognised from its header, rows become
records or problems with reasons, and a header without title or artist is refused."""

import io

import pytest

from music.catalogue.dialects import NoUsableColumns, RowProblem, TrackCSV, TrackRecord
from music.catalogue.normalise import artist_key, title_key
from tests.support.music_factories import (
    CLASSIC_HITS_HEADER,
    KAGGLE_HEADER,
    MOODS_HEADER,
    classic_hits_row,
    csv_bytes,
    kaggle_row,
    moods_row,
    spotify_id,
)


def read(data: bytes, **kwargs):
    reader = TrackCSV(io.BytesIO(data), **kwargs)
    return reader, list(reader)


def test_it_reads_the_classic_hits_layout():
    reader, items = read(csv_bytes(CLASSIC_HITS_HEADER, [classic_hits_row("Hey Jack Kerouac", "10,000 Maniacs")]))
    assert reader.layout.name == "classic-hits"
    (track,) = items
    assert track.title == "Hey Jack Kerouac"
    assert track.artists == ["10,000 Maniacs"]  # a comma inside one artist's name
    assert track.year == 1987 and track.duration_ms == 206413 and track.popularity == 40
    assert track.genres == ["Pop"]
    assert track.features["energy"] == 0.74 and track.features["mode"] == 1 and track.features["time_signature"] == 4
    assert track.spotify_id is None and track.line == 2


def test_it_reads_the_mood_labelled_layout_with_its_label():
    reader, (track,) = read(
        csv_bytes(MOODS_HEADER, [moods_row("A Burden to Bear", "Emmanuelle Rimbaud", spotify_id(7))])
    )
    assert reader.layout.name == "mood-labelled"
    assert track.spotify_id == spotify_id(7)
    assert track.year == 2020 and track.duration_ms == 129410
    assert track.mood_label == "Calm"
    assert "mode" not in track.features and len(track.features) == 11


def test_it_reads_the_kaggle_spotify_tracks_layout_with_several_artists():
    row = kaggle_row(0, spotify_id(1), "Ingrid Michaelson;ZAYN", "To Begin Again", "acoustic")
    reader, (track,) = read(csv_bytes(KAGGLE_HEADER, [row]))
    assert reader.layout.name == "kaggle-spotify-tracks"
    assert track.artists == ["Ingrid Michaelson", "ZAYN"] and track.main_artist == "Ingrid Michaelson"
    assert track.album == "To Begin Again (Album)" and track.genres == ["acoustic"]
    assert track.duration_ms == 230666 and track.popularity == 73


def test_it_reads_an_exportify_playlist_export():
    header = ["Track URI", "Track Name", "Album Name", "Artist Name(s)", "Release Date", "Duration (ms)", "Genres",
              "Danceability", "Energy", "Valence"]  # fmt: skip
    row = [f"spotify:track:{spotify_id(3)}", "Under Pressure", "Hot Space", "Queen, David Bowie", "1982-05-21",
           "248440", "rock,glam rock", "0.671", "0.712", "0.462"]  # fmt: skip
    reader, (track,) = read(csv_bytes(header, [row]))
    assert reader.layout.name == "exportify"
    assert track.spotify_id == spotify_id(3)
    assert track.artists == ["Queen", "David Bowie"]
    assert track.genres == ["rock", "glam rock"]
    assert track.features == {"danceability": 0.671, "energy": 0.712, "valence": 0.462}


def test_it_reads_any_file_that_names_title_and_artist_with_other_delimiters_and_encodings():
    data = csv_bytes(["Song", "Artist", "Length"], [["Café del Mar", "Energy 52", "3:45"]], delimiter=";")
    reader, (track,) = read(b"\xef\xbb\xbf" + data)  # with a byte-order mark
    assert reader.layout.name == "generic" and reader.delimiter == ";"
    assert track.title == "Café del Mar" and track.duration_ms == 225_000

    latin = csv_bytes(["title", "artist"], [["Señorita", "Shawn Mendes"]], delimiter="\t", encoding="cp1252")
    _, (track,) = read(latin)
    assert track.title == "Señorita"


@pytest.mark.parametrize(
    "header",
    [
        ["name", "popularity", "energy"],  # no artist column
        ["artist", "album", "valence"],  # no title column
        ["a", "b", "c"],
    ],
)
def test_a_header_without_title_or_artist_is_a_clear_error(header):
    with pytest.raises(NoUsableColumns, match="No usable columns: a track needs a title column"):
        TrackCSV(io.BytesIO(csv_bytes(header, [["x", "y", "z"]])))


def test_an_empty_file_is_a_clear_error():
    with pytest.raises(NoUsableColumns, match="empty"):
        TrackCSV(io.BytesIO(b""))


def test_malformed_rows_are_reported_with_their_line_and_reason():
    good = classic_hits_row("Fine", "Band")
    rows = [
        good,
        ["", *good[1:]],
        [good[0], "", *good[2:]],
        good[:5],
        [*good[:6], "loud", *good[7:]],
        [*good[:6], "1.7", *good[7:]],
        [good[0], good[1], "19x7", *good[3:]],
        [*good[:7], "12", *good[8:]],
    ]
    _, items = read(csv_bytes(CLASSIC_HITS_HEADER, rows))
    assert isinstance(items[0], TrackRecord)
    problems = [(p.line, p.reason) for p in items[1:]]
    assert all(isinstance(p, RowProblem) for p in items[1:])
    assert problems == [
        (3, "missing title"),
        (4, "missing artist"),
        (5, "wrong number of columns"),
        (6, "bad number in energy"),
        (7, "energy outside 0.0..1.0"),
        (8, "bad number in year"),
        (9, "key outside -1..11"),
    ]


def test_a_bad_spotify_id_is_a_malformed_row():
    row = moods_row("x", "y", "not-an-id")
    _, (problem,) = read(csv_bytes(MOODS_HEADER, [row]))
    assert problem.reason == "bad Spotify id"


def test_reading_streams_the_file_rather_than_loading_it():
    rows = [classic_hits_row(f"Song {i}", f"Artist {i}") for i in range(5000)]
    data = csv_bytes(CLASSIC_HITS_HEADER, rows)
    reader = TrackCSV(io.BytesIO(data))
    iterator = iter(reader)
    next(iterator)
    assert reader.bytes_read < len(data) / 4
    assert sum(1 for _ in iterator) == 4999
    assert reader.bytes_read == len(data)


def test_identity_keys_ignore_case_accents_credits_and_remaster_notes():
    assert title_key("Don't Stop Me Now - Remastered 2011") == title_key("don’t stop me now")
    assert title_key("Señorita (feat. Camila Cabello)") == title_key("Senorita")
    assert title_key("Mr. Brightside - Live") != title_key("Mr. Brightside")
    assert artist_key("The Beatles") == artist_key("BEATLES")
    assert title_key("!!!") == "!!!"
