"""Train the emotion CNN on FER2013 (Training split; PublicTest for validation).

    python manage.py train_emotion_model [--data PATH] [--run-dir DIR] [--epochs N]
        [--architecture vgg|resnet] [--width N] [--ferplus PATH] [--limit N] [--export]

Re-running with the same ``--run-dir`` resumes an interrupted run from its last epoch
(options not given are read back from the run's config.json); a finished run is
reported, not retrained. ``--export`` then writes the served model folder.
"""

from __future__ import annotations

import fcntl
import json
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emotions.engine.datasets import DatasetError, FaceDataset, load_dataset, load_ferplus_soft_labels
from emotions.engine.training import TrainConfig

# Command-line options that map one to one onto TrainConfig fields.
CONFIG_OPTIONS = {
    "architecture": "architecture",
    "width": "width",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "learning_rate": "learning_rate",
    "patience": "patience",
    "seed": "seed",
    "class_weight_power": "class_weight_power",
    "ferplus_weight": "ferplus_weight",
    "init_from": "init_from",
    "optimizer": "optimizer",
    "momentum": "momentum",
    "crop": "crop",
    "mixup": "mixup",
    "precision": "precision",
    "weight_decay": "weight_decay",
    "label_smoothing": "label_smoothing",
}


def default_data() -> Path:
    return Path(settings.DATA_DIR) / "fer2013" / "fer2013.csv.gz"


