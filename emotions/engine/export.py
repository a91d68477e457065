"""Turn a trained Keras model into a served model folder.

``export_model`` writes ``model.keras`` (without optimiser state), ``model.tflite``
(LiteRT) and ``metadata.json`` into ``model_dir``, replacing what was there only once
everything is written. The metrics in the metadata are measured with the LiteRT file
itself, through the same ``LiteRTModel`` the product serves.

Quantisation: ``dynamic-int8`` (int8 weights, activations quantised on the fly) runs a
face about 5x faster than ``float32`` on this AVX-512 CPU and is a quarter of the size;
``auto`` takes it when its PublicTest accuracy is within ``ACCURACY_TOLERANCE`` of the
Keras model's, else falls back to ``float32``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .calibration import CERTAIN_PRECISION, apply_temperature, calibrate, reliability_bins, risk_coverage
from .classifier import METADATA_FILE, MODEL_FILE, RUNTIME_FILE, LiteRTModel
from .datasets import FaceDataset
from .evaluation import duplicate_mask, evaluate_probabilities
from .labels import EMOTIONS
from .preprocess import FACE_MARGIN, FACE_SIZE, normalise

QUANTIZATIONS = ("dynamic-int8", "float16", "float32", "int8")
AUTO_ORDER = ("dynamic-int8", "float32")
# Largest PublicTest accuracy a quantised model may lose against its Keras original.
ACCURACY_TOLERANCE = 0.003
# Training faces used to calibrate full-integer quantisation.
CALIBRATION_FACES = 500


def convert_to_litert(model, quantization: str, calibration: np.ndarray | None = None) -> bytes:
    """Convert a Keras model to a LiteRT flatbuffer; the batch dimension stays dynamic."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}; choose from {', '.join(QUANTIZATIONS)}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantization != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantization == "int8":
        if calibration is None:
            raise ValueError("int8 quantization needs calibration faces (pass the training split)")
        samples = normalise(calibration)
        converter.representative_dataset = lambda: ([samples[i : i + 1]] for i in range(len(samples)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def export_model(
    keras_path: str | Path,
    model_dir: str | Path,
    val_set: FaceDataset,
    train_set: FaceDataset | None = None,
    quantization: str = "auto",
    min_precision: float = CERTAIN_PRECISION,
    mirror: bool = False,
    log=print,
) -> dict:
    """Write the served model folder from ``keras_path``; returns the metadata.

    ``val_set`` (PublicTest) gives the recorded metrics and the uncertainty threshold.
    ``train_set``, when given, adds metrics on the validation faces that are not
    byte-identical to a training face, and calibrates ``int8`` quantisation.
    ``mirror`` serves the mean of the model's reading of a face and of its mirror image
    (``architectures.with_mirror_average``): twice the work per face for a steadier reading.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keras_path, model_dir = Path(keras_path), Path(model_dir)
    if quantization != "auto" and quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}; choose auto or one of {', '.join(QUANTIZATIONS)}")
    from .architectures import load, with_mirror_average

    model = load(keras_path)
    if mirror and not model.name.endswith("-mirror"):
        model = with_mirror_average(model)
    if tuple(model.input_shape[1:]) != (FACE_SIZE, FACE_SIZE, 1) or model.output_shape[-1] != len(EMOTIONS):
        raise ValueError(
            f"{keras_path}: expected (n, 48, 48, 1) -> (n, 7), got {model.input_shape} -> {model.output_shape}"
        )

    model_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}-export-", dir=model_dir.parent))
    # mkdtemp makes the folder private; the served model must be readable by the web
    # server and worker users.
    staging.chmod(0o755)
    try:
        # Loaded without compiling, the model carries no optimiser state: a third of the
        # size of a training checkpoint.
        model.save(staging / MODEL_FILE)
        keras_probabilities = model.predict(normalise(val_set.images), batch_size=256, verbose=0)
        keras_accuracy = float((keras_probabilities.argmax(axis=1) == val_set.labels).mean())
        log(f"Keras model: PublicTest accuracy {keras_accuracy:.4f} on {len(val_set)} faces")

        calibration = None
        if train_set is not None:
            picks = np.random.default_rng(0).choice(
                len(train_set), min(CALIBRATION_FACES, len(train_set)), replace=False
            )
            calibration = train_set.images[np.sort(picks)]
        candidates = AUTO_ORDER if quantization == "auto" else (quantization,)
        tried = {}
        for candidate in candidates:
            flatbuffer = convert_to_litert(model, candidate, calibration)
            (staging / RUNTIME_FILE).write_bytes(flatbuffer)
            probabilities = LiteRTModel(staging / RUNTIME_FILE).predict(val_set.images)
            accuracy = float((probabilities.argmax(axis=1) == val_set.labels).mean())
            tried[candidate] = {
                "accuracy": accuracy,
                "bytes": len(flatbuffer),
                "top1_agreement_with_keras": float((probabilities.argmax(1) == keras_probabilities.argmax(1)).mean()),
                "max_abs_probability_difference": float(np.abs(probabilities - keras_probabilities).max()),
            }
            log(f"LiteRT {candidate}: accuracy {accuracy:.4f}, {len(flatbuffer) / 1e6:.1f} MB")
            if quantization != "auto" or accuracy >= keras_accuracy - ACCURACY_TOLERANCE:
                break
        chosen = candidate

        calibrated, uncertainty, evaluation = measure_served(
            probabilities, val_set, train_set, min_precision, f"litert-{chosen}"
        )
        metrics = evaluation
        digest = hashlib.sha256((staging / RUNTIME_FILE).read_bytes()).hexdigest()
        created = dt.datetime.now(dt.UTC)
        metadata = {
            "format": 1,
            "version": f"{model.name}-{created:%Y%m%d}-{digest[:8]}",
            "created": created.isoformat(timespec="seconds"),
            "labels": list(EMOTIONS),
            "architecture": model.name,
            "parameters": int(model.count_params()),
            "test_time_augmentation": "mean of the face and its mirror image"
            if model.name.endswith("-mirror")
            else None,
            "input": {
                "size": [FACE_SIZE, FACE_SIZE],
                "colour": "grey",
                "scale": "pixel / 255",
                "face_margin": FACE_MARGIN,
                "aligned_by_eyes": True,
            },
            "runtime": {
                "file": RUNTIME_FILE,
                "engine": "litert",
                "quantization": chosen,
                "sha256": digest,
                "keras_accuracy": keras_accuracy,
                "tried": tried,
            },
            "calibration": calibrated,
            "uncertainty": uncertainty,
            "metrics": evaluation,
            "training": _training_record(keras_path.parent),
            "source_model": str(keras_path),
        }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        _replace_dir(staging, model_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(
        f"Exported {metadata['version']} to {model_dir}: accuracy {metrics['accuracy']:.4f}, "
        f"macro-F1 {metrics['macro_f1']:.4f}, temperature {calibrated['temperature']:.3f}, "
        f"uncertain below {uncertainty['threshold']:.3f} "
        f"(coverage {uncertainty['coverage']:.2f})"
    )
    return metadata


def measure_served(
    raw_probabilities: np.ndarray,
    val_set: FaceDataset,
    train_set: FaceDataset | None,
    min_precision: float,
    runtime: str,
) -> tuple[dict, dict, dict]:
    """The ``calibration``, ``uncertainty`` and ``metrics`` blocks of a model's metadata,
    from its LiteRT file's raw probabilities on ``val_set`` (PublicTest).

    Temperature and certainty threshold are fitted on the served file's own output; every
    recorded metric is then of the calibrated probabilities the product serves.
    """
    fitted = calibrate(val_set.labels, raw_probabilities, min_precision)
    probabilities = apply_temperature(raw_probabilities, fitted["calibration"]["temperature"])
    evaluation = {
        "split": sorted(set(val_set.usage.tolist())),
        "source": val_set.source,
        "runtime": runtime,
        **evaluate_probabilities(val_set.labels, probabilities),
        "risk_coverage": risk_coverage(val_set.labels, probabilities),
        "reliability": reliability_bins(val_set.labels, probabilities),
    }
    if train_set is not None:
        duplicates = duplicate_mask(val_set.images, train_set.images)
        unique = ~duplicates
        evaluation["deduplicated"] = {
            "removed_duplicates_of_training": int(duplicates.sum()),
            **evaluate_probabilities(val_set.labels[unique], probabilities[unique]),
        }
    return fitted["calibration"], fitted["uncertainty"], evaluation


def recalibrate_model_dir(
    model_dir: str | Path,
    val_set: FaceDataset,
    train_set: FaceDataset | None = None,
    min_precision: float = CERTAIN_PRECISION,
    log=print,
) -> dict:
    """Re-fit the temperature and the certainty threshold of an exported model folder on
    ``val_set`` through its LiteRT file, and rewrite its metadata (the model files are
    untouched; the metadata is replaced in one rename)."""
    model_dir = Path(model_dir)
    path = model_dir / METADATA_FILE
    metadata = json.loads(path.read_text())
    raw = LiteRTModel(model_dir / RUNTIME_FILE).predict(val_set.images)
    runtime = f"litert-{metadata.get('runtime', {}).get('quantization', 'unknown')}"
    calibration, uncertainty, evaluation = measure_served(raw, val_set, train_set, min_precision, runtime)
    metadata["calibration"] = calibration
    metadata["uncertainty"] = uncertainty
    metadata["metrics"] = evaluation
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(json.dumps(metadata, indent=2) + "\n")
    staging.chmod(0o644)
    staging.replace(path)
    log(
        f"{metadata.get('version')}: temperature {calibration['temperature']:.4f} "
        f"(NLL {calibration['nll_before']:.4f} -> {calibration['nll_after']:.4f}, "
        f"ECE {calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f}); "
        f"certain at >= {uncertainty['threshold']:.4f}: accuracy {uncertainty['accuracy_confident']}, "
        f"coverage {uncertainty['coverage']:.4f} on {uncertainty['n']} faces"
    )
    return metadata


def _training_record(run_dir: Path) -> dict | None:
    """The run's configuration and history summary, when the model comes from a run folder."""
    record = None
    for name in ("metrics.json", "config.json"):
        path = run_dir / name
        if path.exists():
            record = json.loads(path.read_text())
            break
    if record is None:
        return None
    # The validation metrics are re-measured with the served runtime above.
    record.pop("validation_metrics", None)
    return record


def _replace_dir(staging: Path, target: Path) -> None:
    previous = None
    if target.exists():
        previous = target.with_name(f".{target.name}-previous")
        shutil.rmtree(previous, ignore_errors=True)
        target.rename(previous)
    staging.rename(target)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
