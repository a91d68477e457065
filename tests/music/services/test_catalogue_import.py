"""The import command: every layout becomes tracks with features and genres,
re-importing never duplicates, bad rows are reported without stopping the import,
and a file with no usable columns is a clear error."""

import io

import pytest
from django.core.management import CommandError, call_command

from music.models import Genre, ImportJob, MoodModelRun, Track
from music.services.catalogue_import import import_csv
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

pytestmark = pytest.mark.django_db


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_tracks", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_imports_the_classic_hits_layout_and_fits_moods(tmp_path):
    rows = [
        classic_hits_row("Happy Song", "Band A", mood="happy", genre="Pop"),
        classic_hits_row("Calm Song", "Band B", mood="calm", genre="Jazz"),
        classic_hits_row("Sad Song", "Band C", mood="sad", genre="Folk"),
    ]
    output = run(write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, rows)))

    assert "3 rows (classic-hits layout): 3 created, 0 updated, 0 unchanged" in output
    assert "Moods refitted: 3 tracks" in output
    moods = dict(Track.objects.values_list("title", "mood"))
    assert moods == {"Happy Song": "happy", "Calm Song": "calm", "Sad Song": "sad"}
    track = Track.objects.get(title="Calm Song")
    assert track.has_features and track.mood_source == "model" and track.cluster is not None
    assert [g.name for g in track.genres.all()] == ["Jazz"]
    assert MoodModelRun.objects.count() == 1
    job = ImportJob.objects.get()
    assert job.status == "succeeded" and job.layout == "classic-hits" and job.summary["created"] == 3


def test_it_imports_the_mood_labelled_layout_keeping_human_labels(tmp_path):
    rows = [
        moods_row("Quiet", "Pianist", spotify_id(1), mood="calm"),
        moods_row("Odd", "Band", spotify_id(2), mood="happy", label="sad"),
    ]
    run(write(tmp_path, "moods.csv", csv_bytes(MOODS_HEADER, rows)), "--no-refit")

    odd = Track.objects.get(spotify_id=spotify_id(2))
    assert odd.mood_label == "sad" and odd.mood == "sad" and odd.mood_source == "label"
    assert odd.spotify_url == f"https://open.spotify.com/track/{spotify_id(2)}"
    assert Track.objects.get(spotify_id=spotify_id(1)).mood == "calm"


def test_it_imports_the_kaggle_layout_merging_a_track_listed_under_several_genres(tmp_path):
    rows = [
        kaggle_row(0, spotify_id(1), "Ingrid Michaelson;ZAYN", "To Begin Again", "acoustic"),
        kaggle_row(1, spotify_id(2), "Gen Hoshino", "Comedy", "j-pop"),
        kaggle_row(2, spotify_id(1), "Ingrid Michaelson;ZAYN", "To Begin Again", "pop"),
    ]
    output = run(write(tmp_path, "dataset.csv", csv_bytes(KAGGLE_HEADER, rows)), "--no-refit")

    assert "3 rows (kaggle-spotify-tracks layout): 2 created, 0 updated, 0 unchanged, 1 repeats" in output
    track = Track.objects.get(spotify_id=spotify_id(1))
    assert track.artists == "Ingrid Michaelson; ZAYN" and track.main_artist == "Ingrid Michaelson"
    assert sorted(g.name for g in track.genres.all()) == ["acoustic", "pop"]


def test_reimporting_updates_and_never_duplicates(tmp_path):
    rows = [classic_hits_row(f"Song {i}", f"Band {i % 7}", mood="happy", genre=f"G{i % 3}") for i in range(40)]
    rows.append(classic_hits_row("Song 3", "Band 3", genre="G9"))  # a repeat under another genre
    path = write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, rows))
    run(path, "--no-refit")
    before = list(Track.objects.order_by("pk").values_list("pk", "title", "energy"))

    output = run(path, "--no-refit")
    assert "41 rows (classic-hits layout): 0 created, 0 updated, 40 unchanged, 1 repeats" in output
    assert list(Track.objects.order_by("pk").values_list("pk", "title", "energy")) == before

    rows[5][6] = 0.99  # energy of "Song 5" corrected in the file
    path.write_bytes(csv_bytes(CLASSIC_HITS_HEADER, rows))
    output = run(path, "--no-refit")
    assert "0 created, 1 updated, 39 unchanged" in output
    assert Track.objects.count() == 40
    assert Track.objects.get(title="Song 5").energy == 0.99


