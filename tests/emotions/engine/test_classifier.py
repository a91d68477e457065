"""The served classifier: LiteRT probabilities that match Keras, batches of any size,
the per-face reading of a real photo, lazy per-process loading and the export folder."""

import json
import subprocess
import sys

import numpy as np
import pytest
from skimage import data

from emotions.engine.classifier import (
    EmotionClassifier,
    FacePrediction,
    ModelNotFound,
    get_classifier,
)
from emotions.engine.labels import EMOTIONS
from emotions.engine.preprocess import normalise
from tests.support.engine import synthetic_faces, tiny_model_dir
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def model_dir():
    return tiny_model_dir()


@pytest.fixture(scope="module")
def classifier(model_dir):
    return EmotionClassifier(model_dir)


@pytest.fixture(scope="module")
def faces():
    return synthetic_faces(6, seed=9)[0]


def test_probabilities_have_seven_classes_and_sum_to_one(classifier, faces):
    probabilities = classifier.predict(faces)

    assert probabilities.shape == (len(faces), 7)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("count", [0, 1, 5, 32, 41])
def test_any_batch_size_gives_the_same_answer_as_one_face_at_a_time(classifier, faces, count):
    batch = np.concatenate([faces] * 2)[:count]

    together = classifier.predict(batch)
    alone = np.array([classifier.predict(face)[0] for face in batch]).reshape(-1, 7)

    assert together.shape == (count, 7)
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_litert_agrees_with_the_keras_model_it_was_converted_from(model_dir, classifier, faces):
    import keras

    keras_model = keras.models.load_model(model_dir / "model.keras", compile=False)

    expected = keras_model.predict(normalise(faces), verbose=0)

    # The LiteRT file itself; the classifier then applies the fitted temperature.
    np.testing.assert_allclose(classifier.model.predict(faces), expected, atol=1e-5)


def test_a_dynamically_quantised_export_agrees_with_keras_closely():
    import keras

    model_dir = tiny_model_dir("dynamic-int8")
    faces = synthetic_faces(10, seed=11)[0]
    expected = keras.models.load_model(model_dir / "model.keras", compile=False).predict(normalise(faces), verbose=0)

    served = EmotionClassifier(model_dir).model.predict(faces)

    assert np.abs(served - expected).max() < 0.02
    assert (served.argmax(1) == expected.argmax(1)).mean() >= 0.95


