import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from music.catalogue.dialects import NoUsableColumns
from music.moods.classifier import MoodClassifier
from music.moods.evaluation import mood_metrics
from music.moods.training import load_labelled
from music.services.mood_model import mood_classifier


class Command(BaseCommand):
    help = (
        "Measure the mood model on a CSV of tracks with audio features and human mood "
        "labels. Nothing is added to the catalogue."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, required=True, dest="path")
        parser.add_argument("--label-column", default="mood")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--model", type=Path, help="a mood classifier JSON file to measure instead of the product's"
        )

    def handle(self, path: Path, label_column: str, model: Path | None = None, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if model is None:
            model = mood_classifier()
        else:
            try:
                model = MoodClassifier.load(model)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{model} is not a mood classifier: {exc}") from None
        try:
            x, labels, problems, _ = load_labelled(path, label_column)
        except NoUsableColumns as exc:
            raise CommandError(str(exc)) from None
        if not labels:
            raise CommandError(f"No row of {path} has both audio features and a known mood label.")
        result = {
            **mood_metrics(labels, model.predict(x)),
            "skipped_rows": len(problems),
            "classifier_version": model.version,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"{result['n']} tracks: accuracy {result['accuracy']:.1%}, macro-F1 {result['macro_f1']:.3f} "
            f"({result['skipped_rows']} rows skipped)"
        )
        width = max(len(label) for label in result["labels"]) + 2
        self.stdout.write("truth \\ model".ljust(width + 4) + "".join(f"{m:>{width}}" for m in result["labels"]))
        for label, row in zip(result["labels"], result["confusion_matrix"], strict=True):
            self.stdout.write(label.ljust(width + 4) + "".join(f"{n:>{width}}" for n in row))
