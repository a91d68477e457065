"""Evaluate the served emotion model (or another model folder) on a FER2013 split, or
the whole pipeline on labelled photos.

    python manage.py evaluate_emotion_model --data PATH [--usage PublicTest] [--json]
        [--model-dir DIR] [--plots DIR] [--dedup-against-training]
    python manage.py evaluate_emotion_model --photos DIR [--detector NAME] [--json] [--model-dir DIR]

The faces go through the same LiteRT runtime the product serves (``--runtime keras``
runs the folder's model.keras instead, for comparison). ``--json`` prints one JSON
object: accuracy, macro_f1, n, per_class {emotion: precision, recall, f1, support},
confusion_matrix (rows = true class, columns = predicted, in the order of ``labels``:
angry, disgust, fear, happy, sad, surprise, neutral), plus the model, the data and the
uncertainty rule's effect on this split, with ``certain_accuracy`` (share right among the
faces shown as certain) and ``certain_coverage`` (share of faces shown as certain).

``--photos DIR`` (``labels.csv`` with ``path`` and ``emotion`` columns, or
``<emotion>/*.jpg`` sub-folders; see ``emotions.engine.photos``) runs decode -> detect
-> align -> classify on every photo with the served detector (``--detector`` or
settings.FACE_DETECTOR); the largest face is the reading and a photo without a face
counts as wrong. Its JSON has the same metrics plus ``faces_found``,
``certain_accuracy``, ``certain_coverage`` and ``ms_per_photo_p50``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emotions.engine.calibration import reliability_bins
from emotions.engine.classifier import MODEL_FILE, EmotionClassifier, ModelNotFound
from emotions.engine.datasets import DatasetError, canonical_split, load_dataset
from emotions.engine.detector import DETECTORS, get_detector
from emotions.engine.evaluation import duplicate_mask, evaluate_probabilities
from emotions.engine.labels import EMOTIONS
from emotions.engine.photos import PhotoSetError, evaluate_photos, read_photo_folder
from emotions.engine.preprocess import normalise


class Command(BaseCommand):
    help = "Evaluate the served emotion model on a FER2013 split (CSV or image folders)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, default=None, help="FER2013 CSV(.gz) or image folders (default: shared data)"
        )
        parser.add_argument("--usage", default="PublicTest", help="split to evaluate (default PublicTest)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--model-dir", type=Path, default=None, help="model folder (default: settings.EMOTION_MODEL_DIR)"
        )
        parser.add_argument("--plots", type=Path, default=None, help="write confusion-matrix and reliability PNGs here")
        parser.add_argument(
            "--dedup-against-training", action="store_true", help="leave out faces byte-identical to a Training face"
        )
        parser.add_argument(
            "--photos", type=Path, default=None, help="labelled photo folder: evaluate the whole pipeline on it"
        )
        parser.add_argument(
            "--detector", choices=sorted(DETECTORS), default=None, help="face detector for --photos (default: setting)"
        )
        parser.add_argument(
            "--runtime",
            choices=("litert", "keras"),
            default="litert",
            help="litert: the served runtime (default); keras: the folder's model.keras",
        )

    def handle(self, *args, **options):
        model_dir = options["model_dir"] or Path(settings.EMOTION_MODEL_DIR)
        data = options["data"] or Path(settings.DATA_DIR) / "fer2013" / "fer2013.csv.gz"
        usage = canonical_split(options["usage"])
        try:
            classifier = EmotionClassifier(model_dir)
        except ModelNotFound as exc:
            raise CommandError(f"No model to evaluate: {exc}") from None
        except ValueError as exc:
            raise CommandError(f"{model_dir}: {exc}") from None
        if options["photos"] is not None:
            self._photos(options, classifier, model_dir)
            return

        wanted = {usage, "Training"} if options["dedup_against_training"] else {usage}
        try:
            dataset = load_dataset(data, usages=wanted)
            faces = dataset.subset(usage)
            training = dataset.subset("Training") if options["dedup_against_training"] else None
        except DatasetError as exc:
            raise CommandError(str(exc)) from None

        dataset_info = {"source": str(data), "usage": usage, "n_loaded": len(faces)}
        images, labels = faces.images, faces.labels
        if training is not None:
            keep = ~duplicate_mask(images, training.images)
            images, labels = images[keep], labels[keep]
            dataset_info["removed_duplicates_of_training"] = int((~keep).sum())
        if len(labels) == 0:
            raise CommandError(f"{data}: no {usage} faces left to evaluate")

        if options["runtime"] == "keras":
            probabilities = self._keras_probabilities(model_dir / MODEL_FILE, images)
            runtime = "keras"
        else:
            probabilities = classifier.predict(images)
            runtime = f"litert-{classifier.metadata.get('runtime', {}).get('quantization', 'unknown')}"

        report = evaluate_probabilities(labels, probabilities)
        confident = probabilities.max(axis=1) >= classifier.threshold
        correct = probabilities.argmax(axis=1) == labels
        report.update(
            {
                "model": {"dir": str(model_dir), "version": classifier.version, "runtime": runtime},
                "dataset": dataset_info,
                "certain_accuracy": float(correct[confident].mean()) if confident.any() else None,
                "certain_coverage": float(confident.mean()),
                "uncertainty": {
                    "threshold": classifier.threshold,
                    "coverage": float(confident.mean()),
                    "accuracy_confident": float(correct[confident].mean()) if confident.any() else None,
                    "accuracy_uncertain": float(correct[~confident].mean()) if (~confident).any() else None,
                },
            }
        )
        if options["plots"] is not None:
            report["plots"] = self._plots(options["plots"], report, labels, probabilities, classifier.threshold)

        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)

    def _photos(self, options, classifier: EmotionClassifier, model_dir: Path) -> None:
        if options["runtime"] != "litert" or options["plots"] or options["dedup_against_training"]:
            raise CommandError("--photos runs the served pipeline only: no --runtime keras, --plots or --dedup")
        name = options["detector"] or settings.FACE_DETECTOR
        try:
            photos = read_photo_folder(options["photos"])
        except PhotoSetError as exc:
            raise CommandError(str(exc)) from None
        report = evaluate_photos(classifier, get_detector(name), photos)
        report.update(
            {
                "model": {"dir": str(model_dir), "version": classifier.version, "runtime": "litert"},
                "detector": name,
                "dataset": {"source": str(options["photos"]), "photos": len(photos)},
                "uncertainty": {"threshold": classifier.threshold, "temperature": classifier.temperature},
            }
        )
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        write = self.stdout.write
        write(
            f"Model {classifier.version} with detector {name} on {options['photos']}: {report['n']} photos, "
            f"faces found {report['faces_found']}/{report['n']}"
        )
        write(
            f"accuracy {report['accuracy']:.4f}   macro-F1 {report['macro_f1']:.4f}   "
            f"certain: accuracy {_fmt(report['certain_accuracy'])}, coverage {report['certain_coverage']:.4f}   "
            f"{report['ms_per_photo_p50']} ms per photo (p50)"
        )
        self._table(report)

    def _keras_probabilities(self, path: Path, images: np.ndarray) -> np.ndarray:
        from emotions.engine.architectures import load

        if not path.exists():
            raise CommandError(f"{path} is missing")
        model = load(path)
        return model.predict(normalise(images), batch_size=256, verbose=0)

    def _plots(self, folder: Path, report: dict, labels, probabilities, threshold: float) -> dict:
        from emotions.engine.plots import confusion_matrix_png, reliability_png

        folder.mkdir(parents=True, exist_ok=True)
        name = f"{report['dataset']['usage']}"
        caption = f"{report['model']['version']} on {name}\nn={report['n']}, accuracy {report['accuracy']:.3f}"
        matrix = confusion_matrix_png(report["confusion_matrix"], folder / f"confusion_{name}.png", caption)
        reliability = reliability_png(
            reliability_bins(labels, probabilities),
            folder / f"reliability_{name}.png",
            f"{caption}, ECE {report['expected_calibration_error']:.3f}",
            threshold,
        )
        return {"confusion_matrix": str(matrix), "reliability": str(reliability)}

    def _print(self, report: dict) -> None:
        write = self.stdout.write
        write(
            f"Model {report['model']['version']} ({report['model']['runtime']}) on {report['dataset']['source']} "
            f"[{report['dataset']['usage']}], {report['n']} faces"
        )
        if "removed_duplicates_of_training" in report["dataset"]:
            write(f"  left out {report['dataset']['removed_duplicates_of_training']} faces identical to Training faces")
        write(
            f"accuracy {report['accuracy']:.4f}   macro-F1 {report['macro_f1']:.4f}   "
            f"ECE {report['expected_calibration_error']:.4f}"
        )
        u = report["uncertainty"]
        write(
            f"uncertain below {u['threshold']:.3f}: coverage {u['coverage']:.3f}, accuracy when confident "
            f"{_fmt(u['accuracy_confident'])}, when uncertain {_fmt(u['accuracy_uncertain'])}"
        )
        self._table(report)
        for kind, path in report.get("plots", {}).items():
            write(f"{kind} plot: {path}")

    def _table(self, report: dict) -> None:
        write = self.stdout.write
        write(f"{'':10s}{'precision':>10s}{'recall':>10s}{'f1':>10s}{'support':>10s}")
        for emotion in EMOTIONS:
            row = report["per_class"][emotion]
            write(f"{emotion:10s}{row['precision']:10.3f}{row['recall']:10.3f}{row['f1']:10.3f}{row['support']:10d}")
        write("confusion matrix (rows = true, columns = predicted):")
        write(" " * 10 + "".join(f"{e[:7]:>8s}" for e in EMOTIONS))
        for emotion, row in zip(EMOTIONS, report["confusion_matrix"], strict=True):
            write(f"{emotion:10s}" + "".join(f"{v:8d}" for v in row))


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"