def test_it_rejects_faces_of_the_wrong_shape_or_type(classifier):
    with pytest.raises(ValueError, match="48, 48"):
        classifier.predict(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        classifier.predict(np.zeros((2, 48, 48), np.float32))


def test_the_astronaut_is_one_face_with_eyes_and_a_full_reading(model_dir):
    predictions = get_classifier(model_dir).analyse_image(data.astronaut())

    assert len(predictions) == 1
    face = predictions[0]
    assert isinstance(face, FacePrediction)
    assert set(face.landmarks) == {"left_eye", "right_eye"}
    assert tuple(face.probabilities) == EMOTIONS
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert face.emotion == max(face.probabilities, key=face.probabilities.get)
    assert face.confidence == pytest.approx(face.probabilities[face.emotion])
    threshold = get_classifier(model_dir).threshold
    assert face.uncertain == (face.confidence < threshold)
    assert json.loads(json.dumps(face.to_dict()))["box"] == list(face.box)


def test_a_photo_without_faces_gives_no_readings(classifier):
    assert classifier.analyse_image(data.coffee()) == []


def test_the_classifier_is_loaded_once_per_process(model_dir):
    assert get_classifier(model_dir) is get_classifier(model_dir)


def test_serving_needs_no_tensorflow(model_dir):
    # The LiteRT interpreter runs the model alone: a web worker that only classifies
    # crops never pays for importing TensorFlow.
    code = (
        "import sys, numpy as np\n"
        "from emotions.engine.classifier import EmotionClassifier\n"
        f"EmotionClassifier({str(model_dir)!r}).predict(np.zeros((3, 48, 48), np.uint8))\n"
        "sys.exit(1 if 'tensorflow' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT).returncode == 0


def test_a_missing_model_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelNotFound, match="train_emotion_model --export"):
        EmotionClassifier(tmp_path)


def test_a_corrupt_runtime_file_is_refused_at_load(model_dir, tmp_path):
    (tmp_path / "metadata.json").write_text((model_dir / "metadata.json").read_text())
    (tmp_path / "model.tflite").write_bytes(b"not a flatbuffer")

    with pytest.raises(ValueError, match="not a LiteRT model"):
        EmotionClassifier(tmp_path)


def test_the_export_records_metrics_threshold_and_provenance(model_dir):
    metadata = json.loads((model_dir / "metadata.json").read_text())

    assert {p.name for p in model_dir.iterdir()} == {"model.keras", "model.tflite", "metadata.json"}
    assert metadata["labels"] == list(EMOTIONS)
    assert metadata["runtime"]["quantization"] == "float32"
    assert 0.0 <= metadata["metrics"]["accuracy"] <= 1.0
    assert len(metadata["metrics"]["confusion_matrix"]) == 7
    assert "deduplicated" in metadata["metrics"]
    uncertainty = metadata["uncertainty"]
    assert 0.0 < uncertainty["threshold"] <= 1.01
    assert 0.0 <= uncertainty["coverage"] <= 1.0
    assert metadata["training"]["config"]["width"] == 4
    assert metadata["version"].startswith("vgg4-")


def test_a_mirrored_export_reads_a_face_and_its_mirror_image_alike(model_dir, faces, tmp_path):
    from emotions.engine.export import export_model
    from tests.support.engine import synthetic_dataset

    served = tmp_path / "mirrored"
    metadata = export_model(
        model_dir / "model.keras", served, synthetic_dataset(10, seed=4, usage="PublicTest"),
        quantization="float32", mirror=True, log=lambda *_: None,
    )  # fmt: skip
    mirrored = EmotionClassifier(served)
    plain = EmotionClassifier(model_dir)

    assert metadata["architecture"] == "vgg4-mirror" and metadata["test_time_augmentation"]
    np.testing.assert_allclose(mirrored.predict(faces), mirrored.predict(faces[:, :, ::-1].copy()), atol=1e-5)
    # The same weights: the mean of the plain model's readings of both images (the LiteRT
    # files' own outputs; each folder has its own fitted temperature on top).
    both = (plain.model.predict(faces) + plain.model.predict(faces[:, :, ::-1].copy())) / 2
    np.testing.assert_allclose(mirrored.model.predict(faces), both, atol=1e-5)


def test_the_classifier_applies_the_recorded_temperature_before_the_threshold(model_dir, faces, tmp_path):
    import shutil

    from emotions.engine.calibration import apply_temperature

    exported = json.loads((model_dir / "metadata.json").read_text())
    assert exported["calibration"]["temperature"] > 0
    assert exported["calibration"]["nll_after"] <= exported["calibration"]["nll_before"] + 1e-9
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    metadata = {**exported, "calibration": {"temperature": 3.0}, "uncertainty": {"threshold": 0.3}}
    (copy / "metadata.json").write_text(json.dumps(metadata))

    classifier = EmotionClassifier(copy)
    raw = classifier.model.predict(faces)
    served = classifier.predict(faces)

    np.testing.assert_allclose(served, apply_temperature(raw, 3.0), atol=1e-6)
    assert (served.argmax(1) == raw.argmax(1)).all()
    assert served.max(axis=1).mean() < raw.max(axis=1).mean()
    reading = classifier._prediction(type("F", (), {"box": (0, 0, 48, 48), "eyes": None, "score": 1.0})(), served[0])
    assert reading.confidence == pytest.approx(float(served[0].max()))
    assert reading.uncertain == (served[0].max() < 0.3)

    (copy / "metadata.json").write_text(json.dumps({**metadata, "calibration": {"temperature": 0}}))
    with pytest.raises(ValueError, match="temperature must be positive"):
        EmotionClassifier(copy)
