"""Training loop for the emotion CNN: seeded, augmented, class-balanced on the
training split only, checkpointed every epoch and resumable.

A run lives in one directory::

    run/config.json      data, hyper-parameters, class weights (written at start)
    run/state.npz        the resumable state after the last epoch (weights, optimiser, schedule
                         position, history): a copy can be committed (``state_file``)
    run/history.csv      one line of metrics per epoch
    run/best.keras       best model so far by validation accuracy
    run/model.keras      final model (best weights) when the run finishes
    run/metrics.json     evaluation of model.keras on the validation split
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .datasets import FaceDataset
from .labels import EMOTIONS, NUM_CLASSES
from .preprocess import FACE_SIZE, normalise


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
    # "adamw", or "sgd": SGD with Nesterov momentum.
    optimizer: str = "adamw"
    momentum: float = 0.9
    # Train on random crops of this side (0: whole 48x48 faces); validation and serving
    # read the centre crop of the whole face.
    crop: int = 0
    # Mixup's Beta(alpha, alpha) parameter (0: no mixup).
    mixup: float = 0.0
    # Keras dtype policy: "float32" or "mixed_bfloat16" (the CPU has AVX-512 BF16).
    precision: str = "float32"
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


def augmenter(seed: int, crop: int = 0):
    import keras
    from keras import layers

    # Only one interpolating resample (the rotation): chaining zoom, rotation and
    # translation each with bilinear filtering visibly blurs 48x48 faces. With ``crop``
    # the random crop does the shifting.
    steps = (
        [layers.RandomCrop(crop, crop, seed=seed + 2)]
        if crop
        else [layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", interpolation="nearest", seed=seed + 3)]
    )
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            *steps,
            layers.RandomRotation(0.03, fill_mode="nearest", seed=seed + 1),
            layers.RandomContrast(0.2, value_range=(0.0, 1.0), seed=seed + 4),
            layers.RandomBrightness(0.1, value_range=(0.0, 1.0), seed=seed + 5),
            layers.RandomErasing(factor=0.5, scale=(0.02, 0.1), value_range=(0.0, 1.0), seed=seed + 6),
        ],
        name="augment",
    )


def mixup(alpha: float, seed: int):
    """Mixup (Zhang et al. 2018) within a batch: faces, targets and sample weights blended
    with one Beta(alpha, alpha) weight per batch and a shuffled partner for each face."""
    import tensorflow as tf

    def mix(x, y, w):
        a = tf.random.gamma([], alpha, seed=seed)
        b = tf.random.gamma([], alpha, seed=seed + 1)
        lam = a / (a + b)
        partner = tf.random.shuffle(tf.range(tf.shape(x)[0]), seed=seed + 2)
        return (
            lam * x + (1 - lam) * tf.gather(x, partner),
            lam * y + (1 - lam) * tf.gather(y, partner),
            lam * w + (1 - lam) * tf.gather(w, partner),
        )

    return mix


def centre_crop(images: np.ndarray, side: int) -> np.ndarray:
    if not side or side >= images.shape[1]:
        return images
    top = (images.shape[1] - side) // 2
    left = (images.shape[2] - side) // 2
    return images[:, top : top + side, left : left + side]


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
    state_file: str | Path | None = None,
) -> dict:
    """Train (or resume) a run in ``run_dir``; returns the run summary.

    Each epoch ends by writing the run's whole resumable state to ``run/state.npz`` (and
    to ``state_file`` when given: a copy that can be committed, so a run outlives the
    machine it started on). A run folder without a state file but with an existing
    ``state_file`` resumes from that file.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from .architectures import build, load, with_centre_crop
    from .evaluation import evaluate_probabilities

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state_path = run_dir / STATE_FILE
    if not state_path.exists() and state_file is not None and Path(state_file).exists():
        _restore_run_folder(Path(state_file), run_dir, config)
        log(f"Restoring the run from {state_file}")
    config_path = run_dir / "config.json"
    if config_path.exists():
        saved = {**asdict(TrainConfig()), **json.loads(config_path.read_text())["config"]}
        if saved != asdict(config):
            raise ValueError(
                f"{run_dir} holds a run with a different configuration; "
                "resume with the same options or use a new --run-dir"
            )

    keras.utils.set_random_seed(config.seed)
    keras.mixed_precision.set_global_policy(config.precision)
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
    x_val = centre_crop(normalise(val_set.images), config.crop)
    y_val = np.eye(NUM_CLASSES, dtype=np.float32)[val_set.labels]
    val_data = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256)

    def epoch_data(epoch: int):
        # Every epoch's order, augmentation and mixing follow from (seed, epoch) alone, so a
        # resumed run sees the data a run without the interruption would have seen.
        seed = config.seed + 1000 * epoch
        data = (
            tf.data.Dataset.from_tensor_slices((x_train, y_train, w_train))
            .shuffle(len(x_train), seed=seed)
            .batch(config.batch_size)
        )
        if config.augment:
            augment = augmenter(seed, config.crop)
            data = data.map(lambda x, y, w: (augment(x, training=True), y, w), num_parallel_calls=tf.data.AUTOTUNE)
        elif config.crop:
            data = data.map(lambda x, y, w: (tf.image.resize_with_crop_or_pad(x, config.crop, config.crop), y, w))
        if config.mixup > 0:
            data = data.map(mixup(config.mixup, seed))
        return data.prefetch(tf.data.AUTOTUNE)

    steps_per_epoch = int(np.ceil(len(x_train) / config.batch_size))
    total_steps = steps_per_epoch * config.epochs
    warmup = min(steps_per_epoch * config.warmup_epochs, total_steps // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.01,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )
    model = build(config.architecture, config.width, config.crop or FACE_SIZE)
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(
            learning_rate=schedule, momentum=config.momentum, nesterov=True, weight_decay=config.weight_decay
        )
    elif config.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay)
    else:
        raise ValueError(f"unknown optimizer {config.optimizer!r}; choose adamw or sgd")
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )

    history_path = run_dir / "history.csv"
    previous = _read_history(history_path)
    state = _load_state(state_path) if state_path.exists() else None
    if state is not None:
        _apply_state(model, state)
        previous = previous[: state["epoch"]]
    elif config.init_from:
        source = Path(config.init_from)
        source = source / "model.keras" if source.is_dir() else source
        model.set_weights(load(source).get_weights())
        log(f"Starting from the weights of {source}")
        previous = []
    else:
        previous = []
    done_epochs = len(previous)
    best_so_far = max((float(r["val_accuracy"]) for r in previous), default=None)
    best_epoch = int(np.argmax([float(r["val_accuracy"]) for r in previous])) if previous else None
    bar = ProgressBar(config.epochs, done_epochs, progress)
    started = time.time()
    if done_epochs:
        log(f"Resuming {run_dir} after epoch {done_epochs} (best val_accuracy so far {best_so_far:.4f})")
    _write_history(history_path, previous)
    best_path = run_dir / "best.keras"
    for epoch in range(done_epochs, config.epochs):
        if best_epoch is not None and epoch - best_epoch > config.patience:
            log(f"Stopping early: no better val_accuracy for {config.patience} epochs")
            break
        keras.utils.set_random_seed(config.seed + 1000 * epoch)
        fit = model.fit(
            epoch_data(epoch),
            validation_data=val_data,
            initial_epoch=epoch,
            epochs=epoch + 1,
            shuffle=False,  # the data set shuffles itself, seeded per epoch
            verbose=0,
        )
        logs = {key: float(values[-1]) for key, values in fit.history.items()}
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        previous.append({"epoch": str(epoch), **{key: repr(value) for key, value in logs.items()}})
        if best_so_far is None or logs["val_accuracy"] > best_so_far:
            best_so_far, best_epoch = logs["val_accuracy"], epoch
            model.save(best_path)
        _write_history(history_path, previous)
        _save_state(state_path, model, epoch + 1, info, previous)
        if state_file is not None:
            Path(state_file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state_path, f"{state_file}.tmp")
            os.replace(f"{state_file}.tmp", state_file)
        bar.update(logs)
    bar.close()

    if best_path.exists():
        best, chosen = keras.models.load_model(best_path), f"best epoch {best_epoch + 1}"
    else:
        # The best epoch's weights lived on a machine that is gone; the last ones are
        # what the run has (a cosine schedule ends at its lowest learning rate).
        best, chosen = model, "last epoch (the best epoch's weights were not kept)"
    keras.mixed_precision.set_global_policy("float32")
    served = build(config.architecture, config.width, config.crop or FACE_SIZE)
    served.set_weights(best.get_weights())
    served = with_centre_crop(served)
    served.save(run_dir / "model.keras")
    probabilities = served.predict(normalise(val_set.images), batch_size=256, verbose=0)
    metrics = evaluate_probabilities(val_set.labels, probabilities)
    history = _read_history(history_path)
    summary = {
        **info,
        "epochs_run": len(history),
        "best_epoch": int(np.argmax([float(r["val_accuracy"]) for r in history])) + 1 if history else None,
        "model_weights": chosen,
        "train_seconds_this_session": round(time.time() - started, 1),
        "validation_metrics": metrics,
    }
    (run_dir / "metrics.json").write_text(json.dumps(summary, indent=2))
    return summary


