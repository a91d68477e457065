"""Giving tracks without a Spotify id one, by searching Spotify, so that they can be
played in the page.

A wrong link is worse than none (the listener would hear another song), so a result
is taken only when its normalised title, its main artist and its duration (within
DURATION_TOLERANCE_MS) all agree with the track; a track without a duration is never
linked. Each track is marked as searched as soon as it is (whatever came of it), in its
own transaction, so a run that stops part-way is finished by the next run, which never
searches a track twice. Spotify's 429s and server errors are backed off by the adapter
(music.catalogue.spotify); a wait longer than it sleeps through stops the run, which
the task queues again after that wait.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from music.catalogue.normalise import artist_key, title_key
from music.catalogue.spotify import SEARCH_LIMIT, SpotifyCatalog, SpotifyRateLimited, SpotifyTrack
from music.models import SpotifyLinkRun, Track
from music.services.spotify_import import spotify_catalog

logger = logging.getLogger(__name__)
DURATION_TOLERANCE_MS = 3000  # remasters of one recording differ by a second or two; edits and live takes by more
PROGRESS_EVERY = 25
STALE_AFTER = timedelta(hours=1)


class RunAlreadyActive(Exception):
    """Another linking run is queued or running: two would search the same tracks."""


def unlinked_tracks():
    """Tracks with no Spotify id that no run has searched yet, in a stable order."""
    return Track.objects.filter(spotify_id=None, spotify_checked_at=None).order_by("pk")


def forget_searches() -> int:
    """Let the next run search again the tracks earlier runs found no sure match for."""
    return Track.objects.filter(spotify_id=None).exclude(spotify_checked_at=None).update(spotify_checked_at=None)


def active_runs():
    # A run records progress every few tracks; one silent for an hour has died.
    return SpotifyLinkRun.objects.filter(
        status__in=[SpotifyLinkRun.Status.QUEUED, SpotifyLinkRun.Status.RUNNING, SpotifyLinkRun.Status.WAITING],
        updated_at__gte=timezone.now() - STALE_AFTER,
    )


def start_run(user=None, limit: int | None = None) -> SpotifyLinkRun:
    """Record a new run (the caller queues the task); RunAlreadyActive if one is active."""
    with transaction.atomic():
        if active_runs().select_for_update().exists():
            raise RunAlreadyActive("A Spotify linking run is already under way; it picks up every unlinked track.")
        return SpotifyLinkRun.objects.create(created_by=user, limit=limit, remaining=unlinked_tracks().count())


def best_match(track: Track, results: list[SpotifyTrack]) -> SpotifyTrack | None:
    """The first result (Spotify's order) that is surely this track, or None."""
    if not track.duration_ms:
        return None
    for result in results:
        if (
            result.artists
            and title_key(result.title) == track.title_key
            and artist_key(result.artists[0]) == track.artist_key
            and result.duration_ms is not None
            and abs(result.duration_ms - track.duration_ms) <= DURATION_TOLERANCE_MS
        ):
            return result
    return None


def search_query(track: Track) -> str:
    # Spotify's field filters; quotes inside a value would end the filter early.
    title, artist = (value.replace('"', " ") for value in (track.title, track.main_artist))
    return f'track:"{title}" artist:"{artist}"'


def run_linking(run: SpotifyLinkRun, catalog: SpotifyCatalog | None = None) -> SpotifyLinkRun:
    """Search Spotify for each unlinked track and store the sure matches. The run's
    counts, status and any error are recorded on it; Spotify's errors end the run
    (recorded), they are not raised."""
    if run.finished:
        return run
    run.status, run.started_at, run.retry_after, run.error = SpotifyLinkRun.Status.RUNNING, timezone.now(), None, ""
    run.save(update_fields=["status", "started_at", "retry_after", "error"])
    try:
        catalog = catalog or spotify_catalog()
        for track in _tracks_for(run):
            results = catalog.search(search_query(track), limit=SEARCH_LIMIT)
            run.searched += 1
            run.linked += _store(track, best_match(track, results))
            if run.searched % PROGRESS_EVERY == 0:
                run.remaining = unlinked_tracks().count()
                run.save(update_fields=["searched", "linked", "remaining"])
    except SpotifyRateLimited as exc:
        run.status, run.retry_after, run.error = SpotifyLinkRun.Status.WAITING, exc.retry_after, str(exc)
    except Exception as exc:  # recorded on the run for staff; the tracks linked so far stay
        logger.exception("Spotify linking run %s stopped", run.pk)
        run.status, run.error, run.finished_at = SpotifyLinkRun.Status.FAILED, str(exc), timezone.now()
    else:
        run.status, run.finished_at = SpotifyLinkRun.Status.SUCCEEDED, timezone.now()
    run.remaining = unlinked_tracks().count()
    run.save()
    return run


def _tracks_for(run: SpotifyLinkRun) -> Iterator[Track]:
    # Read a page at a time: each track leaves unlinked_tracks() once it is searched.
    while run.limit is None or run.searched < run.limit:
        page = list(unlinked_tracks()[: min(100, run.limit - run.searched) if run.limit else 100])
        if not page:
            return
        yield from page
        if run.limit is not None and run.searched >= run.limit:
            return


def _store(track: Track, match: SpotifyTrack | None) -> int:
    """Mark the track searched, with the match's id when there is one; 1 if linked."""
    now = timezone.now()
    if match is not None:
        try:
            with transaction.atomic():
                linked = Track.objects.filter(pk=track.pk, spotify_id=None).update(
                    spotify_id=match.spotify_id, spotify_checked_at=now, updated_at=now
                )
            return linked
        except IntegrityError:
            # Another track already has this id: the catalogue holds the song twice, which
            # an editor should merge; linking a second copy would break the one-id rule.
            logger.info("Spotify id %s of track %s is already another track's", match.spotify_id, track.pk)
    Track.objects.filter(pk=track.pk).update(spotify_checked_at=now)
    return 0
