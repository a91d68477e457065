from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from music.management.commands.import_tracks import import_with_progress
from music.models import ImportJob, MoodModelRun, Track
from music.services import mood_model


def default_path() -> Path:
    return settings.DATA_DIR / "music" / "classic_hits.csv"


class Command(BaseCommand):
    help = (
        "Leave a usable catalogue: import the shared classic_hits.csv and fit the moods. "
        "Does nothing when that file was already imported unchanged; says how to import "
        "tracks when it is absent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, help=f"CSV to load (default: {default_path()})")

    def handle(self, path: Path | None, **options):
        path = path or default_path()
        if not path.is_file():
            self.stdout.write(
                f"No catalogue file at {path}, so the catalogue has {Track.objects.count()} tracks.\n"
                "To add tracks, sign in to the admin (/admin/) and upload a CSV under Music > Import jobs > "
                "Add, or run:\n"
                "  python manage.py import_tracks PATH.csv          (any common track CSV layout)\n"
                "  python manage.py import_spotify_playlist URL     (needs SPOTIFY_CLIENT_ID/SECRET)\n"
                f"or put classic_hits.csv in {default_path().parent} (FERMUSIC_DATA_DIR) and run "
                "python manage.py load_catalogue."
            )
            return
        stat = path.stat()
        loaded = ImportJob.objects.filter(
            source=str(path.resolve()),
            status=ImportJob.Status.SUCCEEDED,
            fingerprint=f"{stat.st_size}:{stat.st_mtime_ns}",
        ).exists()
        if loaded and Track.objects.exists():
            self.stdout.write(f"Catalogue already loaded from {path} ({Track.objects.count()} tracks).")
        else:
            job = import_with_progress(path, show=options["verbosity"] > 0, stream=self.stderr)
            self.stdout.write(f"{job.summary_text()}\nImported in {job.seconds:.1f} s")
        if not loaded or not MoodModelRun.objects.exists():
            run = mood_model.refit(MoodModelRun.Trigger.IMPORT)
            self.stdout.write(f"Moods fitted: {run.tracks} tracks in {run.duration_seconds:.1f} s")