# The run's resumable state: weights, optimiser slots and schedule position (the
# optimiser's step counter), the epochs done and their history. The data order and
# augmentation of each epoch follow from the seed and the epoch number, so no random
# generator state needs keeping.
STATE_FILE = "state.npz"


def _save_state(path: Path, model, epoch: int, info: dict, history: list[dict]) -> None:
    import keras

    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    for i, variable in enumerate(model.optimizer.variables):
        value = np.asarray(variable.numpy())
        # Momentum and moment slots lose nothing that matters in float16 only for SGD;
        # Adam's second moments underflow there, so they stay float32.
        if value.dtype == np.float32 and isinstance(model.optimizer, keras.optimizers.SGD):
            value = value.astype(np.float16)
        arrays[f"optimizer_{i}"] = value
    meta = {"format": 1, "epoch": epoch, "info": info, "history": history}
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    os.replace(tmp, path)


def _load_state(path: Path) -> dict:
    with np.load(path) as data:
        meta = json.loads(data["meta"].tobytes())
        weights = [data[f"weight_{i}"] for i in range(sum(k.startswith("weight_") for k in data.files))]
        slots = [data[f"optimizer_{i}"] for i in range(sum(k.startswith("optimizer_") for k in data.files))]
    return {**meta, "weights": weights, "optimizer": slots}


