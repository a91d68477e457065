"""A SIMULATION of listeners rating recommendations, built from real listening
profiles (Last.fm, HetRec 2011: which artists 1,892 people played, and how often)
joined to a track catalogue by normalised artist name.

The headline is DISCOVERY: can a method find music by artists the listener has not
told it about? For each evaluated listener the artists they played are split, seeded,
into *revealed* (``1 - HELD_OUT_SHARE`` of them) and *held out*; every rating they give
comes from the revealed artists, and the relevant set is the requested mood's tracks by
the held-out artists. The old question ("more songs by the artists you just liked": the
mood's unrated tracks by revealed artists) is kept as a secondary figure,
``same_artists``, labelled for what it is.

What is simulated, and so assumed:

* a listener likes any catalogue track by an artist they played, and no other
  (Last.fm knows artists, not tracks, and has no dislikes);
* their ratings arrive one at a time: a like of a random track by one of their
  (revealed) artists, picked in proportion to the square root of the artist's play
  count, or, for ``DISLIKE_SHARE`` of ratings, a dislike of a popular track by an
  artist they never played ("heard it on the radio, not for me");
* they ask for music in one mood, drawn in proportion to how many tracks by their
  held-out artists have it.

Listeners are split, seeded, three ways: ``validation`` listeners (every tunable
method, baselines included, is tuned on them), the evaluated ``users`` (reported,
never tuned on) and the community: every other listener gives ``COMMUNITY_RATINGS``
ratings drawn the same way from all their artists, and those ratings are all that the
collaborative methods learn from. Every method ranks the same pool: the mood's tracks
less the ones the listener rated. Nothing here is a measurement of real listeners.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path

import numpy as np
from scipy import sparse

from music.catalogue.dialects import RowProblem, TrackCSV
from music.catalogue.normalise import artist_key
from music.moods.classifier import MoodClassifier
from music.moods.features import MODEL_FEATURES
from music.moods.labels import MOODS

from . import baselines, metrics
from . import factors as taste_factors
from .index import NO_MOOD, CatalogueIndex
from .ranking import HAND_WEIGHTS, WEIGHTS, Community, Request, Taste, Weights, rank

DISLIKE_SHARE = 0.2
COMMUNITY_RATINGS = 20
HELD_OUT_SHARE = 0.5  # of a listener's artists, never rated: the discovery targets
LEFT_TO_FIND = 5  # tracks by held-out artists, at least
CHECKPOINTS = (0, 1, 3, 5, 10)  # ratings revealed when the lists are measured
K = 10
RECALL_K = 50
VALIDATION = 200
BASELINES = ("popularity", "random", "item_knn", "als", "als_artists", "bpr", "hand_weighted")
METHODS = ("model", *BASELINES)
METRICS = ("ndcg10", "precision10", "recall50", "coverage", "intra_list_diversity", "artists_per_list")


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


@dataclass(frozen=True)
class Case:
    """One evaluated listener: their ratings in order, the mood they ask for, what is
    relevant and the pool every method ranks."""

    listener: int  # position in Simulation.listeners
    reveals: tuple[tuple[int, int], ...]  # (row, +1 like / -1 dislike), in order
    mood: int
    relevant: np.ndarray  # discovery: the mood's tracks by held-out artists
    same_artists: np.ndarray  # secondary: the mood's unrated tracks by revealed artists
    pool: np.ndarray  # the mood's tracks less the rated ones
    seed: int

    def ratings(self, k: int) -> baselines.Ratings:
        first = self.reveals[:k][::-1]  # most recent first
        return baselines.Ratings(
            np.array([r for r, v in first if v > 0], dtype=np.int64),
            np.array([r for r, v in first if v < 0], dtype=np.int64),
        )


@dataclass
class Ranker:
    """The product's ranking (``ranking.rank``) as an evaluated method: taste factors
    fitted on the community by the product's own ``factors.fit``, the neighbours'
    vote over the same community."""

    weights: Weights = WEIGHTS
    name: str = "model"
    seed: int = 0

    def fit(self, index: CatalogueIndex, community: sparse.csr_matrix) -> None:
        self.community = Community.of(index, community)
        fitted = None
        if self.weights.taste or self.weights.taste_track:
            keys = [index.artist_keys[a] for a in index.artists]
            fitted = taste_factors.fit(community, index.ids, keys, seed=self.seed)
        self.index = index.with_taste(fitted)

    def ranked(self, ratings: baselines.Ratings, pool: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
        exclude = np.setdiff1d(self.index.by_mood[int(self.index.moods[pool[0]])], pool) if len(pool) else pool
        request = Request(
            moods=(self.index.mood_name(int(pool[0])),),
            taste=Taste(ratings.liked, ratings.disliked),
            n=n,
            seed=int(rng.integers(2**31)),
            community=self.community,
            exclude=exclude,
        )
        return [p.row for p in rank(self.index, request, self.weights)]


def method(name: str, seed: int = 0, **params):
    """A fresh evaluated method by name, with these hyperparameters."""
    if name == "model":
        return Ranker(seed=seed, **params)
    if name == "hand_weighted":
        return Ranker(weights=HAND_WEIGHTS, name="hand_weighted", seed=seed)
    makers = {
        "popularity": baselines.Popularity,
        "random": baselines.Random,
        "item_knn": baselines.ItemKNN,
        "als": baselines.TrackALS,
        "als_artists": baselines.ArtistALS,
        "bpr": baselines.BPR,
    }
    made = makers[name](**params)
    if hasattr(made, "seed"):
        made.seed = seed
    return made


# Hyperparameters tried on the validation listeners (at the last checkpoint's ratings).
GRIDS: dict[str, list[dict]] = {
    "item_knn": [{"neighbours": k} for k in (100, 500, 2000)],
    "als": [
        {"factors": f, "regularization": r, "alpha": a}
        for f, r, a in product((32, 64), (3.0, 10.0, 30.0, 100.0), (0.5, 1.0, 2.0))
    ],
    "als_artists": [
        {"settings": taste_factors.FactorSettings(factors=f, regularization=r, alpha=a)}
        for f, r, a in product((16, 32), (10.0, 30.0, 100.0), (1.0, 2.0, 4.0))
    ],
    "bpr": [
        {"factors": f, "learning_rate": lr, "regularization": r}
        for f, lr, r in product((32, 64), (0.003, 0.01, 0.03), (0.001, 0.01))
    ],
}
# The product's blend is tuned only when asked (``--tune``): its weights are constants
# in ``ranking.WEIGHTS``, chosen by this grid on the validation listeners.
MODEL_GRID = [
    {"weights": replace(WEIGHTS, taste_track=track, familiar_share=familiar, genre=genre, artist=artist)}
    for track, familiar, genre, artist in product((0.0, 0.5, 1.0), (0.1, 0.2, 1.0), (0.0, 0.25), (0.0, 0.3))
]


@dataclass
class Curves:
    """Per method and checkpoint, one value per case (None where undefined)."""

    values: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(list))))
    lists: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    same_artists: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))


@dataclass
class Result:
    checkpoints: tuple[int, ...]
    listeners: int
    validation_listeners: int
    community_listeners: int
    universe: int
    curves: Curves
    tuning: dict
    seconds: float = 0.0


class Simulation:
    def __init__(
        self,
        index: CatalogueIndex,
        listeners: list[Listener],
        seed: int = 0,
        ratings: int = 10,
        users: int = 600,
        validation: int = VALIDATION,
    ):
        self.index, self.seed, self.ratings = index, seed, ratings
        self.checkpoints = tuple(sorted({k for k in CHECKPOINTS if k < ratings} | {ratings}))
        self.by_artist = _rows_by_artist(index)
        has_mood = index.moods != NO_MOOD
        self.rated_pool = np.flatnonzero(has_mood & (index.popularity >= np.quantile(index.popularity[has_mood], 0.8)))
        self.listeners = [p for p in listeners if len(self._rows(p.artists))]
        rng = np.random.default_rng([seed, 2])
        cases = [c for c in (self._case(i) for i in rng.permutation(len(self.listeners))) if c is not None]
        self.eligible = len(cases)
        self.validation = cases[:validation]
        self.test = cases[validation : validation + users]
        evaluated = {c.listener for c in self.validation + self.test}
        self.community_listeners = [i for i in range(len(self.listeners)) if i not in evaluated]
        self.community = self._community(self.community_listeners)

    def _rows(self, artists: Iterable[int]) -> np.ndarray:
        parts = [self.by_artist.get(int(a), np.array([], dtype=np.int64)) for a in artists]
        return np.concatenate(parts) if parts else np.array([], dtype=np.int64)

    def _draw(
        self, artists: np.ndarray, plays: np.ndarray, count: int, rng: np.random.Generator, never: set[int]
    ) -> list[tuple[int, int]]:
        """``count`` ratings: likes of tracks by ``artists`` (by sqrt of plays), and
        dislikes of popular tracks outside ``never``."""
        weight = np.sqrt(plays)
        left = {int(a): list(self.by_artist.get(int(a), ())) for a in artists}
        rated: set[int] = set()
        out: list[tuple[int, int]] = []
        while len(out) < count:
            if rng.random() < DISLIKE_SHARE:
                row = int(rng.choice(self.rated_pool))
                if row in never or row in rated:
                    continue
                out.append((row, -1))
            else:
                open_artists = np.array([i for i, a in enumerate(artists) if left[int(a)]], dtype=np.int64)
                if not len(open_artists):
                    break
                p = weight[open_artists] / weight[open_artists].sum()
                artist = int(artists[rng.choice(open_artists, p=p)])
                out.append((left[artist].pop(int(rng.integers(len(left[artist])))), 1))
            rated.add(out[-1][0])
        return out

    def _case(self, position: int) -> Case | None:
        listener = self.listeners[position]
        rng = np.random.default_rng([self.seed, 3, listener.id])
        artists = np.array([a for a in listener.artists if int(a) in self.by_artist], dtype=np.int64)
        if len(artists) < 2:
            return None
        order = rng.permutation(len(artists))
        cut = max(1, round(HELD_OUT_SHARE * len(artists)))
        held, shown = np.sort(order[:cut]), np.sort(order[cut:])
        plays = dict(zip(listener.artists.tolist(), listener.plays.tolist(), strict=True))
        revealed, held_out = artists[shown], artists[held]
        held_rows = self._rows(held_out)
        if len(self._rows(revealed)) < self.ratings or len(held_rows) < LEFT_TO_FIND:
            return None
        never = set(self._rows(artists).tolist())
        reveals = self._draw(revealed, np.array([plays[int(a)] for a in revealed]), self.ratings, rng, never)
        per_mood = np.bincount(self.index.moods[held_rows], minlength=len(MOODS))
        mood = int(rng.choice(len(MOODS), p=per_mood / per_mood.sum()))
        rated = np.array([row for row, _ in reveals], dtype=np.int64)
        in_mood = self.index.moods == mood
        revealed_rows = np.setdiff1d(self._rows(revealed), rated)
        return Case(
            listener=position,
            reveals=tuple(reveals),
            mood=mood,
            relevant=held_rows[in_mood[held_rows]],
            same_artists=revealed_rows[in_mood[revealed_rows]],
            pool=np.setdiff1d(self.index.by_mood[mood], rated),
            seed=int(rng.integers(2**31)),
        )

    def _community(self, positions: Sequence[int]) -> sparse.csr_matrix:
        """(community listeners, catalogue rows) ratings, +1 like and -1 dislike."""
        rng = np.random.default_rng([self.seed, 1])
        rows, cols, values = [], [], []
        for i, position in enumerate(positions):
            listener = self.listeners[position]
            keep = np.array([int(a) in self.by_artist for a in listener.artists])
            artists, plays = listener.artists[keep], listener.plays[keep]
            never = set(self._rows(artists).tolist())
            for row, value in self._draw(artists, plays, COMMUNITY_RATINGS, rng, never):
                rows.append(i)
                cols.append(row)
                values.append(value)
        shape = (len(positions), len(self.index))
        return sparse.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float32)

    # --- Measuring -------------------------------------------------------------------

    def _measure(self, made, cases: Sequence[Case], checkpoints: Sequence[int], curves: Curves) -> None:
        name = made.name
        for k in checkpoints:
            if isinstance(made, baselines.BPR):
                made.fit_with({c.listener: c.ratings(k) for c in cases})
            for case in cases:
                rng = np.random.default_rng([case.seed, k])
                ratings = case.ratings(k)
                if isinstance(made, baselines.BPR):
                    longer = made.ranked(ratings, case.pool, RECALL_K, rng, listener=case.listener)
                else:
                    longer = made.ranked(ratings, case.pool, RECALL_K, rng)
                # The product's list of 10 is its own (diversity works on the list asked for).
                top = made.ranked(ratings, case.pool, K, rng) if isinstance(made, Ranker) else longer[:K]
                relevant = set(case.relevant.tolist())
                row = curves.values[name][k]
                row["ndcg10"].append(metrics.ndcg_at(top, relevant, K))
                row["precision10"].append(metrics.precision_at(top, relevant, K))
                row["recall50"].append(metrics.recall_at(longer, relevant, RECALL_K))
                row["intra_list_diversity"].append(metrics.intra_list_diversity(self.index, top))
                row["artists_per_list"].append(metrics.distinct_artists(self.index, top))
                curves.lists[name][k].append(top)
                if len(case.same_artists):
                    curves.same_artists[name][k].append(metrics.ndcg_at(top, set(case.same_artists.tolist()), K))

    def _validation_score(self, made) -> float:
        curves = Curves()
        made.fit(self.index, self.community)
        self._measure(made, self.validation, [self.checkpoints[-1]], curves)
        return float(np.mean(curves.values[made.name][self.checkpoints[-1]]["ndcg10"]))

    def tune(self, name: str, grid: list[dict]) -> dict:
        """The grid's validation NDCG@10 (at the last checkpoint) and the best entry."""
        tried = []
        for params in grid:
            tried.append((self._validation_score(method(name, self.seed, **params)), params))
        best_score, best = max(tried, key=lambda t: t[0])
        return {"chosen": best, "validation_ndcg10": best_score, "grid": tried}

    def run(
        self,
        tune_model: bool = False,
        methods: Sequence[str] = METHODS,
        progress: Callable[[str], None] | None = None,
    ) -> Result:
        started = time.monotonic()
        curves, tuning = Curves(), {}
        for name in methods:
            params: dict = {}
            grid = MODEL_GRID if name == "model" and tune_model else GRIDS.get(name)
            if grid and self.validation:
                tuning[name] = self.tune(name, grid)
                params = tuning[name]["chosen"]
            made = method(name, self.seed, **params)
            made.fit(self.index, self.community)
            self._measure(made, self.test, self.checkpoints, curves)
            if progress:
                progress(name)
        return Result(
            checkpoints=self.checkpoints,
            listeners=len(self.test),
            validation_listeners=len(self.validation),
            community_listeners=len(self.community_listeners),
            universe=int((self.index.moods != NO_MOOD).sum()),
            curves=curves,
            tuning=tuning,
            seconds=time.monotonic() - started,
        )


