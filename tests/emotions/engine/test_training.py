"""train_emotion_model end to end on tiny generated datasets, in both FER2013 formats:
it trains, resumes after an interruption, refuses to retrain a finished run, and
exports the served model folder."""

import csv
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from emotions.engine import training
from tests.support.engine import standard_splits, write_fer_csv, write_image_folders


class Interrupted(Exception):
    pass


def run(*args, **options):
    out = StringIO()
    call_command("train_emotion_model", *args, stdout=out, no_progress=True, **options)
    return out.getvalue()


@pytest.fixture
def fer_csv(tmp_path):
    return write_fer_csv(tmp_path / "fer2013.csv.gz", standard_splits())


def test_an_interrupted_run_resumes_finishes_and_is_not_retrained(fer_csv, tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    calls = []

    def stop_after_first_epoch(self, logs):
        calls.append(logs)
        raise Interrupted

    with monkeypatch.context() as patch:
        patch.setattr(training.ProgressBar, "update", stop_after_first_epoch)
        with pytest.raises(Interrupted):
            run(data=fer_csv, run_dir=run_dir, epochs=2, width=4, batch_size=16)
    assert len(calls) == 1
    assert (run_dir / "state.npz").exists() and not (run_dir / "metrics.json").exists()

    output = run(data=fer_csv, run_dir=run_dir)

    assert "Resuming" in output and "after epoch 1" in output
    with (run_dir / "history.csv").open() as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1"]
    summary = json.loads((run_dir / "metrics.json").read_text())
    assert summary["epochs_run"] == 2
    assert summary["config"]["width"] == 4
    assert summary["data"]["train"]["usage"] == ["Training"]
    assert summary["data"]["validation"]["usage"] == ["PublicTest"]

    again = run(data=fer_csv, run_dir=run_dir)

    assert "already finished" in again and "not retraining" in again
    with pytest.raises(CommandError, match="different options"):
        run(data=fer_csv, run_dir=run_dir, width=8)


def test_image_folders_train_and_export_a_served_model(tmp_path):
    splits = standard_splits()
    root = write_image_folders(tmp_path / "faces", {"train": splits["Training"], "val": splits["PublicTest"]})
    model_dir = tmp_path / "served"

    output = run(
        data=root, run_dir=tmp_path / "run", epochs=1, width=4, export=True, model_dir=model_dir, quantization="float32"
    )

    assert "Finished after 1 epochs" in output
    assert "Exported" in output
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["metrics"]["n"] == len(splits["PublicTest"][1])
    assert (model_dir / "model.tflite").stat().st_size > 0


def test_limit_trains_on_a_sample(fer_csv, tmp_path):
    run(data=fer_csv, run_dir=tmp_path / "run", epochs=1, width=4, limit=14)

    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["data"]["train"]["n"] == 14
    assert config["data"]["validation"]["n"] == 3


def test_a_ferplus_run_needs_its_vote_file_to_resume(fer_csv, tmp_path):
    with pytest.raises(CommandError, match="--ferplus"):
        run(data=fer_csv, run_dir=tmp_path / "run", epochs=1, width=4, ferplus_weight=0.5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"emotion,pixels,Usage\n3,1 2 3,Training\n", "3 pixels, expected 2304"),
        (b"emotion,pixels,Usage\nhappy," + b"0 " * 2304 + b",Training\n", "is not a number"),
        (b"label,image\n1,2\n", "missing column"),
        (b"\x1f\x8b\x08\x00garbage", "unreadable"),
    ],
)
def test_a_corrupt_or_wrong_shaped_dataset_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        run(data=path, run_dir=tmp_path / "run", epochs=1, width=4)


def test_a_dataset_without_a_validation_split_is_refused(tmp_path):
    path = write_fer_csv(tmp_path / "train-only.csv", {"Training": standard_splits()["Training"]}, compress=False)

    with pytest.raises(CommandError, match="no rows with usage 'PublicTest'"):
        run(data=path, run_dir=tmp_path / "run", epochs=1, width=4)


def test_an_unknown_class_folder_is_named_in_the_error(tmp_path):
    splits = standard_splits()
    root = write_image_folders(tmp_path / "faces", {"train": splits["Training"], "val": splits["PublicTest"]})
    (root / "train" / "contempt").mkdir()

    with pytest.raises(CommandError, match="unknown class folder 'contempt'"):
        run(data=root, run_dir=tmp_path / "run", epochs=1, width=4)


def test_a_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(data=tmp_path / "nowhere.csv", run_dir=tmp_path / "run")


