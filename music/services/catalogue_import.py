"""Importing track catalogues: CSV rows become tracks, in batches.

Re-importing a file updates the tracks it created and never duplicates them: a row
matches a track by Spotify id, else by normalised (title, main artist). A row with a
Spotify id adopts the track of its title and artist that has none (classic hits gain
Spotify ids from spotify_songs.csv) and from then on speaks for it: rows without an id
only fill its gaps. A song's year is its earliest: a compilation or remaster released
later does not move it. Rows are read
one at a time and written a batch at a time, each batch in its own transaction, so
memory stays flat however long the file is, and an interrupted import is finished by
running it again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from fermusic.lib.events import push_to_user
from music.catalogue.dialects import NoUsableColumns, RowProblem, TrackCSV, TrackRecord
from music.models import ARTIST_SEPARATOR, Genre, ImportJob, Track
from music.moods.features import AUDIO_FEATURES
from music.moods.labels import mood_name
from music.services.mood_model import assign_moods, write_moods

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000
EXAMPLES_PER_REASON = 5
PUSH_EVERY_SECONDS = 1.0
MOOD_INPUTS = (*AUDIO_FEATURES, "mood_label")


@dataclass
class ImportSummary:
    layout: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def skip(self, problem: RowProblem) -> None:
        self.rows += 1
        self.skipped += 1
        self.reasons[problem.reason] += 1
        if len(self.examples[problem.reason]) < EXAMPLES_PER_REASON:
            self.examples[problem.reason].append(problem.line)

    def as_dict(self) -> dict:
        return {
            "layout": self.layout,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "skipped_because": [
                {"reason": reason, "rows": n, "lines": self.examples[reason]}
                for reason, n in self.reasons.most_common()
            ],
        }


def import_csv(
    stream,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import a CSV catalogue from a seekable binary stream. Raises NoUsableColumns
    when the header has no title or artist column; bad rows are counted and skipped.
    ``progress`` gets the bytes read so far and the summary after every batch."""
    reader = TrackCSV(stream)
    return import_records(
        reader,
        reader.layout.name,
        batch_size,
        progress and (lambda summary: progress(reader.bytes_read, summary)),
        one_track_per_song=reader.layout.one_track_per_song,
    )


def import_records(
    items: Iterable[TrackRecord | RowProblem],
    layout: str,
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[ImportSummary], None] | None = None,
    one_track_per_song: bool = False,
) -> ImportSummary:
    """Create or update a track for every record, a batch at a time. With
    ``one_track_per_song`` a row whose Spotify id is new joins the track of its title
    and main artist even when that track has another id (as a repeat: it fills gaps)."""
    summary = ImportSummary(layout=layout)
    genres = _GenreCache()
    seen = _Seen()
    batch: list[TrackRecord] = []
    for item in items:
        if isinstance(item, RowProblem):
            summary.skip(item)
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            _write_batch(batch, summary, genres, seen, one_track_per_song)
            batch = []
            if after_batch:
                after_batch(summary)
    if batch:
        _write_batch(batch, summary, genres, seen, one_track_per_song)
    if after_batch:
        after_batch(summary)
    return summary


def _write_batch(
    records: list[TrackRecord], summary: ImportSummary, genres: _GenreCache, seen: _Seen, one_track_per_song: bool
) -> None:
    with transaction.atomic():
        index = _Index.load(records, one_track_per_song)
        outcome: dict[int, str] = {}  # id(track) -> "created" or "updated" (needs writing)
        touched: dict[int, Track] = {}
        mood_inputs_changed: set[int] = set()
        changed_fields: dict[int, set[str]] = {}  # of existing tracks
        wanted_genres: dict[int, dict[str, None]] = defaultdict(dict)  # ordered sets of names
        for record in records:
            track = index.find(record)
            if track is None:
                track = Track()
                _apply(track, record)
                index.add(track)
                summary.created += 1
                outcome[id(track)] = "created"
                mood_inputs_changed.add(id(track))
            else:
                # A song repeated in the file (the same hit listed under two genres)
                # adds its genres and fills gaps but does not overwrite the first row,
                # so re-importing the file changes nothing. Nor does a row without a
                # Spotify id overwrite a track that has one, or one under another id.
                repeated = (
                    id(track) in touched
                    or (track.pk is not None and track.pk in seen)
                    or (record.spotify_id is not None and track.spotify_id not in (None, record.spotify_id))
                )
                defers = record.spotify_id is None and track.spotify_id is not None
                changed = _apply(track, record, fill_only=repeated or defers)
                new_genres = {g.casefold() for g in record.genres} - index.genres_of(track)
                if repeated:
                    summary.duplicates += 1
                elif changed or new_genres:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                if changed and track.pk is not None:
                    outcome.setdefault(id(track), "updated")
                    changed_fields.setdefault(id(track), set()).update(changed)
                    if changed & set(MOOD_INPUTS):
                        mood_inputs_changed.add(id(track))
            summary.rows += 1
            touched[id(track)] = track
            wanted_genres[id(track)].update(dict.fromkeys(record.genres))
            index.note_genres(track, record.genres)

        new = [t for key, t in touched.items() if outcome.get(key) == "created"]
        changed = [t for key, t in touched.items() if outcome.get(key) == "updated"]
        fields = set().union(*(changed_fields[id(t)] for t in changed)) if changed else set()
        if fields:
            fields |= _DERIVED | ({"mood", "mood_source", "cluster_id"} if fields & set(MOOD_INPUTS) else set())
        to_mood = [t for key, t in touched.items() if key in mood_inputs_changed]
        # Tracks with features get their mood before they are written; the others
        # are judged by their neighbours, which needs them (and their genres) stored.
        assign_moods([t for t in to_mood if t.has_features])
        Track.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Track.objects.bulk_update(changed, sorted(fields), batch_size=BATCH_SIZE)
        genres.link({touched[key]: names for key, names in wanted_genres.items() if names})
        featureless = [t for t in to_mood if not t.has_features]
        assign_moods(featureless)
        write_moods(featureless)
    seen.update(t.pk for t in touched.values())


