from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from music.management.commands.import_tracks import import_with_progress
from music.models import ImportJob, MoodModelRun, Track
from music.services import mood_model

# In this order: classic hits first, so that spotify_songs' rows of the same songs give
# them Spotify ids (a row with an id adopts the track of its title and main artist).
CATALOGUE_FILES = ("classic_hits.csv", "spotify_songs.csv.gz")


def default_paths() -> list[Path]:
    return [settings.DATA_DIR / "music" / name for name in CATALOGUE_FILES]


class Command(BaseCommand):
    help = (
        "Leave a usable catalogue: import the shared classic_hits.csv and spotify_songs.csv.gz "
        "and fit the moods. Skips a file already imported unchanged; says how to import tracks "
        "when none is there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            action="append",
            help=f"a CSV to load, repeatable (default: {', '.join(map(str, default_paths()))})",
        )

    def handle(self, path: list[Path] | None, **options):
        paths = [p for p in (path or default_paths()) if p.is_file()]
        if not paths:
            self.stdout.write(
                f"No catalogue file at {', '.join(map(str, path or default_paths()))}, so the catalogue has "
                f"{Track.objects.count()} tracks.\n"
                "To add tracks, sign in to the admin (/admin/) and upload a CSV under Music > Import jobs > "
                "Add, or run:\n"
                "  python manage.py import_tracks PATH.csv          (any common track CSV layout)\n"
                "  python manage.py import_spotify_playlist URL     (needs SPOTIFY_CLIENT_ID/SECRET)\n"
                f"or put {' and '.join(CATALOGUE_FILES)} in {default_paths()[0].parent} (FERMUSIC_DATA_DIR) "
                "and run python manage.py load_catalogue."
            )
            return
        imported = False
        for one in paths:
            stat = one.stat()
            loaded = ImportJob.objects.filter(
                source=str(one.resolve()),
                status=ImportJob.Status.SUCCEEDED,
                fingerprint=f"{stat.st_size}:{stat.st_mtime_ns}",
            ).exists()
            if loaded and Track.objects.exists():
                self.stdout.write(f"Catalogue already loaded from {one}.")
                continue
            job = import_with_progress(one, show=options["verbosity"] > 0, stream=self.stderr)
            self.stdout.write(f"{job.summary_text()}\nImported {one.name} in {job.seconds:.1f} s")
            imported = True
        total = Track.objects.count()
        linked = Track.objects.exclude(spotify_id=None).count()
        self.stdout.write(
            f"The catalogue has {total} tracks, {linked} with a Spotify id ({100 * linked / max(total, 1):.1f}%)."
        )
        if imported or not MoodModelRun.objects.exists():
            run = mood_model.refit(MoodModelRun.Trigger.IMPORT)
            self.stdout.write(f"Moods fitted: {run.tracks} tracks in {run.duration_seconds:.1f} s")
