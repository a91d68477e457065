"""Checks against the real datasets in ../shared/data (skipped where it is absent):
the shipped mood classifier reproduces the held-out numbers it records, and the real
catalogue's header and rows read cleanly."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from music.catalogue.dialects import RowProblem, TrackCSV
from music.moods.classifier import MoodClassifier
from music.moods.training import load_labelled, split, write_rows

MUSIC = settings.DATA_DIR / "music"
pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not (MUSIC / "data_moods_dev.csv").exists(), reason="shared data is absent"),
]


def test_the_shipped_classifier_reproduces_its_held_out_numbers(tmp_path):
    labelled = MUSIC / "data_moods_dev.csv"
    _, labels, problems, lines = load_labelled(labelled)
    _, held_out = split(labels)
    path = tmp_path / "held_out.csv"
    write_rows(labelled, sorted(lines[i] for i in held_out), path)

    out = io.StringIO()
    call_command("evaluate_moods", "--csv", str(path), "--label-column", "mood", "--json", stdout=out)
    result = json.loads(out.getvalue())
    recorded = MoodClassifier.load().metadata["held_out"]
    assert {k: result[k] for k in recorded} == recorded
    assert not problems and result["n"] == 103


def test_the_real_catalogue_reads_in_its_layout_without_bad_rows():
    with open(MUSIC / "classic_hits.csv", "rb") as stream:
        reader = TrackCSV(stream)
        items = list(reader)
    assert reader.layout.name == "classic-hits"
    assert len(items) == 15150 and not [i for i in items if isinstance(i, RowProblem)]
