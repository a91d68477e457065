from django.core.management.base import BaseCommand, CommandError

from music import tasks
from music.models import SpotifyLinkRun
from music.services import spotify_linking


class Command(BaseCommand):
    help = (
        "Give tracks without a Spotify id one, by searching Spotify (needs SPOTIFY_CLIENT_ID/SECRET). "
        "A link is stored only when title, main artist and duration agree. Resumable: run it again "
        "and it carries on with the tracks not yet searched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="search at most this many tracks")
        parser.add_argument("--queue", action="store_true", help="run it in a Celery worker instead of here")
        parser.add_argument(
            "--recheck", action="store_true", help="search again tracks that earlier runs found no match for"
        )

    def handle(self, limit: int | None, queue: bool, recheck: bool, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        if recheck:
            cleared = spotify_linking.forget_searches()
            self.stdout.write(f"{cleared} tracks will be searched again.")
        try:
            run = spotify_linking.start_run(limit=limit)
        except spotify_linking.RunAlreadyActive as exc:
            raise CommandError(str(exc)) from None
        if queue:
            tasks.link_spotify_ids.delay(run.pk)
            self.stdout.write(f"Queued run {run.pk} for {run.remaining} unlinked tracks.")
            return
        run = spotify_linking.run_linking(run)
        self.stdout.write(
            f"Searched {run.searched} tracks, linked {run.linked}; {run.remaining} still without an id "
            f"and not yet searched."
        )
        if run.status == SpotifyLinkRun.Status.WAITING:
            # Nobody re-queues a run started here: end it, and the next command carries on.
            run.status = SpotifyLinkRun.Status.FAILED
            run.save(update_fields=["status", "updated_at"])
            raise CommandError(f"{run.error} Run the command again then; it carries on where it stopped.")
        if run.status == SpotifyLinkRun.Status.FAILED:
            raise CommandError(run.error)
