"""How still a result's list holds: songs kept on a reload, after a like and after a
dislike, for the stored lists (``music.services.shown_lists``) and, measured in the
same run, for the baseline the result page had before them (each visit asked for a
fresh exploration; a rating fetched the list again with the same seed).

    .venv/bin/python bench/list_stability.py [--json] [--trials 40] [--seed 0]

Builds a throwaway database on the configured engine (a temporary SQLite file by
default, a ``test_`` database on PostgreSQL when DATABASE_URL says so; never the
project's own data) with the real ``classic_hits.csv`` (through bench/recommend.py's
loader; without it, synthetic rows), and 50 listeners who like a few artists, so
community and taste signals are on. Each trial is one listener (half with 20 likes,
half new) and one detection of a random emotion, strategy from the listener's own
choice; the like and the dislike are at random rows.

Prints, per method and event, out of the list's 10 rows (``--json``: one object):

* ``same_rows``: rows showing the same song as before the event (what the pointer sees);
* ``kept``: songs of the list still in it, wherever they are;
* ``above_like_kept``: the share of rows above the liked song that stayed put (a like
  must keep them all), and ``others_kept_on_dislike``: the share of rows other than the
  disliked one that stayed put (a dislike must replace only its own row).
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
from bench.recommend import fill_catalogue, real_tracks, synthetic_tracks
from emotions.engine.labels import EMOTIONS
from emotions.models import DetectedFace, Detection
from music.models import Rating, Track
from music.services.catalogue_index import forget_catalogue_index
from music.services.ratings import rate
from music.services.recommendations import recommend_for
from music.services.shown_lists import list_for_detection, rate_in_list, rows

SIZE = 10
COMMUNITY = 50
LIKES = 20


def detection_for(user: User, emotion: str) -> Detection:
    detection = Detection.objects.create(owner=user, status="done", retention="delete")
    DetectedFace.objects.create(
        detection=detection,
        index=0,
        x=0,
        y=0,
        width=100,
        height=100,
        probabilities={e: 0.7 if e == emotion else 0.05 for e in EMOTIONS},
        emotion=emotion,
        confidence=0.7,
    )
    return detection


def listener(name: str, likes: list[int]) -> User:
    user = User.objects.create(
        username=name, email=f"{name}@example.invalid", mood_strategy=random.choice(["match", "lift"])
    )
    Rating.objects.bulk_create([Rating(user=user, track_id=t, value=1) for t in likes])
    return user


def fill_community(rng: np.random.Generator) -> list[list[int]]:
    """COMMUNITY listeners who each like LIKES songs by four artists; returns the
    like lists, which trial listeners copy so neighbours exist."""
    by_artist: dict[str, list[int]] = {}
    for pk, artist in Track.objects.exclude(mood="").values_list("pk", "artist_key"):
        by_artist.setdefault(artist, []).append(pk)
    artists = sorted((a for a in by_artist if len(by_artist[a]) >= 5), key=lambda a: -len(by_artist[a]))[:200]
    tastes = []
    for i in range(COMMUNITY):
        pool = [t for a in rng.choice(artists, size=4, replace=False) for t in by_artist[str(a)]]
        likes = [int(t) for t in rng.choice(pool, size=min(LIKES, len(pool)), replace=False)]
        listener(f"community{i}", likes)
        tastes.append(likes)
    return tastes


def compare(before: list[int], after: list[int]) -> tuple[int, int]:
    same = sum(1 for a, b in zip(before, after, strict=False) if a == b)
    return same, len(set(before) & set(after))


def baseline_trial(user: User, emotion: str, like_at: int, dislike_at: int) -> dict:
    """The result page before stored lists: every visit a new seed; a rating, then the
    list again with the same seed."""
    ids = lambda recs: [item.track.pk for item in recs.items]  # noqa: E731
    first = recommend_for(user, emotion)
    reload = ids(recommend_for(user, emotion))
    shown = ids(first)
    rate(user, Track(pk=shown[like_at]), 1)
    liked = ids(recommend_for(user, emotion, seed=first.seed))
    rate(user, Track(pk=liked[dislike_at]), -1)
    disliked = ids(recommend_for(user, emotion, seed=first.seed))
    return {"shown": shown, "reload": reload, "liked": liked, "disliked": disliked}


def stored_trial(user: User, emotion: str, like_at: int, dislike_at: int) -> dict:
    detection = detection_for(user, emotion)
    songs = lambda s: [row.track.pk for row in rows(s)]  # noqa: E731
    shown_list = list_for_detection(user, detection)
    shown = songs(shown_list)
    reload = songs(list_for_detection(user, detection))
    rate_in_list(shown_list, Track.objects.get(pk=shown[like_at]), 1)
    liked = songs(shown_list)
    rate_in_list(shown_list, Track.objects.get(pk=liked[dislike_at]), -1)
    disliked = songs(shown_list)
    return {"shown": shown, "reload": reload, "liked": liked, "disliked": disliked}


def summarise(trials: list[dict]) -> dict:
    out = {}
    for event, before in (("reload", "shown"), ("like", "shown"), ("dislike", "liked")):
        after = {"reload": "reload", "like": "liked", "dislike": "disliked"}[event]
        pairs = [compare(t[before], t[after]) for t in trials]
        out[event] = {
            "same_rows": round(float(np.mean([p[0] for p in pairs])), 2),
            "kept": round(float(np.mean([p[1] for p in pairs])), 2),
        }
    above = [
        sum(t["shown"][i] == t["liked"][i] for i in range(t["like_at"])) / t["like_at"] for t in trials if t["like_at"]
    ]
    others = [
        sum(t["liked"][i] == t["disliked"][i] for i in range(SIZE) if i != t["dislike_at"]) / (SIZE - 1) for t in trials
    ]
    out["above_like_kept"] = round(float(np.mean(above)), 3)
    out["others_kept_on_dislike"] = round(float(np.mean(others)), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synthetic", type=int, default=0, help="synthetic rows added to the real catalogue")
    parser.add_argument("--catalogue", type=Path, default=settings.DATA_DIR / "music" / "classic_hits.csv")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    random.seed(args.seed)
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, flush=True))

    with tempfile.TemporaryDirectory(prefix="fermusic-bench-") as folder:
        if connection.vendor == "sqlite":
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder) / "bench.sqlite3")
        old = setup_databases(verbosity=0, interactive=False)
        try:
            started = time.perf_counter()
            real = real_tracks(args.catalogue)
            extra = args.synthetic if real else max(args.synthetic, 5000)
            tracks = real + synthetic_tracks(extra, real, rng)
            fill_catalogue(tracks)
            tastes = fill_community(rng)
            forget_catalogue_index()
            say(
                f"Catalogue: {len(real)} real + {extra} synthetic tracks "
                f"({time.perf_counter() - started:.0f} s to fill)"
            )
            baseline, stored = [], []
            started = time.perf_counter()
            for i in range(args.trials):
                emotion = random.choice(EMOTIONS)
                likes = tastes[i % len(tastes)] if i % 2 else []
                like_at, dislike_at = random.randrange(SIZE), random.randrange(SIZE)
                for method, results, trial in (("old", baseline, baseline_trial), ("new", stored, stored_trial)):
                    user = listener(f"trial{i}-{method}", likes)
                    outcome = trial(user, emotion, like_at, dislike_at)
                    results.append({**outcome, "like_at": like_at, "dislike_at": dislike_at})
            seconds = time.perf_counter() - started
        finally:
            teardown_databases(old, verbosity=0)

    result = {
        "database": connection.vendor,
        "tracks": len(tracks),
        "trials": args.trials,
        "list_size": SIZE,
        "stored": summarise(stored),
        "baseline": summarise(baseline),
        "seconds": round(seconds, 1),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"List stability over {args.trials} trials on {len(tracks)} tracks (rows of {SIZE}, mean per trial):")
    print(f"  {'event':<9} {'stored: same rows':>18} {'kept':>6}   {'baseline: same rows':>20} {'kept':>6}")
    for event in ("reload", "like", "dislike"):
        s, b = result["stored"][event], result["baseline"][event]
        print(
            f"  {event:<9} {s['same_rows']:>13}/{SIZE} {s['kept']:>3}/{SIZE}   "
            f"{b['same_rows']:>15}/{SIZE} {b['kept']:>3}/{SIZE}"
        )
    for name, words in (
        ("above_like_kept", "rows above a liked song that stayed put"),
        ("others_kept_on_dislike", "rows other than a disliked one that stayed put"),
    ):
        print(f"  {words}: stored {result['stored'][name]:.0%}, baseline {result['baseline'][name]:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