def _rows_by_artist(index: CatalogueIndex) -> dict[int, np.ndarray]:
    rows = np.flatnonzero(index.moods != NO_MOOD)
    order = rows[np.argsort(index.artists[rows], kind="stable")]
    artists, starts = np.unique(index.artists[order], return_index=True)
    # Not strict: with no rows np.split still gives one (empty) piece for no artist.
    return dict(zip(artists.tolist(), np.split(order, starts[1:]), strict=False))


def _described(params: dict) -> dict:
    """Hyperparameters as JSON: settings and weights by their fields."""
    out = {}
    for key, value in params.items():
        out[key] = value.__dict__ if hasattr(value, "__dataclass_fields__") else value
    return out


def summary(result: Result, seed: int) -> dict:
    """The numbers the evaluation command prints: per method and checkpoint, each
    metric's mean and bootstrap 95% interval over the evaluated listeners."""
    curves, last = result.curves, result.checkpoints[-1]
    methods = [m for m in METHODS if m in curves.values]

    def interval(values: list) -> dict:
        kept = [v for v in values if v is not None]
        b = metrics.bootstrap_mean(kept, seed)
        return {"mean": b["mean"], "ci95": b["ci"]}

    discovery: dict = {}
    same: dict = {}
    for name in methods:
        by_ratings = {}
        for k in result.checkpoints:
            row = {m: interval(curves.values[name][k][m]) for m in METRICS if m != "coverage"}
            cov = metrics.bootstrap_coverage(curves.lists[name][k], result.universe, seed)
            row["coverage"] = {"mean": cov["mean"], "ci95": cov["ci"]}
            by_ratings[str(k)] = {m: row[m] for m in METRICS}
        discovery[name] = {
            "ndcg10": by_ratings[str(last)]["ndcg10"]["mean"],
            "ndcg10_ci95": by_ratings[str(last)]["ndcg10"]["ci95"],
            "coverage": by_ratings[str(last)]["coverage"]["mean"],
            "by_ratings": by_ratings,
        }
        same[name] = {str(k): interval(curves.same_artists[name][k]) for k in result.checkpoints}
    if "model" in methods and len(methods) > 1:
        model = curves.values["model"][last]["ndcg10"]
        others = [m for m in methods if m != "model"]
        best = max(others, key=lambda m: np.mean(curves.values[m][last]["ndcg10"]))
        theirs = curves.values[best][last]["ndcg10"]
        ratio = metrics.bootstrap_ratio(model, theirs, seed)
        difference = metrics.bootstrap_difference(model, theirs, seed)
        discovery["model_vs_best_baseline"] = {
            "baseline": best,
            "ratings": last,
            "ratio": ratio["ratio"],
            "ratio_ci95": ratio["ci"],
            "difference": difference["mean"],
            "difference_ci95": difference["ci"],
        }
    return {
        "checkpoints": list(result.checkpoints),
        "listeners": result.listeners,
        "validation_listeners": result.validation_listeners,
        "community_listeners": result.community_listeners,
        "seconds": round(result.seconds, 1),
        "discovery": discovery,
        "same_artists": same,
        "tuning": {
            name: {
                "chosen": _described(t["chosen"]),
                "validation_ndcg10": t["validation_ndcg10"],
                "grid": [{"validation_ndcg10": s, **_described(p)} for s, p in t["grid"]],
            }
            for name, t in result.tuning.items()
        },
    }
