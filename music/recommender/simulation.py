"""A SIMULATION of listeners rating recommendations, built from real listening
profiles (Last.fm, HetRec 2011: which artists 1,892 people played, and how often)
joined to a track catalogue by normalised artist name.

What is simulated, and so assumed:

* a listener likes any catalogue track by an artist they played, and no other
  (Last.fm knows artists, not tracks, and has no dislikes);
* their ratings arrive one at a time: a like of a random track by one of their
  artists, picked in proportion to the square root of the artist's play count, or,
  for ``DISLIKE_SHARE`` of ratings, a dislike of a popular track by an artist they
  never played ("heard it on the radio, not for me");
* they ask for music in one mood, drawn in proportion to how many of their tracks
  have it.

For each listener the tracks of their artists other than the ones they rate (all of
the ``ratings`` reveals, known in advance) are the relevant set; every method ranks
the mood's tracks with the rated ones left out. Every other listener contributes
``COMMUNITY_RATINGS`` ratings drawn the same way, as the community the collaborative
signal learns from (the listener's own row is never in it). Nothing here is a
measurement of real listeners.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from music.catalogue.dialects import RowProblem, TrackCSV
from music.catalogue.normalise import artist_key
from music.moods.classifier import MoodClassifier
from music.moods.features import MODEL_FEATURES
from music.moods.labels import MOODS

from . import metrics
from .index import NO_MOOD, CatalogueIndex
from .ranking import WEIGHTS, Community, Request, Taste, Weights, rank

DISLIKE_SHARE = 0.2
COMMUNITY_RATINGS = 20
LEFT_TO_FIND = 5  # tracks by the listener's artists beyond those they rate, at least
CHECKPOINTS = (0, 1, 2, 3, 5, 10)  # ratings revealed when the lists are measured
K = 10
METHODS = ("model", "popularity", "random")


def catalogue_from_csv(path: Path, classifier: MoodClassifier) -> CatalogueIndex:
    """The catalogue a CSV file would import to, in memory: one track per normalised
    (title, main artist), genres merged, the highest popularity kept, moods from the
    mood model (tracks without every audio feature it reads get none)."""
    merged: dict[tuple[str, str], dict] = {}
    with open(path, "rb") as stream:
        for record in TrackCSV(stream):
            if isinstance(record, RowProblem):
                continue
            track = merged.get(record.keys)
            if track is None:
                merged[record.keys] = {
                    "artist_key": record.keys[1],
                    "artist": record.main_artist,
                    "popularity": record.popularity,
                    "features": [record.features.get(f, np.nan) for f in MODEL_FEATURES],
                    "genres": list(record.genres),
                }
            else:
                if record.popularity is not None:
                    track["popularity"] = max(track["popularity"] or 0, record.popularity)
                track["genres"] += [g for g in record.genres if g not in track["genres"]]
    tracks = list(merged.values())
    x = np.array([t["features"] for t in tracks], dtype=float).reshape(len(tracks), len(MODEL_FEATURES))
    complete = ~np.isnan(x).any(axis=1)
    moods = np.full(len(tracks), "", dtype=object)
    if complete.any():
        columns = [MODEL_FEATURES.index(f) for f in classifier.features]
        moods[complete] = classifier.predict(x[complete][:, columns])
    return CatalogueIndex.build(
        ids=range(1, len(tracks) + 1),
        moods=list(moods),
        popularity=[t["popularity"] for t in tracks],
        features=x[:, [MODEL_FEATURES.index(f) for f in classifier.features]],
        artist_keys=[t["artist_key"] for t in tracks],
        artist_names=[t["artist"] for t in tracks],
        genres=[t["genres"] for t in tracks],
        mean=classifier.mean,
        scale=classifier.scale,
    )


@dataclass(frozen=True)
class Listener:
    id: int
    artists: np.ndarray  # artist indices in the catalogue index
    plays: np.ndarray


def load_listeners(directory: Path, index: CatalogueIndex, artist_keys: Sequence[str]) -> list[Listener]:
    """Last.fm listeners and the plays of their artists that the catalogue has.
    ``artist_keys`` is the catalogue's normalised key of each of its artists."""
    position = {key: i for i, key in enumerate(artist_keys)}
    names: dict[int, int] = {}
    with open(directory / "artists.dat", encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            where = position.get(artist_key(row["name"]))
            if where is not None:
                names[int(row["id"])] = where
    plays: dict[int, dict[int, int]] = defaultdict(dict)
    with open(directory / "user_artists.dat", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            where = names.get(int(row["artistID"]))
            if where is not None:
                counts = plays[int(row["userID"])]
                counts[where] = counts.get(where, 0) + int(row["weight"])
    return [
        Listener(user, np.array(list(counts), dtype=np.int64), np.array(list(counts.values()), dtype=float))
        for user, counts in sorted(plays.items())
    ]


@dataclass
class Result:
    """Per listener and checkpoint (ratings revealed so far) metric values."""

    listeners: int = 0
    ndcg: dict = field(default_factory=lambda: {m: defaultdict(list) for m in METHODS})
    precision: dict = field(default_factory=lambda: {m: defaultdict(list) for m in METHODS})
    ndcg_new_artists: dict = field(default_factory=lambda: {m: defaultdict(list) for m in METHODS})
    diversity: dict = field(default_factory=lambda: {m: [] for m in METHODS})
    artists: dict = field(default_factory=lambda: {m: [] for m in METHODS})
    lists: dict = field(default_factory=lambda: {m: [] for m in METHODS})
    universe: int = 0
    checkpoints: tuple[int, ...] = CHECKPOINTS
    seconds: float = 0.0


class Simulation:
    def __init__(
        self,
        index: CatalogueIndex,
        listeners: list[Listener],
        seed: int = 0,
        ratings: int = 10,
        weights: Weights = WEIGHTS,
    ):
        self.index, self.seed, self.ratings, self.weights = index, seed, ratings, weights
        self.checkpoints = tuple(sorted({k for k in CHECKPOINTS if k < ratings} | {ratings}))
        self.by_artist = _rows_by_artist(index)
        has_mood = index.moods != NO_MOOD
        self.rated_pool = np.flatnonzero(has_mood & (index.popularity >= np.quantile(index.popularity[has_mood], 0.8)))
        self.listeners = [
            p
            for p in listeners
            if sum(len(self.by_artist.get(int(a), ())) for a in p.artists) >= ratings + LEFT_TO_FIND
        ]
        self.community = self._community()

    def _relevant(self, listener: Listener) -> np.ndarray:
        return np.concatenate([self.by_artist.get(int(a), np.array([], dtype=np.int64)) for a in listener.artists])

    def reveals(self, listener: Listener, count: int, rng: np.random.Generator) -> list[tuple[int, int]]:
        """``count`` (row, +1 like / -1 dislike) ratings, in the order they are given."""
        relevant = self._relevant(listener)
        relevant_set = set(relevant.tolist())
        weight = np.sqrt(listener.plays)
        left = {int(a): list(self.by_artist.get(int(a), ())) for a in listener.artists}
        rated: set[int] = set()
        out = []
        while len(out) < count:
            if rng.random() < DISLIKE_SHARE:
                row = int(rng.choice(self.rated_pool))
                if row in relevant_set or row in rated:
                    continue
                out.append((row, -1))
            else:
                open_artists = np.array([i for i, a in enumerate(listener.artists) if left[int(a)]])
                if not len(open_artists):
                    break
                p = weight[open_artists] / weight[open_artists].sum()
                artist = int(listener.artists[rng.choice(open_artists, p=p)])
                row = left[artist].pop(int(rng.integers(len(left[artist]))))
                out.append((row, 1))
            rated.add(out[-1][0])
        return out

    def _community(self) -> Community:
        rng = np.random.default_rng([self.seed, 1])
        rows, cols, values = [], [], []
        for i, listener in enumerate(self.listeners):
            for row, value in self.reveals(listener, COMMUNITY_RATINGS, rng):
                rows.append(i)
                cols.append(row)
                values.append(value)
        ratings = sparse.csr_matrix((values, (rows, cols)), shape=(len(self.listeners), len(self.index)), dtype=float)
        return Community.of(self.index, ratings)

    def run(self, users: int | None = None, progress: Callable[[int, int], None] | None = None) -> Result:
        started = time.monotonic()
        rng = np.random.default_rng([self.seed, 2])
        chosen = np.arange(len(self.listeners))
        if users is not None and users < len(chosen):
            chosen = np.sort(rng.choice(chosen, size=users, replace=False))
        result = Result(universe=int((self.index.moods != NO_MOOD).sum()), checkpoints=self.checkpoints)
        for done, position in enumerate(chosen):
            self._listener(int(position), result)
            if progress:
                progress(done + 1, len(chosen))
        result.seconds = time.monotonic() - started
        return result

    def _listener(self, position: int, result: Result) -> None:
        listener = self.listeners[position]
        rng = np.random.default_rng([self.seed, 3, listener.id])
        reveals = self.reveals(listener, self.ratings, rng)
        rated = np.array([row for row, _ in reveals], dtype=np.int64)
        held_out = np.setdiff1d(self._relevant(listener), rated)
        per_mood = np.bincount(self.index.moods[held_out][self.index.moods[held_out] != NO_MOOD], minlength=len(MOODS))
        if per_mood.sum() == 0:
            return
        mood = int(rng.choice(len(MOODS), p=per_mood / per_mood.sum()))
        relevant = set(held_out[self.index.moods[held_out] == mood].tolist())
        pool = np.setdiff1d(self.index.by_mood[mood], rated)
        popular = pool[np.lexsort((pool, -self.index.popularity[pool]))][:K]
        others = self.community.without(position)
        result.listeners += 1
        for k in self.checkpoints:
            likes = [row for row, value in reversed(reveals[:k]) if value > 0]
            dislikes = [row for row, value in reversed(reveals[:k]) if value < 0]
            request = Request(
                moods=(MOODS[mood],),
                taste=Taste.of(likes, dislikes),
                n=K,
                seed=int(rng.integers(2**31)),
                community=others,
                exclude=rated,
            )
            lists = {
                "model": [p.row for p in rank(self.index, request, self.weights)],
                "popularity": popular.tolist(),
                "random": rng.choice(pool, size=min(K, len(pool)), replace=False).tolist(),
            }
            liked_artists = np.unique(self.index.artists[np.array(likes, dtype=np.int64)])
            new = {r for r in relevant if self.index.artists[r] not in liked_artists}
            for method, ranked in lists.items():
                result.ndcg[method][k].append(metrics.ndcg_at(ranked, relevant, K))
                if new:
                    result.ndcg_new_artists[method][k].append(metrics.ndcg_at(ranked, new, K))
                result.precision[method][k].append(metrics.precision_at(ranked, relevant, K))
                if k == self.checkpoints[-1]:
                    result.lists[method].append(ranked)
                    result.diversity[method].append(metrics.intra_list_diversity(self.index, ranked))
                    result.artists[method].append(metrics.distinct_artists(self.index, ranked))


def _rows_by_artist(index: CatalogueIndex) -> dict[int, np.ndarray]:
    rows = np.flatnonzero(index.moods != NO_MOOD)
    order = rows[np.argsort(index.artists[rows], kind="stable")]
    artists, starts = np.unique(index.artists[order], return_index=True)
    # Not strict: with no rows np.split still gives one (empty) piece for no artist.
    return dict(zip(artists.tolist(), np.split(order, starts[1:]), strict=False))


def summary(result: Result, seed: int) -> dict:
    """The numbers the evaluation command prints, with bootstrap intervals."""
    last = result.checkpoints[-1]
    out: dict = {"listeners": result.listeners, "ratings": last, "seconds": round(result.seconds, 1)}
    for method in METHODS:
        ndcg = metrics.bootstrap_mean(result.ndcg[method][last], seed)
        precision = metrics.bootstrap_mean(result.precision[method][last], seed)
        new_artists = metrics.bootstrap_mean(result.ndcg_new_artists[method][last], seed)
        diversity = metrics.bootstrap_mean([v for v in result.diversity[method] if v is not None], seed)
        out[method] = {
            "ndcg10": ndcg,
            "precision10": precision,
            "ndcg10_new_artists": new_artists,
            "coverage": metrics.coverage(result.lists[method], result.universe),
            "intra_list_diversity": diversity,
            "distinct_artists": float(np.mean(result.artists[method])) if result.artists[method] else None,
            "ndcg10_by_ratings": {k: float(np.mean(v)) for k, v in sorted(result.ndcg[method].items())},
        }
    out["model_vs_popularity_ndcg10"] = metrics.bootstrap_ratio(
        result.ndcg["model"][last], result.ndcg["popularity"][last], seed
    )
    return out
