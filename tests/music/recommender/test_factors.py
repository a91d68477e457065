"""The taste factors as plain code: fitting on small generated ratings, storing, and
folding a listener's ratings in at request time so that a rating reranks at once."""

import numpy as np
from scipy import sparse

from music.moods.labels import MOODS
from music.recommender import factors
from music.recommender.ranking import WEIGHTS, Request, Taste, rank, scores
from tests.support.recommend import generated_index

GROUPS = 3


def community(index, listeners=300, seed=0):
    """Listeners in taste groups: group g likes the artists a with a % GROUPS == g."""
    rng = np.random.default_rng(seed)
    artist_ids = np.array([int(key.split()[-1]) for key in index.artist_keys])
    rows, cols = [], []
    for listener in range(listeners):
        group = listener % GROUPS
        mine = np.flatnonzero(artist_ids[index.artists] % GROUPS == group)
        for row in rng.choice(mine, size=8, replace=False):
            rows.append(listener)
            cols.append(int(row))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(listeners, len(index)), dtype=np.float32)


def fitted(index, matrix):
    return factors.fit(matrix, index.ids, [index.artist_keys[a] for a in index.artists])


def test_factors_survive_storage_and_align_to_a_catalogue():
    index = generated_index(seed=0)
    taste = fitted(index, community(index))

    again = factors.TasteFactors.from_bytes(taste.to_bytes())

    assert np.array_equal(again.artists.factors, taste.artists.factors)
    assert list(again.tracks.keys) == list(taste.tracks.keys)
    assert (again.listeners, again.ratings) == (300, taste.ratings)
    aligned = again.aligned(index.artist_keys, index.ids)
    assert aligned.artists.factors.shape[0] == index.artist_count
    known = aligned.track_rows >= 0
    assert set(index.ids[known].tolist()) == set(np.asarray(taste.tracks.keys).tolist())


def test_an_item_only_one_listener_rated_gets_no_factors():
    index = generated_index(seed=0)
    matrix = sparse.lil_matrix((3, len(index)), dtype=np.float32)
    matrix[0, 0] = matrix[1, 0] = 1  # two listeners: track 0 has factors
    matrix[2, 5] = 1  # one listener alone: track 5 does not
    taste = fitted(index, matrix.tocsr())

    assert int(index.ids[0]) in taste.tracks.keys.tolist()
    assert int(index.ids[5]) not in taste.tracks.keys.tolist()
    assert index.artist_keys[index.artists[0]] in taste.artists.keys.tolist()


def test_nothing_rated_fits_empty_factors_that_the_ranking_ignores():
    index = generated_index(seed=0)
    taste = fitted(index, sparse.csr_matrix((2, len(index)), dtype=np.float32))
    with_taste = index.with_taste(taste)
    request = Request(moods=("happy",), taste=Taste.of([int(index.by_mood[0][0])]), seed=1)

    assert len(taste.artists) == 0 and len(taste.tracks) == 0
    assert [p.row for p in rank(with_taste, request)] == [p.row for p in rank(index.with_taste(None), request)]


def test_a_like_folds_in_at_once_and_raises_its_taste_groups_artists():
    index = generated_index(seed=2)
    with_taste = index.with_taste(fitted(index, community(index)))
    happy = index.by_mood[MOODS.index("happy")]
    artist_ids = np.array([int(key.split()[-1]) for key in index.artist_keys])
    group_of = artist_ids[index.artists] % GROUPS
    liked = int(happy[group_of[happy] == 1][0])

    rows, before = scores(with_taste, Request(moods=("happy",)))
    _, after = scores(with_taste, Request(moods=("happy",), taste=Taste.of([liked])))
    gain = after - before
    same_group = (group_of[rows] == 1) & (index.artists[rows] != index.artists[liked])

    assert gain[same_group].mean() > gain[~same_group].mean() + 0.1
    picks = rank(with_taste, Request(moods=("happy",), taste=Taste.of([liked]), seed=3))
    assert sum(group_of[p.row] == 1 for p in picks) >= 7
    assert any(p.because == "community" and "taste like yours" in p.reason for p in picks)


def test_most_of_the_list_is_left_for_artists_the_listener_has_not_liked():
    index = generated_index(seed=2)
    with_taste = index.with_taste(fitted(index, community(index)))
    happy = index.by_mood[MOODS.index("happy")]
    liked = happy[:6].tolist()
    picks = rank(with_taste, Request(moods=("happy",), taste=Taste.of(liked), seed=4))
    familiar = set(index.artists[liked].tolist())

    assert len(picks) == 10
    assert sum(index.artists[p.row] in familiar for p in picks) <= round(10 * WEIGHTS.familiar_share)
