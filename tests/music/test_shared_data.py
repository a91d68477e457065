"""Checks against the real datasets in ../shared/data (skipped where it is absent):
the mood classifier's protocol reproduces the held-out numbers the shipped classifier
records, and the real catalogue's header and rows read cleanly."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from music.catalogue.dialects import RowProblem, TrackCSV
from music.moods.classifier import MoodClassifier
from music.moods.training import fit_classifier, load_labelled, split, write_rows

MUSIC = settings.DATA_DIR / "music"
pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not (MUSIC / "data_moods_dev.csv").exists(), reason="shared data is absent"),
]


def test_the_protocol_model_reproduces_the_recorded_held_out_numbers(tmp_path):
    # The shipped classifier is fitted on every labelled track, so its estimate comes from
    # the same configuration fitted on the training part only, scored on the held-out part.
    labelled = MUSIC / "data_moods_dev.csv"
    x, labels, problems, lines = load_labelled(labelled)
    train, held_out = split(labels)
    shipped = MoodClassifier.load().metadata
    protocol = fit_classifier(x[train], [labels[i] for i in train], shipped["chosen"]["degree"], shipped["chosen"]["C"])
    assert protocol.version == shipped["protocol_model_version"]
    protocol.save(tmp_path / "protocol.json")
    path = tmp_path / "held_out.csv"
    write_rows(labelled, sorted(lines[i] for i in held_out), path)

    out = io.StringIO()
    call_command(
        "evaluate_moods", "--csv", str(path), "--label-column", "mood", "--json",
        "--model", str(tmp_path / "protocol.json"), stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert {k: result[k] for k in shipped["held_out"]} == shipped["held_out"]
    assert not problems and result["n"] == 103 and shipped["fitted_on"] == len(labels) == 342


def test_the_real_catalogue_reads_in_its_layout_without_bad_rows():
    with open(MUSIC / "classic_hits.csv", "rb") as stream:
        reader = TrackCSV(stream)
        items = list(reader)
    assert reader.layout.name == "classic-hits"
    assert len(items) == 15150 and not [i for i in items if isinstance(i, RowProblem)]


def test_the_real_spotify_songs_file_gives_most_of_the_catalogue_a_spotify_id():
    # A read of both files (no database): the tracks load_catalogue makes, and how many have an id.
    keys: dict[tuple[str, str], bool] = {}
    with open(MUSIC / "classic_hits.csv", "rb") as stream:
        for item in TrackCSV(stream):
            keys.setdefault(item.keys, False)
    with open(MUSIC / "spotify_songs.csv.gz", "rb") as stream:
        reader = TrackCSV(stream)
        items = list(reader)
    assert reader.layout.name == "spotify-songs" and len(items) == 32833
    assert len([i for i in items if isinstance(i, RowProblem)]) == 5  # five rows without a title
    for item in items:
        if not isinstance(item, RowProblem):
            keys[item.keys] = True
    assert sum(keys.values()) / len(keys) >= 0.6
