"""Latency of recommend_for on a 100,000-track catalogue, measured in one run.

    .venv/bin/python bench/recommend.py [--json] [--tracks 100000] [--ratings 1000] [--requests 300]

Builds a throwaway database on the configured engine (a temporary SQLite file by
default, or a ``test_`` database on PostgreSQL when DATABASE_URL says so; never the
project's own data), fills it, and times requests through the real code path:
``music.services.recommendations.recommend_for`` with its database queries.

The catalogue is the real ``classic_hits.csv`` (about 14,600 songs) plus SYNTHETIC rows
up to ``--tracks``, made only for scale: titled "Synthetic bench track N" by
"Synthetic bench artist N", with audio features resampled from real rows plus noise,
moods from the served mood model. ``--ratings`` likes and dislikes are spread over 200
listeners who each favour a few artists, so the collaborative signal has neighbours.

Prints (``--json``: one JSON object):

* ``p50_ms`` / ``p95_ms``: one ``recommend_for`` call (random listener, emotion,
  strategy and seed), the catalogue index already built;
* ``served_p50_ms`` / ``served_p95_ms``: the same plus logging the list
  (``record_shown``), as a page or the API serves it;
* ``baseline_p50_ms`` / ``baseline_p95_ms``: the baseline in the same run (the
  mapping's moods, then the top 10 tracks by popularity in them), and ``p95_ratio``;
* ``index_build_ms``: building the catalogue index, paid once per process and after
  the catalogue changes;
* ``taste_fit_ms``: fitting the taste factors from every rating (``fit_taste_model``,
  a periodic Celery task), fitted before the timed requests so that each folds the
  listener's ratings into them.

Goal: p95 <= 50 ms. The machine has 2 cores and may be training a model, so
the load average is printed with the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")

import django

django.setup()

import numpy as np
from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from accounts.models import User
from emotions.engine.labels import EMOTIONS
from music.catalogue.dialects import RowProblem, TrackCSV
from music.models import Genre, Playlist, PlaylistTrack, Rating, RecommendationLog, Track
from music.moods.features import AUDIO_FEATURES
from music.moods.labels import MOODS
from music.services.catalogue_index import catalogue_index, forget_catalogue_index
from music.services.mood_model import mood_classifier, moods_for
from music.services.recommendations import recommend_for, record_shown
from music.services.taste_model import refit

SYNTHETIC_ALBUM = "Synthetic bench row (not a real song)"
LISTENERS = 200
BATCH = 2000


def real_tracks(path: Path) -> list[Track]:
    """The catalogue CSV's songs, one per normalised (title, main artist)."""
    if not path.is_file():
        return []
    tracks: dict[tuple[str, str], Track] = {}
    genres: dict[tuple[str, str], list[str]] = {}
    with open(path, "rb") as stream:
        for record in TrackCSV(stream):
            if isinstance(record, RowProblem):
                continue
            if record.keys in tracks:
                genres[record.keys] += record.genres
                continue
            track = Track(
                title=record.title,
                artists="; ".join(record.artists),
                year=record.year,
                duration_ms=record.duration_ms,
                popularity=record.popularity,
                **record.features,
            )
            tracks[record.keys] = track
            genres[record.keys] = list(record.genres)
    for key, track in tracks.items():
        track.bench_genres = sorted(set(genres[key]))
    return list(tracks.values())


