"""Moods in the catalogue: the one emotion -> mood mapping, the mood each track gets,
and the refit that re-clusters the catalogue and records its quality.

A track's mood comes from, in order: an editor's override, a human label from
imported data, the mood model (when it has audio features), then - for tracks
without features - a curated playlist's mood, its artist's other tracks, its
genres' tracks.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from music.models import MoodCluster, MoodMapping, MoodModelRun, PlaylistTrack, Track
from music.moods.classifier import MoodClassifier
from music.moods.clusters import PreviousCluster, fit_clusters, nearest, silhouette
from music.moods.evaluation import mood_metrics
from music.moods.features import MODEL_FEATURES
from music.moods.labels import MOODS

CHUNK = 5000
UPDATE_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...), under SQLite's variable limit
Source = Track.MoodSource


def moods_for(emotion: str, strategy: str) -> list[str]:
    """The moods of music for someone feeling ``emotion`` who chose ``strategy``
    ('match' or 'lift'), most suitable first, as staff last set them."""
    moods = MoodMapping.objects.filter(emotion=emotion, strategy=strategy).values_list("moods", flat=True).first()
    if moods is None:
        raise LookupError(f"No mood mapping for emotion {emotion!r} and strategy {strategy!r}")
    return list(moods)


@functools.cache
def mood_classifier() -> MoodClassifier:
    """The served mood classifier (``music/moods/classifier.json``), loaded once."""
    return MoodClassifier.load()


def current_clusters() -> list[PreviousCluster]:
    return [PreviousCluster(c.pk, c.mood, np.array(c.centroid)) for c in MoodCluster.objects.all()]


def assign_moods(tracks: list[Track]) -> None:
    """Set mood, mood source and cluster on saved tracks in memory (the caller
    writes them), from the catalogue as it is now."""
    featured = [t for t in tracks if t.has_features]
    if featured:
        model = mood_classifier()
        x = np.array([t.feature_vector for t in featured], dtype=float)
        predicted = model.predict(x)
        for track, mood in zip(featured, predicted, strict=True):
            track.mood, track.mood_source = _decide(track, mood)
        keys = nearest(model.scaled(x), [t.mood for t in featured], current_clusters())
        for track, key in zip(featured, keys, strict=True):
            track.cluster_id = key
    featureless = [t for t in tracks if not t.has_features]
    if featureless:
        inferred = _moods_without_features(featureless)
        for track in featureless:
            track.mood, track.mood_source = _decide(track, None, inferred.get(track.pk))
            track.cluster_id = None


def _decide(track: Track, predicted: str | None, inferred: tuple[str, str] | None = None) -> tuple[str, str]:
    if track.mood_override:
        return track.mood_override, Source.EDITOR
    if track.mood_label:
        return track.mood_label, Source.LABEL
    if predicted:
        return predicted, Source.MODEL
    if inferred:
        return inferred
    return "", ""


def _majority(counts: Counter) -> str | None:
    """The most frequent mood; ties go to the earlier mood in MOODS, so it is stable."""
    if not counts:
        return None
    return max(counts, key=lambda mood: (counts[mood], -MOODS.index(mood)))


def _moods_without_features(tracks: list[Track]) -> dict[int, tuple[str, str]]:
    """track pk -> (mood, source) for tracks without features, where a neighbour says."""
    result: dict[int, tuple[str, str]] = {}
    pks = [t.pk for t in tracks]

    by_playlist: dict[int, Counter] = defaultdict(Counter)
    entries = PlaylistTrack.objects.filter(track_id__in=pks).exclude(playlist__mood="")
    for track_id, mood in entries.values_list("track_id", "playlist__mood"):
        by_playlist[track_id][mood] += 1

    artist_keys = {t.artist_key for t in tracks}
    by_artist: dict[str, Counter] = defaultdict(Counter)
    rows = (
        Track.objects.filter(has_features=True, artist_key__in=artist_keys)
        .exclude(mood="")
        .values_list("artist_key", "mood")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for key, mood, n in rows:
        by_artist[key][mood] += n

    genres_of: dict[int, set[int]] = defaultdict(set)
    for track_id, genre_id in Track.genres.through.objects.filter(track_id__in=pks).values_list("track_id", "genre_id"):
        genres_of[track_id].add(genre_id)
    by_genre: dict[int, Counter] = defaultdict(Counter)
    wanted = set().union(*genres_of.values()) if genres_of else set()
    if wanted:
        rows = (
            Track.genres.through.objects.filter(genre_id__in=wanted, track__has_features=True)
            .exclude(track__mood="")
            .values_list("genre_id", "track__mood")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for genre_id, mood, n in rows:
            by_genre[genre_id][mood] += n

    for track in tracks:
        if mood := _majority(by_playlist.get(track.pk, Counter())):
            result[track.pk] = (mood, Source.PLAYLIST)
        elif mood := _majority(by_artist.get(track.artist_key, Counter())):
            result[track.pk] = (mood, Source.ARTIST)
        else:
            counts = sum((by_genre[g] for g in genres_of.get(track.pk, ())), Counter())
            if mood := _majority(counts):
                result[track.pk] = (mood, Source.GENRE)
    return result


# Moods and sources as small integer codes (0: none) keep a refit of a million tracks
# to a few arrays of bytes rather than millions of Python strings.
MOOD_CODES = ("", *MOODS)
SOURCE_CODES = ("", *Source.values)


def refit(trigger: str = MoodModelRun.Trigger.COMMAND, seed: int = 0) -> MoodModelRun:
    """Re-assign every track's mood, re-cluster each mood (matched to the last fit so
    clusters keep their identity), and record the run's quality."""
    started = time.monotonic()
    model = mood_classifier()
    with transaction.atomic():
        featured = _load_featured()
        x = featured["x"]
        to_code = np.array([MOOD_CODES.index(m) for m in model.moods], dtype=np.int8)
        # In chunks: the quadratic terms of a million tracks would take half a gigabyte.
        predicted = np.concatenate(
            [np.zeros(0, np.int8)]
            + [to_code[model.predict_proba(x[i : i + CHUNK]).argmax(axis=1)] for i in range(0, len(x), CHUNK)]
        )
        overrides, labels = featured["override"], featured["label"]
        moods = np.where(overrides > 0, overrides, np.where(labels > 0, labels, predicted)).astype(np.int8)
        sources = np.select(
            [overrides > 0, labels > 0],
            [SOURCE_CODES.index(Source.EDITOR), SOURCE_CODES.index(Source.LABEL)],
            SOURCE_CODES.index(Source.MODEL),
        ).astype(np.int8)
        z = model.scaled(x)
        previous = current_clusters()
        fitted, assignment = fit_clusters(z, np.array(MOOD_CODES)[moods], previous, seed)
        cluster_pks = np.array([*_save_clusters(fitted, x, assignment), -1], dtype=np.int64)
        clusters = cluster_pks[assignment]  # assignment -1 (no cluster) picks the trailing -1
        changed = _write_featured(featured["pk"], (moods, sources, clusters), featured)
        featureless = _refresh_featureless()
        labelled = labels > 0
        metrics = {
            "moods": _named_counts(moods, MOOD_CODES, featureless["moods"]),
            "sources": _named_counts(sources, SOURCE_CODES, featureless["sources"]),
            "tracks_changed": changed + featureless["changed"],
            "tracks_without_mood": featureless["without_mood"],
            "clusters": [{"name": c.name, "mood": c.mood, "size": c.size, "centroid_shift": c.shift} for c in fitted],
            "silhouette": silhouette(z, assignment, seed),
            "cluster_kept": _kept_share(featured["cluster"], clusters),
            "model_vs_human_labels": mood_metrics(
                [MOOD_CODES[c] for c in labels[labelled]], [MOOD_CODES[c] for c in predicted[labelled]]
            ),
            "classifier_held_out": model.metadata.get("held_out", {}),
        }
        return MoodModelRun.objects.create(
            trigger=trigger,
            classifier_version=model.version,
            tracks=len(x) + featureless["tracks"],
            tracks_with_features=len(x),
            duration_seconds=round(time.monotonic() - started, 2),
            metrics=metrics,
        )