def test_a_reimport_in_small_batches_still_merges_repeats_across_batches(tmp_path):
    rows = [classic_hits_row(f"Song {i}", "Band", genre="Pop") for i in range(10)]
    rows.append(classic_hits_row("SONG 0", "band", genre="Rock", popularity=99))
    data = csv_bytes(CLASSIC_HITS_HEADER, rows)
    summary = import_csv(io.BytesIO(data), batch_size=3)
    assert (summary.created, summary.duplicates) == (10, 1)
    track = Track.objects.get(title="Song 0")
    assert track.popularity == 40  # the first row of a song wins within one import
    assert sorted(g.name for g in track.genres.all()) == ["Pop", "Rock"]
    again = import_csv(io.BytesIO(data), batch_size=4)
    assert (again.created, again.updated, again.unchanged, again.duplicates) == (0, 0, 10, 1)


def test_a_spotify_id_joins_the_track_known_by_title_and_artist(tmp_path):
    run(
        write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, [classic_hits_row("Quiet", "Pianist")])),
        "--no-refit",
    )
    run(
        write(tmp_path, "moods.csv", csv_bytes(MOODS_HEADER, [moods_row("Quiet", "Pianist", spotify_id(9))])),
        "--no-refit",
    )
    track = Track.objects.get()
    assert track.spotify_id == spotify_id(9) and track.album == "Quiet"


def test_malformed_rows_are_reported_and_the_rest_imported(tmp_path):
    good = classic_hits_row("Fine", "Band")
    rows = [good, ["", *good[1:]], [*good[:6], "2.5", *good[7:]], classic_hits_row("Also fine", "Band")]
    output = run(write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, rows)), "--no-refit")

    assert (
        "4 rows (classic-hits layout): 2 created, 0 updated, 0 unchanged, 0 repeats of a track merged, 2 skipped"
        in output
    )
    assert "skipped 1: missing title (e.g. line 3)" in output
    assert "skipped 1: energy outside 0.0..1.0 (e.g. line 4)" in output
    assert Track.objects.count() == 2


def test_a_file_with_no_usable_columns_is_a_clear_command_error(tmp_path):
    path = write(tmp_path, "wrong.csv", csv_bytes(["id", "score"], [["1", "2"]]))
    with pytest.raises(CommandError, match="No usable columns: a track needs a title column"):
        run(path)
    assert ImportJob.objects.get().status == "failed"
    assert not Track.objects.exists()


def test_a_missing_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nope.csv")


def test_tracks_without_features_take_their_mood_from_the_same_artist(tmp_path):
    header = ["title", "artist", "genre"]
    run(write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, [
        classic_hits_row("Lullaby", "Pianist", mood="calm", genre="Classical"),
        classic_hits_row("Nocturne", "Pianist", mood="calm", genre="Classical"),
        classic_hits_row("Anthem", "Shouters", mood="energetic", genre="Metal"),
    ])), "--no-refit")  # fmt: skip
    run(write(tmp_path, "plain.csv", csv_bytes(header, [["Etude", "Pianist", ""], ["Riff", "Newcomers", "Metal"]])))

    etude, riff = Track.objects.get(title="Etude"), Track.objects.get(title="Riff")
    assert not etude.has_features and (etude.mood, etude.mood_source) == ("calm", "artist")
    assert (riff.mood, riff.mood_source) == ("energetic", "genre")


def test_genres_are_matched_whatever_their_case(tmp_path):
    rows = [classic_hits_row("A", "X", genre="Alt. Rock"), classic_hits_row("B", "Y", genre="alt. rock")]
    run(write(tmp_path, "hits.csv", csv_bytes(CLASSIC_HITS_HEADER, rows)), "--no-refit")
    assert list(Genre.objects.values_list("name", flat=True)) == ["Alt. Rock"]
    assert Genre.objects.get().tracks.count() == 2


def test_load_catalogue_imports_once_and_says_how_to_import_without_data(tmp_path, settings):
    (tmp_path / "music").mkdir()
    write(
        tmp_path / "music",
        "classic_hits.csv",
        csv_bytes(CLASSIC_HITS_HEADER, [classic_hits_row("A", "X"), classic_hits_row("B", "Y", mood="sad")]),
    )
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=io.StringIO())
    assert "2 created" in out.getvalue() and "Moods fitted: 2 tracks" in out.getvalue()

    out = io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=io.StringIO())
    assert "Catalogue already loaded" in out.getvalue()
    assert ImportJob.objects.count() == 1 and MoodModelRun.objects.count() == 1

    settings.DATA_DIR = tmp_path / "absent"
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    assert "No catalogue file" in out.getvalue() and "python manage.py import_tracks PATH.csv" in out.getvalue()
    assert "upload a CSV" in out.getvalue()
