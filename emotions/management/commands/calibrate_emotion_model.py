"""Re-fit the served model's temperature and certainty threshold on PublicTest.

    python manage.py calibrate_emotion_model [--model-dir DIR] [--data PATH]
        [--min-precision 0.85] [--no-dedup]

Runs PublicTest through the folder's LiteRT file (the served runtime), fits the
temperature (``calibration.fit_temperature``) and chooses the lowest threshold at which
the faces shown as certain are right at least ``--min-precision`` of the time, then
rewrites ``metadata.json``'s ``calibration``, ``uncertainty`` and ``metrics`` blocks; the
model files are left as they are. ``train_emotion_model --export`` does the same for a
new model; this command brings an already exported one up to date.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emotions.engine.calibration import CERTAIN_PRECISION
from emotions.engine.classifier import METADATA_FILE, RUNTIME_FILE, ModelNotFound
from emotions.engine.datasets import DatasetError, load_dataset
from emotions.engine.export import recalibrate_model_dir


class Command(BaseCommand):
    help = "Fit the served emotion model's temperature and certainty threshold on PublicTest."

    def add_arguments(self, parser):
        parser.add_argument("--model-dir", type=Path, default=None, help="default: settings.EMOTION_MODEL_DIR")
        parser.add_argument("--data", type=Path, default=None, help="FER2013 CSV(.gz) or image folders")
        parser.add_argument(
            "--min-precision",
            type=float,
            default=CERTAIN_PRECISION,
            help=f"share of certain faces that must be right (default {CERTAIN_PRECISION})",
        )
        parser.add_argument(
            "--no-dedup", action="store_true", help="skip the metrics on faces not identical to Training"
        )
        parser.add_argument("--json", action="store_true", help="print the new calibration and uncertainty blocks")

    def handle(self, *args, **options):
        model_dir = options["model_dir"] or Path(settings.EMOTION_MODEL_DIR)
        data = options["data"] or Path(settings.DATA_DIR) / "fer2013" / "fer2013.csv.gz"
        if not 0.0 < options["min_precision"] < 1.0:
            raise CommandError("--min-precision must lie between 0 and 1")
        for name in (METADATA_FILE, RUNTIME_FILE):
            if not (model_dir / name).exists():
                raise CommandError(f"{model_dir / name} is missing")
        usages = {"PublicTest"} if options["no_dedup"] else {"PublicTest", "Training"}
        try:
            dataset = load_dataset(data, usages=usages)
            val_set = dataset.subset("PublicTest")
            train_set = None if options["no_dedup"] else dataset.subset("Training")
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        try:
            metadata = recalibrate_model_dir(
                model_dir, val_set, train_set, options["min_precision"], log=self.stderr.write
            )
        except (ModelNotFound, ValueError) as exc:
            raise CommandError(f"{model_dir}: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps({k: metadata[k] for k in ("version", "calibration", "uncertainty")}))