def _load_featured() -> dict[str, np.ndarray]:
    """The featured tracks as arrays: pk, features, and the coded mood, source,
    cluster (-1: none), override and label."""
    queryset = Track.objects.filter(has_features=True).order_by("pk")
    size = queryset.count()
    arrays = {
        "pk": np.empty(size, np.int64),
        "x": np.empty((size, len(MODEL_FEATURES))),
        "mood": np.empty(size, np.int8),
        "source": np.empty(size, np.int8),
        "cluster": np.empty(size, np.int64),
        "override": np.empty(size, np.int8),
        "label": np.empty(size, np.int8),
    }
    mood_code = {m: i for i, m in enumerate(MOOD_CODES)}
    source_code = {s: i for i, s in enumerate(SOURCE_CODES)}
    fields = ["pk", *MODEL_FEATURES, "mood", "mood_source", "cluster_id", "mood_override", "mood_label"]
    count = 0
    # Tracks imported after the count are left to the next refit.
    for row in itertools.islice(queryset.values_list(*fields).iterator(chunk_size=CHUNK), size):
        pk, features, (mood, source, cluster, override, label) = row[0], row[1:-5], row[-5:]
        arrays["pk"][count], arrays["x"][count] = pk, features
        arrays["mood"][count], arrays["source"][count] = mood_code[mood], source_code[source]
        arrays["cluster"][count] = -1 if cluster is None else cluster
        arrays["override"][count], arrays["label"][count] = mood_code[override], mood_code[label]
        count += 1
    return {name: array[:count] for name, array in arrays.items()}