def _apply_state(model, state: dict) -> None:
    model.set_weights(state["weights"])
    model.optimizer.build(model.trainable_variables)
    variables = model.optimizer.variables
    if len(variables) != len(state["optimizer"]):
        raise ValueError("the saved optimiser state does not fit this run's optimiser")
    for variable, value in zip(variables, state["optimizer"], strict=True):
        variable.assign(value.astype(variable.dtype))


def saved_run_config(state_file: str | Path) -> dict:
    """The training options recorded in a state file."""
    with np.load(state_file) as data:
        return json.loads(data["meta"].tobytes())["info"]["config"]


def _restore_run_folder(state_file: Path, run_dir: Path, config: TrainConfig) -> None:
    """Recreate a run folder (config, history, state) from a committed state file."""
    state = _load_state(state_file)
    saved = {**asdict(TrainConfig()), **state["info"]["config"]}
    if saved != asdict(config):
        raise ValueError(f"{state_file} holds a run with a different configuration; resume with its options")
    (run_dir / "config.json").write_text(json.dumps(state["info"], indent=2))
    _write_history(run_dir / "history.csv", state["history"])
    shutil.copyfile(state_file, run_dir / STATE_FILE)


def _write_history(path: Path, rows: list[dict]) -> None:
    if not rows:
        path.unlink(missing_ok=True)
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _read_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as handle:
        return [row for row in csv.DictReader(handle) if row.get("val_accuracy")]
