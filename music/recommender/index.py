"""The catalogue as arrays, one row per track, in ascending id order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from music.moods.labels import MOODS

if TYPE_CHECKING:
    from .factors import AlignedTaste, TasteFactors

NO_MOOD = -1


@dataclass(frozen=True, eq=False)
class CatalogueIndex:
    """Everything the ranking reads about tracks. ``features`` are standardised (the
    mood model's scaler), zero where a track has none; ``popularity`` is 0..1;
    ``taste`` holds the community's taste factors in this index's artist order, when
    some have been fitted."""

    ids: np.ndarray  # (N,) int64, ascending
    moods: np.ndarray  # (N,) int8, index into MOODS or NO_MOOD
    popularity: np.ndarray  # (N,) float32
    features: np.ndarray  # (N, d) float32
    has_features: np.ndarray  # (N,) bool
    artists: np.ndarray  # (N,) int32, index into artist_names
    artist_names: tuple[str, ...]
    artist_keys: tuple[str, ...]  # normalised, as music.catalogue.normalise.artist_key
    genres: sparse.csr_matrix  # (N, G) float32, 1 where the track has the genre
    genre_names: tuple[str, ...]
    taste: AlignedTaste | None = None
    by_mood: tuple[np.ndarray, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "by_mood", tuple(np.flatnonzero(self.moods == m) for m in range(len(MOODS))))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def artist_count(self) -> int:
        return len(self.artist_names)

    @cached_property
    def genre_counts(self) -> np.ndarray:
        """Genres of each track, at least 1 (a divisor)."""
        return np.maximum(np.diff(self.genres.indptr), 1).astype(np.float32)

    @cached_property
    def artist_indicator(self) -> sparse.csr_matrix:
        """(N, artists) with a 1 at each track's artist: sums ratings up by artist."""
        n = len(self.ids)
        return sparse.csr_matrix((np.ones(n), (np.arange(n), self.artists)), shape=(n, self.artist_count))

    def with_taste(self, factors: TasteFactors | None) -> CatalogueIndex:
        """This index with ``factors`` aligned to its artists and tracks (None, or a fit
        that knows no artist or track: without any)."""
        if factors is None or not (len(factors.artists) or len(factors.tracks)):
            return replace(self, taste=None)
        return replace(self, taste=factors.aligned(self.artist_keys, self.ids))

    def rows_of(self, ids: Iterable[int]) -> np.ndarray:
        """Rows of these track ids, in their order; -1 for an id the index lacks."""
        ids = np.fromiter(ids, dtype=np.int64)
        if not len(self.ids) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        rows = np.searchsorted(self.ids, ids)
        rows[rows >= len(self.ids)] = 0
        return np.where(self.ids[rows] == ids, rows, -1)

    def mood_name(self, row: int) -> str:
        code = int(self.moods[row])
        return MOODS[code] if code != NO_MOOD else ""

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        moods: Sequence[str],
        popularity: Sequence[float | None],
        features: np.ndarray,
        artist_keys: Sequence[str],
        artist_names: Sequence[str],
        genres: Sequence[Iterable[str]],
        mean: np.ndarray,
        scale: np.ndarray,
    ) -> CatalogueIndex:
        """From per-track columns in any order. ``features`` (N, d) holds raw audio
        features with NaN where missing; ``mean``/``scale`` standardise them. A missing
        popularity takes the catalogue's median, so a new track is neither buried nor
        promoted for lacking one. The artist's display name is the first one seen."""
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        if len(np.unique(ids)) != len(ids):
            raise ValueError("track ids must be unique")

        mood_codes = np.array([MOODS.index(m) if m in MOODS else NO_MOOD for m in moods], dtype=np.int8)[order]

        pop = np.array([np.nan if p is None else float(p) for p in popularity], dtype=np.float64)[order]
        known = ~np.isnan(pop)
        pop[~known] = np.median(pop[known]) if known.any() else 50.0
        pop = (np.clip(pop, 0, 100) / 100).astype(np.float32)

        raw = np.asarray(features, dtype=np.float64).reshape(len(order), len(mean))[order]
        has = ~np.isnan(raw).any(axis=1)
        z = np.where(has[:, None], (np.nan_to_num(raw) - mean) / scale, 0.0).astype(np.float32)

        artist_index: dict[str, int] = {}
        names: list[str] = []
        unique_keys: list[str] = []
        artist_rows = np.empty(len(order), dtype=np.int32)
        keys = [artist_keys[i] for i in order]
        shown = [artist_names[i] for i in order]
        for row, (key, name) in enumerate(zip(keys, shown, strict=True)):
            if key not in artist_index:
                artist_index[key] = len(names)
                names.append(name)
                unique_keys.append(key)
            artist_rows[row] = artist_index[key]

        genre_index: dict[str, int] = {}
        rows, cols = [], []
        for row, index in enumerate(order):
            for genre in genres[index]:
                rows.append(row)
                cols.append(genre_index.setdefault(genre, len(genre_index)))
        matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(order), len(genre_index))
        )
        matrix.data[:] = 1.0  # a genre listed twice is still one genre
        return cls(
            ids=ids,
            moods=mood_codes,
            popularity=pop,
            features=z,
            has_features=has,
            artists=artist_rows,
            artist_names=tuple(names),
            artist_keys=tuple(unique_keys),
            genres=matrix,
            genre_names=tuple(genre_index),
        )