def _named_counts(codes: np.ndarray, names: tuple, more: Counter) -> dict[str, int]:
    counts = Counter({names[c]: int(n) for c, n in enumerate(np.bincount(codes, minlength=len(names))) if c and n})
    return dict(counts + more)


def _save_clusters(fitted, x, assignment) -> list[int]:
    """Update matched clusters in place, create new ones, delete the unmatched."""
    kept = {c.key for c in fitted if c.key is not None}
    MoodCluster.objects.exclude(pk__in=kept).delete()
    # Names move between clusters on a refit; park them first so uniqueness holds.
    for pk in kept:
        MoodCluster.objects.filter(pk=pk).update(name=f"~refit {pk}")
    result = []
    for index, cluster in enumerate(fitted):
        members = x[assignment == index]
        values = {
            "mood": cluster.mood,
            "name": cluster.name,
            "centroid": [round(float(v), 6) for v in cluster.centroid],
            "feature_means": {f: round(float(v), 4) for f, v in zip(MODEL_FEATURES, members.mean(axis=0), strict=True)},
            "size": cluster.size,
            "updated_at": timezone.now(),
        }
        if cluster.key is not None:
            MoodCluster.objects.filter(pk=cluster.key).update(**values)
            result.append(cluster.key)
        else:
            values.pop("updated_at")
            result.append(MoodCluster.objects.create(**values).pk)
    return result


def write_moods(tracks: list[Track]) -> None:
    """Store the mood, source and cluster of tracks."""
    _write_values((t.pk, t.mood, t.mood_source, t.cluster_id) for t in tracks)


def _write_values(rows) -> None:
    """(pk, mood, source, cluster) rows, one UPDATE per distinct value: a catalogue
    has few of those, and bulk_update's CASE per row is slow on thousands."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, *values in rows:
        groups[tuple(values)].append(pk)
    for (mood, source, cluster), pks in groups.items():
        for start in range(0, len(pks), UPDATE_CHUNK):
            Track.objects.filter(pk__in=pks[start : start + UPDATE_CHUNK]).update(
                mood=mood, mood_source=source, cluster_id=cluster
            )


def _write_featured(pks: np.ndarray, new: tuple, old: dict) -> int:
    """Write (mood, source, cluster) where they changed; returns how many moods changed."""
    moods, sources, clusters = new
    differs = (moods != old["mood"]) | (sources != old["source"]) | (clusters != old["cluster"])
    _write_values(
        (int(pks[i]), MOOD_CODES[moods[i]], SOURCE_CODES[sources[i]], None if clusters[i] < 0 else int(clusters[i]))
        for i in np.flatnonzero(differs)
    )
    return int(np.sum(moods != old["mood"]))


def _refresh_featureless() -> dict:
    stats = {"tracks": 0, "changed": 0, "without_mood": 0, "moods": Counter(), "sources": Counter()}
    for chunk in _chunks(Track.objects.filter(has_features=False)):
        before = {t.pk: (t.mood, t.mood_source) for t in chunk}
        assign_moods(chunk)
        dirty = [t for t in chunk if before[t.pk] != (t.mood, t.mood_source)]
        write_moods(dirty)
        stats["tracks"] += len(chunk)
        stats["changed"] += sum(1 for t in dirty if before[t.pk][0] != t.mood)
        stats["without_mood"] += sum(1 for t in chunk if not t.mood)
        stats["moods"].update(t.mood for t in chunk if t.mood)
        stats["sources"].update(t.mood_source for t in chunk if t.mood_source)
    return stats


def _kept_share(old: np.ndarray, new: np.ndarray) -> float | None:
    """Share of tracks that were in a cluster and stayed in the same one."""
    had = old >= 0
    if not had.any():
        return None
    return round(float(np.mean(old[had] == new[had])), 4)


def override_mood(tracks, mood: str) -> int:
    """An editor's mood for the tracks of a queryset; every later refit keeps it."""
    return _set_override(tracks, mood)


def clear_mood_override(tracks) -> int:
    """Give tracks back to the mood model (or their neighbours)."""
    return _set_override(tracks.exclude(mood_override=""), "")


def _set_override(queryset, mood: str) -> int:
    count = 0
    for chunk in _chunks(queryset):
        for track in chunk:
            track.mood_override = mood
        assign_moods(chunk)
        pks = [t.pk for t in chunk]
        for start in range(0, len(pks), UPDATE_CHUNK):
            Track.objects.filter(pk__in=pks[start : start + UPDATE_CHUNK]).update(mood_override=mood)
        write_moods(chunk)
        count += len(chunk)
    return count


def _chunks(queryset):
    """A queryset's tracks, a chunk at a time in id order, so memory stays flat."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        yield chunk
