"""Write the faces listeners corrected (and agreed to give) as a FER2013 CSV, to retrain on.

    manage.py export_corrections DIR

writes DIR/corrections.csv with FER2013's columns: ``emotion`` (0-6, FER2013's order,
the emotion the listener felt), ``pixels`` (2304 grey values of the 48x48 aligned face,
row by row, space-separated) and ``Usage`` (``Training``), so it reads as fer2013.csv
does (``emotions.engine.datasets.load_fer_csv``, ``train_emotion_model --data``)."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from emotions.engine.labels import INDEX
from emotions.services.corrections import corrected_faces

FILE_NAME = "corrections.csv"


class Command(BaseCommand):
    help = "Export the corrected faces listeners gave, as FER2013 CSV (emotion,pixels,Usage), to DIR/corrections.csv."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Folder to write corrections.csv into (created if missing)")

    def handle(self, directory: Path, **options):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot create {directory}: {exc.strerror}") from None
        path = directory / FILE_NAME
        count = 0
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["emotion", "pixels", "Usage"])
            for felt, face in corrected_faces():
                writer.writerow([INDEX[felt], " ".join(str(int(v)) for v in face.ravel()), "Training"])
                count += 1
        self.stdout.write(f"Wrote {count} corrected face{'s' if count != 1 else ''} to {path}")
