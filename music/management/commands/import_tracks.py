from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from music.models import ImportJob, MoodModelRun
from music.services import catalogue_import, mood_model


class Command(BaseCommand):
    help = (
        "Import tracks from a CSV file (layout recognised from its header: classic_hits.csv, "
        "data_moods*.csv, the Kaggle Spotify Tracks Dataset, Exportify, or named columns), "
        "then refit the moods. Re-importing updates tracks and never duplicates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--no-refit", action="store_true", help="do not refit the moods afterwards")

    def handle(self, path: Path, no_refit: bool, **options):
        job = import_with_progress(path, show=options["verbosity"] > 0, stream=self.stderr)
        self.stdout.write(f"{job.summary_text()}\nImported in {job.seconds:.1f} s")
        if not no_refit:
            run = mood_model.refit(MoodModelRun.Trigger.IMPORT)
            self.stdout.write(f"Moods refitted: {run.tracks} tracks in {run.duration_seconds:.1f} s")


def import_with_progress(path: Path, show: bool, stream) -> ImportJob:
    """Import a CSV file behind a progress bar by bytes; CommandError if it fails."""
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    with tqdm(
        total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, file=stream, disable=not show
    ) as bar:
        job = catalogue_import.import_path(path, on_progress=lambda done, total: bar.update(done - bar.n))
    if job.status == ImportJob.Status.FAILED:
        raise CommandError(job.error)
    return job