class Command(BaseCommand):
    help = "Train (or resume) the emotion CNN on FER2013, optionally exporting it as the served model."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, default=None, help="FER2013 CSV(.gz) or image folders (default: shared data)"
        )
        parser.add_argument(
            "--run-dir", type=Path, default=None, help="run folder (default: VAR_DIR/training/<arch><width>-e<epochs>)"
        )
        parser.add_argument("--architecture", choices=("vgg", "resnet"), default=None)
        parser.add_argument("--width", type=int, default=None, help="filters in the first block")
        parser.add_argument("--epochs", type=int, default=None)
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--learning-rate", type=float, default=None)
        parser.add_argument("--patience", type=int, default=None, help="early-stopping patience in epochs")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--class-weight-power", type=float, default=None, help="0: no class weights, 1: inverse frequency"
        )
        parser.add_argument("--ferplus", type=Path, default=None, help="FER+ vote file for soft labels")
        parser.add_argument(
            "--init-from",
            default=None,
            help="start from this model's weights (a .keras file or a served model folder): a warm restart",
        )
        parser.add_argument(
            "--ferplus-weight",
            type=float,
            default=None,
            help="share of the FER+ vote distribution in the target (default 0.5 with --ferplus)",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="use N training faces (and N/4 validation faces): smoke runs"
        )
        parser.add_argument("--export", action="store_true", help="export the finished model as the served model")
        parser.add_argument(
            "--model-dir", type=Path, default=None, help="where --export writes (default: settings.EMOTION_MODEL_DIR)"
        )
        parser.add_argument(
            "--quantization", default="auto", choices=("auto", "dynamic-int8", "float16", "float32", "int8")
        )
        parser.add_argument(
            "--mirror",
            action="store_true",
            help="with --export: serve the mean of the readings of each face and its mirror image",
        )
        parser.add_argument("--optimizer", choices=("adamw", "sgd"), default=None, help="sgd: Nesterov momentum")
        parser.add_argument("--momentum", type=float, default=None)
        parser.add_argument("--weight-decay", type=float, default=None)
        parser.add_argument("--label-smoothing", type=float, default=None)
        parser.add_argument(
            "--crop", type=int, default=None, help="train on random crops of this side; serve the centre crop"
        )
        parser.add_argument("--mixup", type=float, default=None, help="mixup Beta(alpha, alpha); 0: off")
        parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default=None)
        parser.add_argument(
            "--state-file",
            type=Path,
            default=None,
            help="also keep the resumable state in this file after every epoch (commit it to continue the run "
            "on another machine); a run folder without state resumes from it; --export removes it",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")

    def handle(self, *args, **options):
        from emotions.engine.training import train

        state_file = options["state_file"]
        if state_file is not None and options["run_dir"] is None:
            # A committed run continues under its own name.
            options["run_dir"] = Path(settings.VAR_DIR) / "training" / state_file.stem
        config = self._config(options)
        run_dir = (
            options["run_dir"]
            or Path(settings.VAR_DIR) / "training" / f"{config.architecture}{config.width}-e{config.epochs}"
        )
        data = options["data"] or default_data()

        finished = (run_dir / "metrics.json").exists() and (run_dir / "model.keras").exists()
        if finished:
            self._check_same_config(run_dir, config)
            summary = json.loads((run_dir / "metrics.json").read_text())
            self.stdout.write(
                f"{run_dir} already finished ({summary.get('epochs_run')} epochs, "
                f"best epoch {summary.get('best_epoch')}, "
                f"validation accuracy {summary['validation_metrics']['accuracy']:.4f}); not retraining. "
                f"Its model is {run_dir / 'model.keras'}."
            )
            if not options["export"]:
                return
        train_set, val_set = self._load(data, options["limit"], config.seed)
        if not finished:
            soft = self._soft_labels(options["ferplus"], config, train_set)
            self.stdout.write(
                f"Training {config.architecture}{config.width} on {len(train_set)} faces from {data}, "
                f"validating on {len(val_set)}; run folder {run_dir}"
            )
            with _exclusive(run_dir):
                try:
                    summary = train(
                        train_set,
                        val_set,
                        run_dir,
                        config,
                        soft_labels=soft,
                        progress=not options["no_progress"],
                        log=self.stdout.write,
                        state_file=options["state_file"],
                    )
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
            metrics = summary["validation_metrics"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"Finished after {summary['epochs_run']} epochs (best {summary['best_epoch']}): "
                    f"PublicTest accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}; "
                    f"model {run_dir / 'model.keras'}"
                )
            )

        if options["export"]:
            from emotions.engine.export import export_model

            model_dir = options["model_dir"] or Path(settings.EMOTION_MODEL_DIR)
            try:
                export_model(
                    run_dir / "model.keras",
                    model_dir,
                    val_set,
                    train_set,
                    quantization=options["quantization"],
                    mirror=options["mirror"],
                    log=self.stdout.write,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            if options["state_file"] is not None and options["state_file"].exists():
                # The run is exported: its resumable state has done its job.
                options["state_file"].unlink()
                self.stdout.write(f"Removed the run's state file {options['state_file']}")

    def _config(self, options) -> TrainConfig:
        run_dir, state_file = options["run_dir"], options["state_file"]
        base = TrainConfig()
        saved = None
        if run_dir is not None and (run_dir / "config.json").exists():
            saved = _saved_config(run_dir)
        elif state_file is not None and state_file.exists():
            from emotions.engine.training import saved_run_config

            saved = {**asdict(TrainConfig()), **saved_run_config(state_file)}
        if saved is not None:
            known = {f.name for f in fields(TrainConfig)}
            base = TrainConfig(**{k: v for k, v in saved.items() if k in known})
        given = {field: options[option] for option, field in CONFIG_OPTIONS.items() if options[option] is not None}
        if options["ferplus"] is not None and "ferplus_weight" not in given and base.ferplus_weight == 0:
            given["ferplus_weight"] = 0.5
        config = TrainConfig(**{**asdict(base), **given})
        if config.epochs < 1 or config.width < 1 or config.batch_size < 1:
            raise CommandError("--epochs, --width and --batch-size must be positive")
        if config.crop and not 16 <= config.crop <= 48:
            raise CommandError("--crop must be between 16 and 48 (faces are 48x48)")
        return config

    def _check_same_config(self, run_dir: Path, config: TrainConfig) -> None:
        if _saved_config(run_dir) != asdict(config):
            raise CommandError(f"{run_dir} holds a finished run with different options; use a new --run-dir")

    def _load(self, data: Path, limit: int | None, seed: int) -> tuple[FaceDataset, FaceDataset]:
        try:
            dataset = load_dataset(data, usages={"Training", "PublicTest"})
            train_set, val_set = dataset.subset("Training"), dataset.subset("PublicTest")
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        if limit is not None:
            if limit < 1:
                raise CommandError("--limit must be positive")
            train_set = _sample(train_set, limit, seed)
            val_set = _sample(val_set, max(1, limit // 4), seed)
        return train_set, val_set

    def _soft_labels(self, path: Path | None, config: TrainConfig, train_set: FaceDataset):
        if config.ferplus_weight <= 0:
            return None
        if path is None:
            raise CommandError("this run mixes in FER+ soft labels (ferplus_weight > 0): pass --ferplus PATH")
        if Path(train_set.source).is_dir():
            raise CommandError("--ferplus rows index the Kaggle CSV; use it with the CSV, not image folders")
        try:
            return load_ferplus_soft_labels(path, train_set)
        except DatasetError as exc:
            raise CommandError(str(exc)) from None


@contextmanager
def _exclusive(run_dir: Path):
    """Hold the run folder's lock: two trainings writing one folder would corrupt it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / ".train.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(f"{run_dir} is being trained by another process; wait for it to finish") from None
        yield


def _saved_config(run_dir: Path) -> dict:
    """The run's options, with today's defaults for options added since it started."""
    return {**asdict(TrainConfig()), **json.loads((run_dir / "config.json").read_text())["config"]}


def _sample(dataset: FaceDataset, n: int, seed: int) -> FaceDataset:
    if n >= len(dataset):
        return dataset
    picks = np.sort(np.random.default_rng(seed).choice(len(dataset), n, replace=False))
    return FaceDataset(
        dataset.images[picks], dataset.labels[picks], dataset.usage[picks], dataset.rows[picks], dataset.source
    )