def synthetic_tracks(count: int, real: list[Track], rng: np.random.Generator) -> list[Track]:
    """Rows for scale only, clearly named as such, with plausible audio features."""
    featured = [t for t in real if all(getattr(t, f) is not None for f in AUDIO_FEATURES)]
    genre_names = sorted({g for t in real for g in t.bench_genres}) or ["Pop"]
    popularity = [t.popularity for t in real if t.popularity is not None] or [40]
    artists = max(1, count // 8)
    tracks = []
    for i in range(count):
        values = {}
        source = featured[int(rng.integers(len(featured)))] if featured else None
        for name, (low, high, integer) in AUDIO_FEATURES.items():
            if source is None:
                # Without the real catalogue: anywhere in the feature's valid range.
                values[name] = int(rng.integers(max(low, 0), high + 1)) if integer else float(rng.uniform(low, high))
            elif integer:
                values[name] = getattr(source, name)
            else:
                values[name] = float(np.clip(getattr(source, name) + rng.normal(0, 0.05 * (high - low)), low, high))
        track = Track(
            title=f"Synthetic bench track {i:06d}",
            artists=f"Synthetic bench artist {int(rng.integers(artists)):05d}",
            album=SYNTHETIC_ALBUM,
            popularity=int(popularity[int(rng.integers(len(popularity)))]),
            **values,
        )
        track.bench_genres = [genre_names[int(rng.integers(len(genre_names)))]]
        tracks.append(track)
    return tracks


def fill_catalogue(tracks: list[Track]) -> None:
    model = mood_classifier()
    for track in tracks:
        track.refresh_derived_fields()
    featured = [t for t in tracks if t.has_features]
    x = np.array([[getattr(t, f) for f in model.features] for t in featured], dtype=float)
    for track, mood in zip(featured, model.predict(x), strict=True):
        track.mood, track.mood_source = mood, Track.MoodSource.MODEL
    for start in range(0, len(tracks), BATCH):
        Track.objects.bulk_create(tracks[start : start + BATCH])
    genre_ids = {}
    for name in sorted({g for t in tracks for g in t.bench_genres}):
        genre_ids[name] = Genre.objects.get_or_create(name=name)[0].pk
    links = [Track.genres.through(track_id=t.pk, genre_id=genre_ids[g]) for t in tracks for g in t.bench_genres]
    for start in range(0, len(links), BATCH):
        Track.genres.through.objects.bulk_create(links[start : start + BATCH])


def fill_playlists(rng: np.random.Generator) -> None:
    for mood in MOODS:
        ids = list(Track.objects.filter(mood=mood).order_by("-popularity").values_list("pk", flat=True)[:400])
        if not ids:
            continue
        playlist = Playlist.objects.create(name=f"Bench playlist: {mood}", mood=mood, published=True)
        chosen = rng.choice(ids, size=min(25, len(ids)), replace=False)
        PlaylistTrack.objects.bulk_create(
            [PlaylistTrack(playlist=playlist, track_id=int(t), position=i) for i, t in enumerate(chosen, 1)]
        )


def fill_ratings(count: int, rng: np.random.Generator) -> list[User]:
    """``count`` ratings over LISTENERS listeners; each favours a few artists that
    others favour too, so neighbours exist."""
    User.objects.bulk_create([User(username=f"bench{i}", email=f"bench{i}@example.invalid") for i in range(LISTENERS)])
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    rows = list(Track.objects.exclude(mood="").values_list("pk", "artist_key", "popularity"))
    by_artist: dict[str, list[int]] = {}
    for pk, artist, _ in rows:
        by_artist.setdefault(artist, []).append(pk)
    popular_artists = sorted(by_artist, key=lambda a: -len(by_artist[a]))[:300]
    all_ids = [pk for pk, _, _ in rows]
    # A few listeners rate a lot and many rate a little, as in real use.
    shares = rng.pareto(1.5, size=len(users)) + 1
    per_user = np.maximum(1, np.round(shares / shares.sum() * count)).astype(int)
    while per_user.sum() > count:
        per_user[int(np.argmax(per_user))] -= 1
    while per_user.sum() < count:
        per_user[int(rng.integers(len(users)))] += 1
    ratings = []
    for user, n in zip(users, per_user, strict=True):
        favourites = rng.choice(popular_artists, size=4, replace=False)
        seen = set()
        while len(seen) < n:
            if rng.random() < 0.8:
                pool = by_artist[str(favourites[int(rng.integers(len(favourites)))])]
                track, value = int(pool[int(rng.integers(len(pool)))]), 1
            else:
                track, value = int(all_ids[int(rng.integers(len(all_ids)))]), -1
            if track not in seen:
                seen.add(track)
                ratings.append(Rating(user=user, track_id=track, value=value))
    Rating.objects.bulk_create(ratings, batch_size=BATCH)
    return users


def time_calls(call, arguments: list, warmup: int = 10) -> list[float]:
    for args in arguments[:warmup]:
        call(*args)
    samples = []
    for args in arguments:
        started = time.perf_counter()
        call(*args)
        samples.append((time.perf_counter() - started) * 1000.0)
    return samples


def seeds_method(user: User, emotion: str, strategy: str, seed: int) -> list[Track]:
    return list(Track.objects.filter(mood__in=moods_for(emotion, strategy)).order_by("-popularity")[:10])


def served(user: User, emotion: str, strategy: str, seed: int) -> None:
    record_shown(user, recommend_for(user, emotion, strategy, seed=seed), RecommendationLog.Surface.API)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--ratings", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--catalogue", type=Path, default=settings.DATA_DIR / "music" / "classic_hits.csv")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, flush=True))

    with tempfile.TemporaryDirectory(prefix="fermusic-bench-") as folder:
        if connection.vendor == "sqlite":
            # A file like the real one, not the in-memory database tests use.
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder) / "bench.sqlite3")
        old = setup_databases(verbosity=0, interactive=False)
        try:
            started = time.perf_counter()
            real = real_tracks(args.catalogue)[: args.tracks]
            tracks = real + synthetic_tracks(args.tracks - len(real), real, rng)
            fill_catalogue(tracks)
            fill_playlists(rng)
            users = fill_ratings(args.ratings, rng)
            say(
                f"Catalogue: {len(real)} real + {len(tracks) - len(real)} synthetic tracks, "
                f"{Rating.objects.count()} ratings by {len(users)} listeners "
                f"({time.perf_counter() - started:.0f} s to fill)"
            )

            started = time.perf_counter()
            fit = refit()
            fit_ms = (time.perf_counter() - started) * 1000.0

            forget_catalogue_index()
            started = time.perf_counter()
            index = catalogue_index()
            build_ms = (time.perf_counter() - started) * 1000.0
            assert fit is None or index.taste is not None, "the taste factors were not loaded"

            picker = random.Random(args.seed)
            calls = [
                (
                    picker.choice(users),
                    picker.choice(EMOTIONS),
                    picker.choice(["match", "lift"]),
                    picker.randrange(2**31),
                )
                for _ in range(args.requests)
            ]
            model = time_calls(lambda u, e, s, seed: recommend_for(u, e, s, seed=seed), calls)
            baseline = time_calls(seeds_method, calls)
            logged = time_calls(served, calls)
            rated = sum(1 for u, *_ in calls if u.ratings.exists())
        finally:
            teardown_databases(old, verbosity=0)

    p = lambda samples, q: round(float(np.percentile(samples, q)), 2)  # noqa: E731
    result = {
        "database": connection.vendor,
        "tracks": len(tracks),
        "real_tracks": len(real),
        "synthetic_tracks": len(tracks) - len(real),
        "ratings": args.ratings,
        "listeners": len(users),
        "requests": args.requests,
        "requests_by_listeners_with_ratings": rated,
        "index_build_ms": round(build_ms, 1),
        "taste_fit_ms": round(fit_ms, 1),
        "p50_ms": p(model, 50),
        "p95_ms": p(model, 95),
        "mean_ms": round(float(np.mean(model)), 2),
        "served_p50_ms": p(logged, 50),
        "served_p95_ms": p(logged, 95),
        "baseline_p50_ms": p(baseline, 50),
        "baseline_p95_ms": p(baseline, 95),
        "p95_ratio": round(p(model, 95) / max(p(baseline, 95), 1e-9), 2),
        "goal_p95_ms": 50,
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"recommend_for on {result['tracks']} tracks ({result['synthetic_tracks']} synthetic), "
        f"{args.requests} requests:\n"
        f"  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms (goal p95 <= 50 ms); with logging p95 "
        f"{result['served_p95_ms']} ms\n"
        f"  baseline top-10 by popularity: p50 {result['baseline_p50_ms']} ms, p95 {result['baseline_p95_ms']} ms; "
        f"ratio of p95s {result['p95_ratio']}x\n"
        f"  index build {result['index_build_ms']} ms (once per process and catalogue change); taste factors "
        f"fitted in {result['taste_fit_ms']} ms (periodic task); "
        f"load average {result['load_average']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
