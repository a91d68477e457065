import logging

from celery import shared_task

from fermusic.lib.errors import TRANSIENT_ERRORS
from music.models import MoodModelRun, SpotifyLinkRun, TasteModelFit
from music.services import catalogue_import, mood_model, spotify_linking, taste_model

logger = logging.getLogger(__name__)
# A million-row catalogue takes minutes, far over the detection limit set for all tasks.
LONG = {"time_limit": 2 * 3600, "soft_time_limit": 2 * 3600 - 60}


@shared_task(acks_late=True, reject_on_worker_lost=True, **LONG)
def import_catalogue_file(job_id: int):
    """Run an uploaded CSV import, then refit the moods for the grown catalogue.
    The import is idempotent, so a redelivered task finishes it rather than repeats it."""
    job = catalogue_import.run_import_job(job_id)
    if job.status == job.Status.SUCCEEDED:
        refit_moods.delay(MoodModelRun.Trigger.IMPORT)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, max_retries=3, **LONG)
def refit_moods(trigger: str = MoodModelRun.Trigger.COMMAND):
    run = mood_model.refit(trigger)
    logger.info("Mood refit %s: %d tracks in %.1f s", run.pk, run.tracks, run.duration_seconds)
    return run.pk


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, max_retries=3, **LONG)
def refit_taste_model():
    """Refit the taste factors from every rating (Celery beat, TASTE_REFIT_SECONDS)."""
    fit = taste_model.refit(TasteModelFit.Trigger.SCHEDULE)
    if fit is not None:
        logger.info(
            "Taste fit %s: %d ratings by %d listeners in %.1f s",
            fit.pk,
            fit.ratings,
            fit.listeners,
            fit.duration_seconds,
        )
    return fit.pk if fit is not None else None


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, **LONG)
def link_spotify_ids(self, run_id: int):
    """Search Spotify for the catalogue's unlinked tracks. A run told by Spotify to wait
    longer than the adapter sleeps through is queued again after that wait; a redelivered
    or re-queued run carries on with the tracks not yet searched."""
    run = spotify_linking.run_linking(SpotifyLinkRun.objects.get(pk=run_id))
    if run.status == SpotifyLinkRun.Status.WAITING:
        link_spotify_ids.apply_async((run.pk,), countdown=run.retry_after or 60)
    return run.pk
