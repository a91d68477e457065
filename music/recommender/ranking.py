"""Ranking the tracks of some moods for one listener.

A track's score adds up, all on the scale of popularity (0..1):

* popularity (the prior every listener starts from), less a step for each later mood
  in the mapping's order of preference, plus a boost for staff playlist tracks;
* the community's taste factors (``factors``: matrix factorisations of every
  listener's ratings, by artist and by track), with this listener's own ratings
  folded in at request time, so each rating moves the next list at once; each as a
  share of the best candidate's;
* taste learned from the listener's ratings alone: their balance of likes and
  dislikes for the track's artist and genres, and how close the track sounds
  (standardised audio features, a Gaussian kernel) to the nearest song they liked,
  less the nearest they disliked;
* with at least ``MIN_NEIGHBOURS`` listeners who rated the same artists the same way,
  the artists and tracks those neighbours liked, counted only where at least
  ``MIN_SUPPORT`` of them agree, so no single other listener's rating can surface a
  track or be read back from a list.

``WEIGHTS`` (used once taste factors have been fitted) were chosen for discovery on
the offline evaluation's validation listeners: there the factors and genres help, and
the artist, sound and neighbour signals lowered discovery NDCG@10, so they weigh
nothing. Before the first fit ``HAND_WEIGHTS``, the former hand-set blend, rank.

Disliked tracks never appear. Within a shortlist of the best-scored tracks,
exploration adds Gumbel noise (sampling without replacement, in proportion to
exp(score / temperature)) from a seeded generator, so a list changes from one request
to the next but is reproducible for a seed. A greedy pass then picks the list: at most
``ARTIST_SHARE`` of it by one artist, at most ``Weights.familiar_share`` of it by
artists the listener has already liked (the rest is for discovering new ones), and
each pick's score lowered by its likeness to songs already chosen (maximal marginal
relevance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from threadpoolctl import ThreadpoolController

from music.moods.labels import MOODS

from .factors import RECENT_RATINGS
from .index import CatalogueIndex

MIN_NEIGHBOURS = 3
MIN_SUPPORT = 2
NEIGHBOURS = 40
ARTIST_SHARE = 0.2  # at most 2 songs by one artist in a list of 10
SOUND_LIKES = 50  # the most recent likes the sound kernel compares with
SIMILAR = 0.5  # kernel value from which a song counts as "like" a liked one
REASON_MIN = 0.08  # a personal signal weaker than this does not explain a pick
SHORTLIST_PER_PICK = 5  # exploration picks among the best 5n tracks (at least SHORTLIST_MIN)
SHORTLIST_MIN = 50

# One request is one thread's work: BLAS threads for matrices this small only queue
# behind each other and the server's other requests (3x slower on a busy machine).
_THREADS = ThreadpoolController()


@dataclass(frozen=True)
class Weights:
    popularity: float = 1.0
    later_mood: float = 0.15
    playlist: float = 0.3
    artist: float = 1.0
    genre: float = 0.25
    sound: float = 0.5
    sound_dislike: float = 0.4
    community_artist: float = 0.8
    community_track: float = 0.3
    taste: float = 0.0  # the artist model
    taste_track: float = 0.0  # the track model
    exploration: float = 0.05
    familiar_share: float = 1.0  # of a list, at most, by artists the listener liked
    similarity_penalty: float = 0.1
    bandwidth: float = 1.3  # of the sound kernel, in standard deviations


# With taste factors: chosen for discovery on the offline evaluation's validation
# listeners (``evaluate_recommender --tune``). Until the first fit of the factors (a new
# installation) the ranking uses the former hand-set weights, HAND_WEIGHTS.
WEIGHTS = Weights(
    taste=1.0,
    taste_track=0.5,
    artist=0.0,
    sound=0.0,
    community_artist=0.0,
    community_track=0.0,
    familiar_share=0.1,
)
HAND_WEIGHTS = Weights()


@dataclass(frozen=True)
class Taste:
    """One listener's ratings as catalogue rows, most recent first."""

    liked: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    disliked: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    @classmethod
    def of(cls, liked: Sequence[int] = (), disliked: Sequence[int] = ()) -> Taste:
        return cls(np.asarray(liked, dtype=np.int64), np.asarray(disliked, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.liked) + len(self.disliked)


@dataclass(frozen=True)
class Request:
    moods: tuple[str, ...]
    taste: Taste = field(default_factory=Taste)
    n: int = 10
    seed: int | None = None
    playlists: Mapping[int, str] = field(default_factory=dict)  # row -> staff playlist name
    community: Community | None = None
    exclude: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    def __post_init__(self):
        unknown = [m for m in self.moods if m not in MOODS]
        if unknown or not self.moods:
            raise ValueError(f"moods must be some of {', '.join(MOODS)}, not {list(self.moods)}")
        if self.n < 1:
            raise ValueError("n must be at least 1")


@dataclass(frozen=True)
class Pick:
    row: int
    score: float
    reason: str
    because: str  # what the reason rests on: artist, sound, genre, community, playlist, popular or explore


class _Candidates:
    """The rows that may be recommended, with each signal as an array over them."""

    def __init__(self, index: CatalogueIndex, request: Request, weights: Weights):
        self.index, self.request, self.w = index, request, weights
        parts = [index.by_mood[MOODS.index(m)] for m in request.moods]
        rows = np.concatenate(parts)
        self.mood_step = np.repeat(np.arange(len(parts), dtype=np.float32), [len(p) for p in parts])
        banned = np.concatenate([request.taste.disliked, request.exclude]).astype(np.int64)
        keep = ~np.isin(rows, banned) if len(banned) else np.ones(len(rows), dtype=bool)
        self.rows = rows[keep]
        self.mood_step = self.mood_step[keep]

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def popularity(self) -> np.ndarray:
        return self.index.popularity[self.rows]

    @cached_property
    def in_playlist(self) -> np.ndarray:
        playlists = self.request.playlists
        if not playlists:
            return np.zeros(len(self.rows), dtype=bool)
        return np.isin(self.rows, np.fromiter(playlists, dtype=np.int64))

    @cached_property
    def artist(self) -> np.ndarray:
        """Balance of likes and dislikes of each candidate's artist, in -1..1."""
        taste, index = self.request.taste, self.index
        if not len(taste):
            return np.zeros(len(self.rows), dtype=np.float32)
        likes = np.bincount(index.artists[taste.liked], minlength=index.artist_count)
        dislikes = np.bincount(index.artists[taste.disliked], minlength=index.artist_count)
        balance = (likes - dislikes) / (likes + dislikes + 1.0)
        return balance[index.artists[self.rows]].astype(np.float32)

    @cached_property
    def genre_balance(self) -> np.ndarray:
        """Per genre, likes minus dislikes over (ratings + 2): a genre needs several
        consistent ratings before it counts much."""
        taste, genres = self.request.taste, self.index.genres
        likes = np.asarray(genres[taste.liked].sum(axis=0)).ravel()
        dislikes = np.asarray(genres[taste.disliked].sum(axis=0)).ravel()
        return (likes - dislikes) / (likes + dislikes + 2.0)

    @cached_property
    def genre(self) -> np.ndarray:
        if not len(self.request.taste) or not self.index.genres.shape[1]:
            return np.zeros(len(self.rows), dtype=np.float32)
        per_track = (self.index.genres @ self.genre_balance) / self.index.genre_counts
        return per_track[self.rows].astype(np.float32)

    def _nearest(self, anchors: np.ndarray) -> np.ndarray:
        """Squared distance from each candidate to the nearest of the ``anchors`` rows
        in standardised feature space; infinite where either side has no features."""
        index = self.index
        anchors = anchors[index.has_features[anchors]]
        if not len(anchors):
            return np.full(len(self.rows), np.inf, dtype=np.float32)
        z = index.features[self.rows]
        a = index.features[anchors]
        cross = z @ a.T
        cross *= -2.0
        cross += (a * a).sum(axis=1)[None, :]
        d2 = (z * z).sum(axis=1) + cross.min(axis=1)
        return np.where(index.has_features[self.rows], np.maximum(d2, 0.0), np.inf).astype(np.float32)

    def _likeness(self, d2: np.ndarray) -> np.ndarray:
        return np.exp(-d2 / np.float32(2.0 * self.w.bandwidth**2))

    @cached_property
    def sound(self) -> np.ndarray:
        """Likeness (Gaussian kernel, 0..1) to the nearest liked song."""
        return self._likeness(self._nearest(self.request.taste.liked[:SOUND_LIKES]))

    @cached_property
    def sound_dislike(self) -> np.ndarray:
        return self._likeness(self._nearest(self.request.taste.disliked[:SOUND_LIKES]))

    def similar_likes(self, i: int) -> int:
        """How many liked songs candidate ``i`` sounds like (likeness >= SIMILAR)."""
        index, row = self.index, self.rows[i]
        liked = self.request.taste.liked[:SOUND_LIKES]
        liked = liked[index.has_features[liked]]
        if not index.has_features[row] or not len(liked):
            return 0
        d2 = ((index.features[liked] - index.features[row]) ** 2).sum(axis=1)
        return int((self._likeness(d2) >= SIMILAR).sum())

    @cached_property
    def community(self) -> np.ndarray:
        if not (self.w.community_artist or self.w.community_track):
            return np.zeros(len(self.rows), dtype=np.float32)
        signal = community_signal(self.index, self.request.taste, self.request.community)
        if signal is None:
            return np.zeros(len(self.rows), dtype=np.float32)
        by_artist, by_track = signal
        return (
            self.w.community_artist * by_artist[self.index.artists[self.rows]]
            + self.w.community_track * by_track[self.rows]
        ).astype(np.float32)

    @cached_property
    def _taste_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(artist, track) predicted preference of each candidate from the taste factors
        with this listener's recent ratings folded in, as a share of the best
        candidate's (0..1: their scale depends on how many ratings there are); zero
        without factors."""
        factors, taste, index = self.index.taste, self.request.taste, self.index
        if factors is None or not (self.w.taste or self.w.taste_track) or not len(taste):
            zero = np.zeros(len(self.rows), dtype=np.float32)
            return zero, zero
        artist, track = factors.scores(
            taste.liked[:RECENT_RATINGS], taste.disliked[:RECENT_RATINGS], index.artists, self.rows
        )
        return _relative(artist), _relative(track)

    @cached_property
    def taste(self) -> np.ndarray:
        artist, track = self._taste_scores
        return (self.w.taste * artist + self.w.taste_track * track).astype(np.float32)

    def components(self) -> dict[str, np.ndarray]:
        """Each personal signal's weighted contribution, by name (the taste factors and
        the neighbours' vote both say what listeners like this one liked)."""
        w = self.w
        return {
            "artist": w.artist * self.artist,
            "genre": w.genre * self.genre,
            "sound": w.sound * self.sound,
            "community": self.community + self.taste,
        }

    def score(self) -> np.ndarray:
        w = self.w
        total = w.popularity * self.popularity - w.later_mood * self.mood_step + w.playlist * self.in_playlist
        if len(self.request.taste):
            total = total + sum(self.components().values()) - w.sound_dislike * self.sound_dislike
        return total.astype(np.float64)


def _relative(score: np.ndarray) -> np.ndarray:
    """Positive scores as a share of the largest, negative ones as 0."""
    top = float(score.max()) if len(score) else 0.0
    return (np.clip(score, 0.0, None) / top).astype(np.float32) if top > 0 else np.zeros_like(score)


@dataclass(frozen=True, eq=False)
class Community:
    """Other listeners' ratings, (listeners, catalogue rows) with +1 for a like and -1
    for a dislike, and the same summed up by artist (the sign of the sum)."""

    ratings: sparse.csr_matrix
    by_artist: sparse.csr_matrix
    norms: np.ndarray  # of each listener's artist vector

    @classmethod
    def of(cls, index: CatalogueIndex, ratings: sparse.csr_matrix) -> Community:
        by_artist = (ratings @ index.artist_indicator).tocsr()
        by_artist.data = np.sign(by_artist.data)
        by_artist.eliminate_zeros()
        return cls(ratings.tocsr(), by_artist, np.sqrt(np.asarray(by_artist.multiply(by_artist).sum(axis=1)).ravel()))

    def __len__(self) -> int:
        return self.ratings.shape[0]

    def without(self, listener: int) -> Community:
        keep = np.arange(len(self)) != listener
        return Community(self.ratings[keep], self.by_artist[keep], self.norms[keep])


def community_signal(
    index: CatalogueIndex, taste: Taste, community: Community | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(per-artist, per-row) shares of similar listeners who liked them, or None when
    fewer than MIN_NEIGHBOURS listeners resemble this one.

    Listeners are compared on artists (a like of any song by an artist counts for the
    artist), by cosine similarity; the nearest NEIGHBOURS with a positive similarity
    vote, weighted by it. An artist or track liked by fewer than MIN_SUPPORT of them
    gets nothing."""
    if community is None or not len(community) or not len(taste.liked):
        return None
    mine = np.zeros(index.artist_count)
    np.add.at(mine, index.artists[taste.liked], 1.0)
    np.add.at(mine, index.artists[taste.disliked], -1.0)
    mine = np.sign(mine)
    similarity = (community.by_artist @ mine) / np.maximum(community.norms * np.linalg.norm(mine), 1e-9)
    positive = np.flatnonzero(similarity > 0)
    if len(positive) < MIN_NEIGHBOURS:
        return None
    nearest = positive[np.argsort(-similarity[positive], kind="stable")[:NEIGHBOURS]]
    weights = similarity[nearest]

    def vote(matrix: sparse.csr_matrix) -> np.ndarray:
        liked = matrix[nearest].maximum(0).tocsr()
        share = (weights @ liked) / weights.sum()
        support = np.asarray((liked > 0).sum(axis=0)).ravel()
        return np.where(support >= MIN_SUPPORT, share, 0.0)

    return vote(community.by_artist), vote(community.ratings)


def weights_for(index: CatalogueIndex) -> Weights:
    """The product's weights for this index: WEIGHTS with taste factors, else HAND_WEIGHTS."""
    return WEIGHTS if index.taste is not None else HAND_WEIGHTS


def scores(index: CatalogueIndex, request: Request, weights: Weights | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows, score) of every track that may be recommended, before exploration and
    diversity: the ranking's relevance, deterministic for its inputs."""
    weights = weights or weights_for(index)
    with _THREADS.limit(limits=1, user_api="blas"):
        candidates = _Candidates(index, request, weights)
        return candidates.rows, candidates.score()


def rank(index: CatalogueIndex, request: Request, weights: Weights | None = None) -> list[Pick]:
    """The list for ``request``: at most ``request.n`` picks, best first.

    Exploration and diversity work within a shortlist of the best-scored tracks (at
    most SHORTLIST_PER_ARTIST by one artist), so that noise reshuffles strong
    candidates and never lets the long tail of weak ones in by sheer number."""
    weights = weights or weights_for(index)
    with _THREADS.limit(limits=1, user_api="blas"):
        return _rank(index, request, weights)


def _rank(index: CatalogueIndex, request: Request, weights: Weights) -> list[Pick]:
    candidates = _Candidates(index, request, weights)
    if not len(candidates):
        return []
    score = candidates.score()
    cap = max(1, math.ceil(request.n * ARTIST_SHARE))
    # A quarter of a small catalogue at most, so that its least popular songs stay out.
    size = min(max(SHORTLIST_PER_PICK * request.n, SHORTLIST_MIN), max(2 * request.n, len(candidates) // 4))
    shortlist = _shortlist(index, candidates.rows, score, size, 2 * cap)
    value = score[shortlist]
    if weights.exploration:
        value = value + weights.exploration * np.random.default_rng(request.seed).gumbel(size=len(shortlist))
    liked_artists = np.unique(index.artists[request.taste.liked])
    familiar = np.isin(index.artists[candidates.rows[shortlist]], liked_artists)
    familiar_cap = max(1, math.ceil(request.n * weights.familiar_share))
    chosen = shortlist[
        _diversify(index, candidates.rows[shortlist], value, request.n, cap, weights, familiar, familiar_cap)
    ]
    explain = _Explainer(index, request, candidates, weights)
    return [Pick(int(candidates.rows[i]), round(float(score[i]), 4), *explain(i)) for i in chosen]


def _shortlist(index: CatalogueIndex, rows: np.ndarray, score: np.ndarray, size: int, per_artist: int) -> np.ndarray:
    """Positions of the best ``size`` candidates, best first (ties by row), keeping at
    most ``per_artist`` by any one artist."""
    top = min(len(rows), max(40 * size, 2000))
    best = np.argpartition(-score, top - 1)[:top] if top < len(rows) else np.arange(len(rows))
    best = best[np.lexsort((rows[best], -score[best]))]
    artists = index.artists[rows[best]]
    by_artist = np.argsort(artists, kind="stable")
    grouped = artists[by_artist]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    place = np.empty(len(best), dtype=np.int64)
    place[by_artist] = np.arange(len(best)) - np.repeat(starts, np.diff(np.r_[starts, len(best)]))
    return best[place < per_artist][:size]


def _diversify(
    index: CatalogueIndex,
    rows: np.ndarray,
    value: np.ndarray,
    n: int,
    cap: int,
    weights: Weights,
    familiar: np.ndarray,
    familiar_cap: int,
) -> list[int]:
    """Positions (into ``rows``) of the list: greedy maximal marginal relevance, with
    at most ``cap`` songs by one artist and ``familiar_cap`` by the ``familiar``
    artists, unless the candidates run out of others."""
    size = len(rows)
    order = np.lexsort((rows, -value))
    rows, value, familiar = rows[order], value[order], familiar[order]
    familiar_count = 0
    z = index.features[rows]
    has = index.has_features[rows]
    artist = index.artists[rows]
    free = np.ones(size, dtype=bool)
    capped = np.zeros(size, dtype=bool)
    closest = np.zeros(size)
    counts: dict[int, int] = {}
    chosen: list[int] = []
    for _ in range(min(n, size)):
        allowed = free & ~capped
        if not allowed.any():
            allowed = free
        j = int(np.argmax(np.where(allowed, value - weights.similarity_penalty * closest, -np.inf)))
        chosen.append(int(order[j]))
        free[j] = False
        counts[artist[j]] = counts.get(artist[j], 0) + 1
        if counts[artist[j]] >= cap:
            capped |= artist == artist[j]
        familiar_count += int(familiar[j])
        if familiar_count >= familiar_cap:
            capped |= familiar
        if has[j]:
            likeness = np.exp(-((z - z[j]) ** 2).sum(axis=1) / (2.0 * weights.bandwidth**2)) * has
            np.maximum(closest, likeness, out=closest)
    return chosen


class _Explainer:
    """One line per pick, from the signal that contributed most to its score."""

    def __init__(self, index: CatalogueIndex, request: Request, candidates: _Candidates, weights: Weights):
        self.index, self.request, self.c, self.w = index, request, candidates, weights
        self.parts = candidates.components() if len(request.taste) else {}
        self.popular_from = float(np.quantile(candidates.popularity, 0.75))

    def __call__(self, i: int) -> tuple[str, str]:
        row = int(self.c.rows[i])
        mood = self.index.mood_name(row)
        playlist = self.request.playlists.get(row)
        best, strength = max(
            ((name, float(v[i])) for name, v in self.parts.items()), key=lambda p: p[1], default=("", 0)
        )
        if strength >= REASON_MIN and not (playlist and self.w.playlist > strength):
            return self._personal(best, row, mood, i), best
        if playlist:
            return f"from the staff playlist '{playlist}'", "playlist"
        if self.c.popularity[i] >= self.popular_from:
            return f"popular {mood} song", "popular"
        return f"{mood}, a less-played song to explore", "explore"

    def _personal(self, signal: str, row: int, mood: str, i: int) -> str:
        if signal == "artist":
            return f"{mood}, by {self.index.artist_names[self.index.artists[row]]}, an artist you like"
        if signal == "sound":
            count = self.c.similar_likes(i)
            if count:
                return f"{mood}, like {count} song{'s' if count != 1 else ''} you liked"
            return (
                f"{mood}, close to the sound of {'a song' if len(self.request.taste.liked) == 1 else 'songs'} you liked"
            )
        if signal == "genre":
            genres = self.index.genres[row].indices
            balance = self.c.genre_balance[genres]
            return f"{mood} {self.index.genre_names[genres[int(np.argmax(balance))]]}, a genre you like"
        return f"{mood}, liked by listeners with taste like yours"
