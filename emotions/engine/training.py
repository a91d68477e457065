"""Training loop for the emotion CNN: seeded, augmented, class-balanced on the
training split only, checkpointed every epoch and resumable.

A run lives in one directory::

    run/config.json      data, hyper-parameters, class weights (written at start)
    run/backup/          Keras BackupAndRestore state (resume point, removed at the end)
    run/history.csv      one line of metrics per epoch (appended across resumes)
    run/best.keras       best model so far by validation accuracy
    run/model.keras      final model (best weights) when the run finishes
    run/metrics.json     evaluation of model.keras on the validation split
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .datasets import FaceDataset
from .labels import EMOTIONS, NUM_CLASSES
from .preprocess import normalise


@dataclass
class TrainConfig:
    architecture: str = "vgg"
    width: int = 32
    epochs: int = 60
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    # Class weights are (n_max / n_c) ** power, from the training split only.
    # 0 = no reweighting, 1 = full inverse frequency; 0.5 trades accuracy for recall
    # on the rare classes (disgust has 436 faces against happy's 7215).
    class_weight_power: float = 0.5
    # Weight of the FER+ crowd vote distribution mixed into the one-hot target.
    ferplus_weight: float = 0.0
    patience: int = 15
    seed: int = 1337
    augment: bool = True
    # Weights to start from (a .keras file or a served model folder holding model.keras):
    # a warm restart of a run that could not finish, with a fresh schedule.
    init_from: str = ""
    extra: dict = field(default_factory=dict)


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    counts = np.bincount(labels, minlength=NUM_CLASSES).astype(np.float64)
    counts[counts == 0] = counts[counts > 0].min() if (counts > 0).any() else 1.0
    weights = (counts.max() / counts) ** power
    return (weights / weights[labels].mean()).astype(np.float32)


def targets(labels: np.ndarray, soft: np.ndarray | None, ferplus_weight: float) -> np.ndarray:
    """One-hot FER2013 labels, optionally blended with the FER+ vote distribution."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    if soft is None or ferplus_weight <= 0:
        return onehot
    has_votes = ~np.isnan(soft).any(axis=1)
    blended = onehot.copy()
    blended[has_votes] = (1 - ferplus_weight) * onehot[has_votes] + ferplus_weight * soft[has_votes]
    return blended


def augmenter(seed: int):
    import keras
    from keras import layers

    # Only one interpolating resample (the rotation): chaining zoom, rotation and
    # translation each with bilinear filtering visibly blurs 48x48 faces.
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", interpolation="nearest", seed=seed + 3),
            layers.RandomRotation(0.03, fill_mode="nearest", seed=seed + 1),
            layers.RandomContrast(0.2, value_range=(0.0, 1.0), seed=seed + 4),
            layers.RandomBrightness(0.1, value_range=(0.0, 1.0), seed=seed + 5),
            layers.RandomErasing(factor=0.5, scale=(0.02, 0.1), value_range=(0.0, 1.0), seed=seed + 6),
        ],
        name="augment",
    )


class ProgressBar:
    """A tqdm progress bar over epochs, with the latest metrics as its postfix."""

    def __init__(self, total: int, initial: int, enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=initial, unit="epoch", disable=not enabled, dynamic_ncols=True)

    def update(self, logs: dict):
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k in ("loss", "val_accuracy", "learning_rate")})
        self.bar.update(1)

    def close(self):
        self.bar.close()


def train(
    train_set: FaceDataset,
    val_set: FaceDataset,
    run_dir: str | Path,
    config: TrainConfig,
    soft_labels: np.ndarray | None = None,
    progress: bool = True,
    log=print,
) -> dict:
    """Train (or resume) a run in ``run_dir``; returns the run summary."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from .architectures import build, load
    from .evaluation import evaluate_probabilities

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path = run_dir / "config.json"
    if config_path.exists():
        saved = {**asdict(TrainConfig()), **json.loads(config_path.read_text())["config"]}
        if saved != asdict(config):
            raise ValueError(
                f"{run_dir} holds a run with a different configuration; "
                "resume with the same options or use a new --run-dir"
            )

    keras.utils.set_random_seed(config.seed)
    weights = class_weights(train_set.labels, config.class_weight_power)
    info = {
        "config": asdict(config),
        "data": {
            "source": train_set.source,
            "train": {
                "usage": sorted(set(train_set.usage.tolist())),
                "n": len(train_set),
                "classes": train_set.class_counts(),
            },
            "validation": {
                "usage": sorted(set(val_set.usage.tolist())),
                "n": len(val_set),
                "classes": val_set.class_counts(),
            },
            "ferplus_soft_labels": soft_labels is not None and config.ferplus_weight > 0,
        },
        "class_weights": {e: float(w) for e, w in zip(EMOTIONS, weights, strict=True)},
        "environment": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
    }
    config_path.write_text(json.dumps(info, indent=2))

    x_train = normalise(train_set.images)
    y_train = targets(train_set.labels, soft_labels, config.ferplus_weight)
    w_train = weights[train_set.labels]
    x_val, y_val = normalise(val_set.images), np.eye(NUM_CLASSES, dtype=np.float32)[val_set.labels]

    steps_per_epoch = int(np.ceil(len(x_train) / config.batch_size))
    train_data = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train, w_train))
        .shuffle(len(x_train), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
    )
    if config.augment:
        augment = augmenter(config.seed)
        train_data = train_data.map(
            lambda x, y, w: (augment(x, training=True), y, w), num_parallel_calls=tf.data.AUTOTUNE
        )
    train_data = train_data.prefetch(tf.data.AUTOTUNE)
    val_data = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256)

    total_steps = steps_per_epoch * config.epochs
    warmup = min(steps_per_epoch * config.warmup_epochs, total_steps // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.01,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )
    model = build(config.architecture, config.width)
    if config.init_from and not (run_dir / "backup").exists():
        source = Path(config.init_from)
        source = source / "model.keras" if source.is_dir() else source
        model.set_weights(load(source).get_weights())
        log(f"Starting from the weights of {source}")
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )

    history_path = run_dir / "history.csv"
    previous = _read_history(history_path)
    best_so_far = max((float(r["val_accuracy"]) for r in previous), default=None)
    done_epochs = len(previous)
    bar = ProgressBar(config.epochs, done_epochs, progress)
    started = time.time()
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.keras"),
            monitor="val_accuracy",
            mode="max",
            save_best_only=True,
            initial_value_threshold=best_so_far,
        ),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=config.patience),
        keras.callbacks.CSVLogger(str(history_path), append=True),
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: bar.update(logs)),
    ]
    if done_epochs:
        log(f"Resuming {run_dir} after epoch {done_epochs} (best val_accuracy so far {best_so_far:.4f})")
    model.fit(
        train_data,
        validation_data=val_data,
        epochs=config.epochs,
        callbacks=callbacks,
        verbose=0,
    )
    bar.close()

    best = keras.models.load_model(run_dir / "best.keras")
    best.save(run_dir / "model.keras")
    probabilities = best.predict(val_data, verbose=0)
    metrics = evaluate_probabilities(val_set.labels, probabilities)
    history = _read_history(history_path)
    summary = {
        **info,
        "epochs_run": len(history),
        "best_epoch": int(np.argmax([float(r["val_accuracy"]) for r in history])) + 1 if history else None,
        "train_seconds_this_session": round(time.time() - started, 1),
        "validation_metrics": metrics,
    }
    (run_dir / "metrics.json").write_text(json.dumps(summary, indent=2))
    return summary


def _read_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as handle:
        return [row for row in csv.DictReader(handle) if row.get("val_accuracy")]