def test_a_run_folder_being_trained_by_another_process_is_refused(fer_csv, tmp_path):
    import fcntl

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with (run_dir / ".train.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)

        with pytest.raises(CommandError, match="being trained by another process"):
            run(data=fer_csv, run_dir=run_dir, epochs=1, width=4)


def starting_weights(monkeypatch, **options) -> list:
    """The weights a run would start training from: fit is stopped at its first call."""
    import keras

    seen = []

    def record_starting_weights(self, *args, **kwargs):
        seen.append([w.copy() for w in self.get_weights()])
        raise Interrupted

    with monkeypatch.context() as patch:
        patch.setattr(keras.Model, "fit", record_starting_weights)
        with pytest.raises(Interrupted):
            run(**options)
    assert len(seen) == 1
    return seen[0]


def same_weights(a: list, b: list) -> bool:
    return len(a) == len(b) and all((x == y).all() for x, y in zip(a, b, strict=True))


def test_a_warm_restart_starts_from_the_given_weights(fer_csv, tmp_path, monkeypatch):
    from emotions.engine.architectures import load

    run(data=fer_csv, run_dir=tmp_path / "first", epochs=1, width=4, batch_size=16)
    source = load(tmp_path / "first" / "model.keras")

    start = starting_weights(
        monkeypatch, data=fer_csv, run_dir=tmp_path / "second", epochs=1, width=4, init_from=str(tmp_path / "first")
    )
    assert same_weights(start, source.get_weights())


def test_a_mirrored_served_model_can_seed_a_warm_restart(fer_csv, tmp_path, monkeypatch):
    from emotions.engine.architectures import load

    served = tmp_path / "served"
    out = run(data=fer_csv, run_dir=tmp_path / "first", epochs=1, width=4, batch_size=16, export=True,
              model_dir=served, mirror=True, quantization="float32")  # fmt: skip
    assert "Exported vgg4-mirror-" in out

    start = starting_weights(
        monkeypatch, data=fer_csv, run_dir=tmp_path / "second", epochs=1, width=4, init_from=str(served)
    )
    assert same_weights(start, load(tmp_path / "first" / "model.keras").get_weights())


def test_a_committed_state_file_carries_a_run_to_another_machine(fer_csv, tmp_path, monkeypatch):
    """The run folder (var/) is lost between stretches of work; the state file alone
    continues the run where it stopped, with its options, history and optimiser."""
    state_file = tmp_path / "repo" / "sgd-crop.npz"
    options = {"epochs": 2, "width": 4, "batch_size": 16, "optimizer": "sgd", "crop": 40, "mixup": 0.2}

    def stop_after_first_epoch(self, logs):
        raise Interrupted

    with monkeypatch.context() as patch:
        patch.setattr(training.ProgressBar, "update", stop_after_first_epoch)
        with pytest.raises(Interrupted):
            run(data=fer_csv, run_dir=tmp_path / "machine-1", state_file=state_file, **options)
    saved = training._load_state(state_file)
    assert saved["epoch"] == 1 and saved["info"]["config"]["optimizer"] == "sgd"
    assert any(slot.dtype == np.float16 for slot in saved["optimizer"])  # momentum kept compactly

    start = starting_weights(monkeypatch, data=fer_csv, run_dir=tmp_path / "machine-2", state_file=state_file)
    assert same_weights(start, saved["weights"])

    output = run(data=fer_csv, run_dir=tmp_path / "machine-3", state_file=state_file, export=True,
                 model_dir=tmp_path / "served", quantization="float32")  # fmt: skip
    assert "Restoring the run" in output and "after epoch 1" in output
    with (tmp_path / "machine-3" / "history.csv").open() as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1"]
    # Trained on 40x40 crops, served on whole faces through an in-graph centre crop.
    metadata = json.loads((tmp_path / "served" / "metadata.json").read_text())
    assert metadata["metrics"]["n"] == len(standard_splits()["PublicTest"][1])
    assert not state_file.exists()  # exported: the state has done its job


def test_options_the_state_file_did_not_start_with_are_refused(fer_csv, tmp_path, monkeypatch):
    state_file = tmp_path / "run.npz"

    def stop(self, logs):
        raise Interrupted

    with monkeypatch.context() as patch:
        patch.setattr(training.ProgressBar, "update", stop)
        with pytest.raises(Interrupted):
            run(data=fer_csv, run_dir=tmp_path / "a", state_file=state_file, epochs=2, width=4, batch_size=16)

    with pytest.raises(CommandError, match="different configuration"):
        run(data=fer_csv, run_dir=tmp_path / "b", state_file=state_file, width=8)
