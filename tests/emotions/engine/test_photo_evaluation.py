"""evaluate_emotion_model --photos: the whole pipeline (decode, detect, align, classify)
on a labelled photo folder, either labels.csv or <emotion>/ sub-folders.

The photos are real: scikit-image's astronaut (one face), the same photo mirrored, and
its coffee cup (no face), written to a temporary folder at test time."""

import csv
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from skimage import data

from emotions.engine.classifier import get_classifier
from emotions.engine.detector import get_detector
from emotions.engine.labels import EMOTIONS
from emotions.engine.preprocess import decode_image
from tests.support.engine import tiny_model_dir

PHOTOS = {
    "astronaut.jpg": ("happy", lambda: data.astronaut()),
    "mirrored.jpg": ("neutral", lambda: np.ascontiguousarray(data.astronaut()[:, ::-1])),
    "coffee.jpg": ("sad", lambda: data.coffee()),
}


def evaluate(**options):
    out = StringIO()
    call_command("evaluate_emotion_model", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def model_dir():
    return tiny_model_dir()


def write_labels_csv(root):
    (root / "images").mkdir(parents=True)
    with (root / "labels.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "performer", "emotion"])
        for name, (emotion, image) in PHOTOS.items():
            Image.fromarray(image()).save(root / "images" / name, quality=92)
            writer.writerow([f"images/{name}", "01", emotion])
    return root


def write_sub_folders(root):
    for name, (emotion, image) in PHOTOS.items():
        (root / emotion).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image()).save(root / emotion / name, quality=92)
    return root


def test_the_photo_report_follows_the_contract(tmp_path, model_dir):
    root = write_labels_csv(tmp_path / "photos")

    report = json.loads(evaluate(photos=root, json=True, model_dir=model_dir))

    assert report["n"] == 3 and report["faces_found"] == 2
    assert report["labels"] == list(EMOTIONS) and list(report["per_class"]) == list(EMOTIONS)
    # The pipeline's own reading of each photo, largest face first.
    classifier, detector = get_classifier(model_dir), get_detector(report["detector"])
    readings = {}
    for name in PHOTOS:
        faces = classifier.analyse_image(decode_image((root / "images" / name).read_bytes()), detector=detector)
        readings[name] = faces[0] if faces else None
    right = [r is not None and r.emotion == PHOTOS[name][0] for name, r in readings.items()]
    certain = [r is not None and not r.uncertain for r in readings.values()]
    assert report["accuracy"] == pytest.approx(sum(right) / 3)
    assert report["certain_coverage"] == pytest.approx(sum(certain) / 3)
    if any(certain):
        assert report["certain_accuracy"] == pytest.approx(
            sum(r and c for r, c in zip(right, certain, strict=True)) / sum(certain)
        )
    else:
        assert report["certain_accuracy"] is None
    # The coffee photo has no face: wrong, counted in the support and left out of the matrix.
    assert report["per_class"]["sad"] == {**report["per_class"]["sad"], "support": 1, "not_found": 1, "recall": 0.0}
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (7, 7) and matrix.sum() == 2
    supports = [report["per_class"][e]["support"] - report["per_class"][e]["not_found"] for e in EMOTIONS]
    assert [int(v) for v in matrix.sum(axis=1)] == supports
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert report["ms_per_photo_p50"] > 0


def test_emotion_sub_folders_give_the_same_report(tmp_path, model_dir):
    from_csv = json.loads(evaluate(photos=write_labels_csv(tmp_path / "a"), json=True, model_dir=model_dir))
    from_folders = json.loads(evaluate(photos=write_sub_folders(tmp_path / "b"), json=True, model_dir=model_dir))

    for key in ("n", "faces_found", "accuracy", "confusion_matrix", "certain_coverage", "certain_accuracy"):
        assert from_csv[key] == from_folders[key]


def test_the_detector_can_be_chosen_and_the_text_report_names_it(tmp_path, model_dir):
    root = write_sub_folders(tmp_path / "photos")

    text = evaluate(photos=root, model_dir=model_dir, detector="haar")

    assert "detector haar" in text and "3 photos" in text


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("path,emotion\nimages/astronaut.jpg,joyful\n", "unknown emotion 'joyful'"),
        ("file,emotion\nimages/astronaut.jpg,happy\n", "'path' and 'emotion'"),
        ("path,emotion\nimages/missing.jpg,happy\n", "does not exist"),
        ("path,emotion\n../outside.jpg,happy\n", "outside"),
        ("path,emotion\n", "no labelled photos"),
    ],
)
def test_a_bad_photo_folder_is_a_clear_error(tmp_path, model_dir, table, message):
    root = write_labels_csv(tmp_path / "photos")
    (root / "labels.csv").write_text(table)

    with pytest.raises(CommandError, match=message):
        evaluate(photos=root, json=True, model_dir=model_dir)


def test_a_sub_folder_that_is_not_an_emotion_is_a_clear_error(tmp_path, model_dir):
    (tmp_path / "photos" / "holiday").mkdir(parents=True)

    with pytest.raises(CommandError, match="'holiday' is not an emotion"):
        evaluate(photos=tmp_path / "photos", model_dir=model_dir)


def test_the_crop_evaluation_reports_certain_accuracy_and_coverage(tmp_path, model_dir):
    from tests.support.engine import standard_splits, write_fer_csv

    fer = write_fer_csv(tmp_path / "fer.csv.gz", standard_splits())

    report = json.loads(evaluate(data=fer, json=True, model_dir=model_dir))

    assert report["certain_coverage"] == pytest.approx(report["uncertainty"]["coverage"])
    assert report["certain_accuracy"] == report["uncertainty"]["accuracy_confident"]
