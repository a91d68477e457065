"""evaluate_emotion_model: its JSON contract, plots, de-duplication against Training,
and clear errors for bad data or a missing model."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from emotions.engine.labels import EMOTIONS
from tests.support.engine import SHARED_FER, standard_splits, tiny_model_dir, write_fer_csv, write_image_folders


def evaluate(**options):
    out = StringIO()
    call_command("evaluate_emotion_model", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def model_dir():
    return tiny_model_dir()


@pytest.fixture
def fer_csv(tmp_path):
    return write_fer_csv(tmp_path / "fer2013.csv.gz", standard_splits())


def test_the_json_follows_the_contract(fer_csv, model_dir):
    report = json.loads(evaluate(data=fer_csv, usage="PublicTest", json=True, model_dir=model_dir))

    n = len(standard_splits()["PublicTest"][1])
    assert report["n"] == n
    assert 0.0 <= report["accuracy"] <= 1.0 and 0.0 <= report["macro_f1"] <= 1.0
    assert list(report["per_class"]) == list(EMOTIONS)
    for row in report["per_class"].values():
        assert set(row) >= {"precision", "recall", "f1", "support"}
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (7, 7)
    assert [int(v) for v in matrix.sum(axis=1)] == [report["per_class"][e]["support"] for e in EMOTIONS]
    assert matrix.trace() / n == pytest.approx(report["accuracy"])
    assert report["labels"] == list(EMOTIONS)
    assert report["model"]["runtime"] == "litert-float32"
    assert report["uncertainty"]["threshold"] > 0


def test_it_evaluates_image_folders_and_keras_gives_the_same_numbers(tmp_path, model_dir):
    splits = standard_splits()
    root = write_image_folders(tmp_path / "faces", {"train": splits["Training"], "test": splits["PublicTest"]})

    served = json.loads(evaluate(data=root, usage="PrivateTest", json=True, model_dir=model_dir))
    keras = json.loads(evaluate(data=root, usage="test", json=True, model_dir=model_dir, runtime="keras"))

    assert served["n"] == keras["n"] == len(splits["PublicTest"][1])
    assert served["confusion_matrix"] == keras["confusion_matrix"]


def test_plots_are_written_as_png(fer_csv, model_dir, tmp_path):
    report = json.loads(evaluate(data=fer_csv, json=True, model_dir=model_dir, plots=tmp_path / "plots"))

    for path in report["plots"].values():
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_dedup_leaves_out_faces_seen_in_training(tmp_path, model_dir):
    train_images, train_labels = standard_splits()["Training"]
    test_images, test_labels = standard_splits()["PublicTest"]
    test_images = np.concatenate([test_images, train_images[:5]])
    test_labels = np.concatenate([test_labels, train_labels[:5]])
    path = write_fer_csv(
        tmp_path / "dups.csv.gz", {"Training": (train_images, train_labels), "PublicTest": (test_images, test_labels)}
    )

    report = json.loads(evaluate(data=path, json=True, model_dir=model_dir, dedup_against_training=True))

    assert report["dataset"]["removed_duplicates_of_training"] == 5
    assert report["n"] == len(test_labels) - 5


def test_the_text_report_shows_the_table(fer_csv, model_dir):
    text = evaluate(data=fer_csv, model_dir=model_dir)

    assert "accuracy" in text and "macro-F1" in text and "confusion matrix" in text
    assert all(emotion in text for emotion in EMOTIONS)


def test_a_missing_model_is_a_clear_error(fer_csv, tmp_path):
    with pytest.raises(CommandError, match="No model to evaluate"):
        evaluate(data=fer_csv, model_dir=tmp_path / "none")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"emotion,pixels,Usage\n3,1 2 3,PublicTest\n", "3 pixels, expected 2304"),
        (b"emotion,pixels,Usage\n9," + b"0 " * 2304 + b",PublicTest\n", "outside 0..6"),
        (b"emotion,pixels,Usage\n1,2\n", "expected 3 fields"),
    ],
)
def test_a_corrupt_dataset_is_a_clear_error(tmp_path, model_dir, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        evaluate(data=path, model_dir=model_dir, json=True)


def test_a_corrupt_image_in_a_folder_is_named(tmp_path, model_dir):
    folder = tmp_path / "faces" / "test" / "happy"
    folder.mkdir(parents=True)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")

    with pytest.raises(CommandError, match=r"broken\.png"):
        evaluate(data=tmp_path / "faces", usage="PrivateTest", model_dir=model_dir)


def test_a_split_that_is_not_there_is_a_clear_error(fer_csv, model_dir):
    with pytest.raises(CommandError, match="no usable rows for usage \\['PrivateTest'\\]"):
        evaluate(data=fer_csv, usage="PrivateTest", model_dir=model_dir)


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_FER.exists(), reason="needs ../shared/data/fer2013")
def test_the_real_publictest_split_is_read_and_deduplicated(model_dir):
    report = json.loads(
        evaluate(data=SHARED_FER, usage="PublicTest", json=True, model_dir=model_dir, dedup_against_training=True)
    )

    assert report["dataset"]["n_loaded"] == 3589
    assert 250 <= report["dataset"]["removed_duplicates_of_training"] <= 320
    assert report["n"] == 3589 - report["dataset"]["removed_duplicates_of_training"]