# Set by Track.refresh_derived_fields() whenever a stored field changes.
_DERIVED = {"main_artist", "title_key", "artist_key", "has_features", "spotify_id", "updated_at"}


def _apply(track: Track, record: TrackRecord, fill_only: bool = False) -> set[str]:
    """Copy a row's values onto a track; empty cells keep what the track has, and
    with ``fill_only`` so do its set fields. Returns the names of the fields changed."""
    values = {"title": record.title, "artists": ARTIST_SEPARATOR.join(record.artists)}
    if record.spotify_id and not track.spotify_id:
        values["spotify_id"] = record.spotify_id
    if record.album:
        values["album"] = record.album
    for name in ("year", "duration_ms", "popularity"):
        if getattr(record, name) is not None:
            values[name] = getattr(record, name)
    if record.year is not None and track.year is not None:
        values["year"] = min(record.year, track.year)
    values.update(record.features)
    if record.mood_label:
        with contextlib.suppress(ValueError):  # a label outside our moods says nothing we can use
            values["mood_label"] = mood_name(record.mood_label)
    if fill_only:
        values = {name: value for name, value in values.items() if getattr(track, name) in (None, "")}
    changed = {name for name, value in values.items() if getattr(track, name) != value}
    for name in changed:
        setattr(track, name, values[name])
    if changed:
        track.refresh_derived_fields()
        track.updated_at = timezone.now()
    return changed


class _Index:
    """The batch's view of the catalogue: existing tracks that rows may match, and
    the tracks this batch has already created, by Spotify id and by identity key."""

    def __init__(self, one_track_per_song: bool = False):
        self.by_spotify: dict[str, Track] = {}
        self.by_key: dict[tuple[str, str], list[Track]] = defaultdict(list)
        self._genres: dict[int, set[str]] = {}
        self._one_track_per_song = one_track_per_song

    @classmethod
    def load(cls, records: list[TrackRecord], one_track_per_song: bool = False) -> _Index:
        index = cls(one_track_per_song)
        ids = {r.spotify_id for r in records if r.spotify_id}
        titles = {r.keys[0] for r in records}
        artists = {r.keys[1] for r in records}
        found = {t.pk: t for t in Track.objects.filter(spotify_id__in=ids)}
        found.update({t.pk: t for t in Track.objects.filter(title_key__in=titles, artist_key__in=artists)})
        for track in sorted(found.values(), key=lambda t: t.pk):
            index.add(track)
        links = Track.genres.through.objects.filter(track_id__in=found).values_list("track_id", "genre__name")
        for track_id, name in links:
            index._genres.setdefault(track_id, set()).add(name.casefold())
        return index

    def add(self, track: Track) -> None:
        if track.spotify_id:
            self.by_spotify[track.spotify_id] = track
        self.by_key[(track.title_key, track.artist_key)].append(track)

    def find(self, record: TrackRecord) -> Track | None:
        if record.spotify_id and record.spotify_id in self.by_spotify:
            return self.by_spotify[record.spotify_id]
        same = self.by_key.get(record.keys, [])
        # A row with a Spotify id may adopt a track known only by title and artist;
        # a row without one matches the song whichever version it is.
        without_id = [t for t in same if not t.spotify_id]
        if record.spotify_id:
            match = without_id[0] if without_id else None
            if match is None and self._one_track_per_song and same:
                match = same[0]
            if match is not None:
                self.by_spotify[record.spotify_id] = match
            return match
        return (without_id or same or [None])[0]

    def genres_of(self, track: Track) -> set[str]:
        return self._genres.get(id(track) if track.pk is None else track.pk, set())

    def note_genres(self, track: Track, names: Iterable[str]) -> None:
        self._genres.setdefault(id(track) if track.pk is None else track.pk, set()).update(n.casefold() for n in names)


