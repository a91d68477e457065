"""Importing from Spotify: playlists become catalogue tracks and a curated playlist
(unpublished until staff publish it), through the same batch writer as CSV imports."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from music.catalogue.dialects import ALBUM_MAX, ARTISTS_MAX, TITLE_MAX, RowProblem, TrackRecord
from music.catalogue.spotify import SpotifyCatalog, SpotifyError, SpotifyPlaylist, SpotifyTrack, playlist_id
from music.models import ARTIST_SEPARATOR, ImportJob, Playlist, PlaylistTrack, Track
from music.services.catalogue_import import import_records
from music.services.mood_model import assign_moods, write_moods


@dataclass
class PlaylistImport:
    playlist: Playlist
    job: ImportJob
    features_granted: bool | None
    skipped_entries: int


def spotify_catalog() -> SpotifyCatalog:
    """The Spotify adapter with the app's credentials; SpotifyNotConfigured without them."""
    return SpotifyCatalog(settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET)


def import_playlist(url: str, mood: str = "", catalog: SpotifyCatalog | None = None, user=None) -> PlaylistImport:
    """Import a Spotify playlist's tracks into the catalogue and mirror it as a
    curated playlist in the same order, recorded as an ImportJob. Tracks Spotify gives
    no audio features take this playlist's ``mood`` when set, else their neighbours'.
    Raises ValueError for a malformed URL before anything is recorded, and
    SpotifyError, recorded on the job too, when Spotify cannot give the playlist."""
    playlist_id(url)
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.SPOTIFY,
        source=url,
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now(),
        created_by=user,
    )
    try:
        catalog = catalog or spotify_catalog()
        remote = catalog.playlist(url)
    except (SpotifyError, ValueError) as exc:
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(exc), timezone.now()
        job.save()
        raise
    summary = import_records(_records(remote), layout="spotify-playlist")
    with transaction.atomic():
        playlist, _ = Playlist.objects.get_or_create(
            spotify_id=remote.spotify_id, defaults={"name": remote.name[:120], "created_by": user}
        )
        playlist.name, playlist.description = remote.name[:120], remote.description
        playlist.mood = mood or playlist.mood
        playlist.save()
        ids = [t.spotify_id for t in remote.tracks]
        tracks = {t.spotify_id: t for t in Track.objects.filter(spotify_id__in=ids)}
        playlist.entries.all().delete()
        ordered = list(dict.fromkeys(i for i in ids if i in tracks))
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(playlist=playlist, track=tracks[i], position=n) for n, i in enumerate(ordered, start=1)
        )
        featureless = [tracks[i] for i in ordered if not tracks[i].has_features]
        assign_moods(featureless)
        write_moods(featureless)
        job.status, job.layout, job.summary = ImportJob.Status.SUCCEEDED, summary.layout, summary.as_dict()
        job.finished_at = timezone.now()
        job.save()
    return PlaylistImport(playlist, job, catalog.features_granted, remote.skipped)


def _records(remote: SpotifyPlaylist):
    for position, track in enumerate(remote.tracks, start=1):
        if not track.title or not track.artists:
            yield RowProblem(position, "track without a title or artist")
            continue
        yield _record(position, track)


def _record(position: int, track: SpotifyTrack) -> TrackRecord:
    return TrackRecord(
        line=position,
        title=track.title[:TITLE_MAX],
        artists=_fitting(track.artists),
        album=track.album[:ALBUM_MAX],
        year=track.year,
        duration_ms=track.duration_ms,
        popularity=track.popularity,
        spotify_id=track.spotify_id,
        features=track.features,
    )


def _fitting(artists: list[str]) -> list[str]:
    """As many artists, main artist first, as the catalogue's artists field holds."""
    kept = artists[:1]
    for name in artists[1:]:
        if len(ARTIST_SEPARATOR.join([*kept, name])) > ARTISTS_MAX:
            break
        kept.append(name)
    kept[0] = kept[0][:ARTISTS_MAX]
    return kept