class _Seen:
    """The ids of the tracks this import has written, as a bitmap: a million tracks
    take 125 kB, so even the longest import stays in bounded memory."""

    def __init__(self):
        self._bits = bytearray()

    def update(self, pks) -> None:
        for pk in pks:
            byte = pk >> 3
            if byte >= len(self._bits):
                self._bits.extend(bytes(byte + 1 - len(self._bits) + 4096))
            self._bits[byte] |= 1 << (pk & 7)

    def __contains__(self, pk: int) -> bool:
        byte = pk >> 3
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << (pk & 7)))


class _GenreCache:
    """Genre name (any case) -> id, kept for the whole import: there are few genres."""

    def __init__(self):
        self._ids: dict[str, int] = {}

    def link(self, wanted: dict[Track, dict[str, None]]) -> None:
        missing: dict[str, str] = {}  # folded -> the first spelling met, which a new genre keeps
        for group in wanted.values():
            for name in group:
                if name.casefold() not in self._ids:
                    missing.setdefault(name.casefold(), name)
        if missing:
            self._load(set(missing))
            new = [name for folded, name in missing.items() if folded not in self._ids]
            Genre.objects.bulk_create([Genre(name=name) for name in new], ignore_conflicts=True)
            self._load(set(missing))
        Through = Track.genres.through
        Through.objects.bulk_create(
            [
                Through(track_id=track.pk, genre_id=self._ids[n.casefold()])
                for track, group in wanted.items()
                for n in group
            ],
            ignore_conflicts=True,
            batch_size=BATCH_SIZE,
        )

    def _load(self, folded: set[str]) -> None:
        for pk, name in Genre.objects.values_list("pk", "name"):
            if name.casefold() in folded:
                self._ids[name.casefold()] = pk


def import_path(path: Path, on_progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Import a CSV file on disk, recorded as an ImportJob (with the file's size and
    modification time, so an unchanged file need not be imported again).
    ``on_progress`` gets (bytes read, file size)."""
    stat = path.stat()
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.CSV, source=str(path.resolve()), fingerprint=f"{stat.st_size}:{stat.st_mtime_ns}"
    )
    with open(path, "rb") as stream:
        return run_import(job, stream, stat.st_size, on_progress and (lambda done: on_progress(done, stat.st_size)))


def run_import_job(job_id: int) -> ImportJob:
    """Run a queued CSV upload from the admin."""
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job
    with job.file.open("rb") as stream:
        return run_import(job, stream, job.file.size)


def run_import(job: ImportJob, stream, size: int, on_progress: Callable[[int], None] | None = None) -> ImportJob:
    """Import a CSV stream on behalf of ``job``: its status, progress and summary are
    recorded on it and pushed live to whoever started it. A failure is recorded too
    (the batches written before it stay), never raised."""
    job.status, job.started_at, job.bytes_total = ImportJob.Status.RUNNING, timezone.now(), size
    job.save(update_fields=["status", "started_at", "bytes_total"])
    _push(job)
    last_push = [0.0]

    def progress(bytes_read: int, summary: ImportSummary) -> None:
        job.bytes_read, job.layout, job.summary = bytes_read, summary.layout, summary.as_dict()
        ImportJob.objects.filter(pk=job.pk).update(bytes_read=bytes_read, layout=summary.layout, summary=job.summary)
        if on_progress:
            on_progress(bytes_read)
        now = time.monotonic()
        if now - last_push[0] >= PUSH_EVERY_SECONDS:
            last_push[0] = now
            _push(job)

    try:
        summary = import_csv(stream, progress=progress)
    except NoUsableColumns as exc:
        _finish(job, ImportJob.Status.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        _finish(job, ImportJob.Status.FAILED, error=f"The import stopped: {exc}. Rows already imported stay.")
    else:
        job.summary, job.layout = summary.as_dict(), summary.layout
        _finish(job, ImportJob.Status.SUCCEEDED)
    return job


def _finish(job: ImportJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    if status == ImportJob.Status.SUCCEEDED:
        job.bytes_read = job.bytes_total
    job.save(update_fields=["status", "error", "finished_at", "bytes_read", "summary", "layout"])
    _push(job)


def _push(job: ImportJob) -> None:
    if job.created_by_id:
        push_to_user(
            job.created_by_id,
            "music.import",
            {
                "id": job.pk,
                "status": job.status,
                "percent": job.percent,
                "summary": job.summary,
                "error": job.error,
            },
        )
