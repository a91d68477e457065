"""The ranking as plain code (no database): properties that hold for any generated
catalogue and any ratings."""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from music.moods.labels import MOODS
from music.recommender import ranking
from music.recommender.ranking import Community, Request, Taste, rank, scores
from tests.support.recommend import generated_index

# No example database: nothing is written into the repository.
PROPERTY = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
mood_sets = st.lists(st.sampled_from(MOODS), min_size=1, max_size=2, unique=True).map(tuple)
seeds = st.integers(0, 2**31 - 1)


@functools.cache
def catalogue(seed: int):
    return generated_index(seed)


catalogues = st.integers(0, 3).map(catalogue)


@st.composite
def tastes(draw, index, max_ratings=12):
    """Some likes and dislikes of distinct tracks, most recent first."""
    rows = draw(st.lists(st.integers(0, len(index) - 1), max_size=max_ratings, unique=True))
    liked = [r for r in rows if draw(st.booleans())]
    return Taste.of(liked, [r for r in rows if r not in liked])


@PROPERTY
@given(data=st.data(), moods=mood_sets, seed=seeds)
def test_every_pick_is_in_a_requested_mood(data, moods, seed):
    index = data.draw(catalogues)
    picks = rank(index, Request(moods=moods, taste=data.draw(tastes(index)), seed=seed))

    assert picks
    assert {index.mood_name(p.row) for p in picks} <= set(moods)


@PROPERTY
@given(data=st.data(), moods=mood_sets, seed=seeds, other_seed=seeds)
def test_a_disliked_track_is_removed_whatever_the_seed(data, moods, seed, other_seed):
    index = data.draw(catalogues)
    taste = data.draw(tastes(index))
    shown = rank(index, Request(moods=moods, taste=taste, seed=seed))
    disliked = data.draw(st.sampled_from([p.row for p in shown]))
    taste = Taste(taste.liked[taste.liked != disliked], np.r_[disliked, taste.disliked])

    for again in (seed, other_seed):
        assert disliked not in [p.row for p in rank(index, Request(moods=moods, taste=taste, seed=again))]


def _with_like(taste, liked):
    return Taste(np.r_[liked, taste.liked], taste.disliked)


@PROPERTY
@given(data=st.data(), moods=mood_sets)
def test_a_like_never_lowers_a_score_and_raises_the_liked_artist(data, moods):
    index = data.draw(catalogues)
    taste = data.draw(tastes(index))
    rows, before = scores(index, Request(moods=moods, taste=taste))
    liked = data.draw(st.sampled_from(rows.tolist()).filter(lambda r: r not in taste.liked))
    after_rows, after = scores(index, Request(moods=moods, taste=_with_like(taste, liked)))
    gain = after - before

    assert np.array_equal(rows, after_rows)
    assert (gain >= -1e-6).all()
    assert (gain[index.artists[rows] == index.artists[liked]] > 0).all()


@PROPERTY
@given(data=st.data(), mood=st.sampled_from(MOODS))
def test_a_first_like_raises_songs_that_sound_like_it_most(data, mood):
    index = data.draw(catalogues)
    rows, before = scores(index, Request(moods=(mood,)))
    liked = data.draw(st.sampled_from(rows.tolist()))
    _, after = scores(index, Request(moods=(mood,), taste=Taste.of([liked])))
    other_artists = index.artists[rows] != index.artists[liked]
    distance = ((index.features[rows] - index.features[liked]) ** 2).sum(axis=1)
    order = [i for i in np.argsort(distance) if other_artists[i]]
    gain = after - before

    assert gain[order[:10]].mean() > gain[order[-10:]].mean()


def test_a_like_brings_songs_that_sound_like_it_into_the_list():
    index = generated_index(seed=7)
    mood = ("calm",)
    liked = int(index.by_mood[MOODS.index("calm")][np.argmin(index.popularity[index.by_mood[MOODS.index("calm")]])])
    distance = ((index.features - index.features[liked]) ** 2).sum(axis=1)
    calm = index.by_mood[MOODS.index("calm")]
    alike = set(calm[np.argsort(distance[calm])[1:6]].tolist())

    before = {p.row for p in rank(index, Request(moods=mood, seed=1))}
    after = rank(index, Request(moods=mood, taste=Taste.of([liked]), seed=1))

    assert len(alike & {p.row for p in after}) > len(alike & before)
    assert any(p.because in ("sound", "artist") for p in after)


@PROPERTY
@given(data=st.data(), moods=mood_sets, seed=seeds)
def test_the_same_seed_gives_the_same_list(data, moods, seed):
    index = data.draw(catalogues)
    request = Request(moods=moods, taste=data.draw(tastes(index)), seed=seed)

    assert rank(index, request) == rank(index, request)


def test_lists_vary_from_one_seed_to_the_next():
    index = generated_index(seed=1)
    lists = {tuple(p.row for p in rank(index, Request(moods=("happy",), seed=seed))) for seed in range(10)}

    assert len(lists) >= 5


@PROPERTY
@given(data=st.data(), mood=st.sampled_from(MOODS), seed=seeds)
def test_a_new_listener_gets_popular_songs_of_the_mood(data, mood, seed):
    index = data.draw(catalogues)
    picks = rank(index, Request(moods=(mood,), seed=seed))
    popularity = index.popularity[index.by_mood[MOODS.index(mood)]]

    assert len(picks) == 10
    assert all(index.popularity[p.row] >= np.quantile(popularity, 0.6) for p in picks)
    assert np.mean([index.popularity[p.row] for p in picks]) >= np.quantile(popularity, 0.8)
    assert all(p.because == "popular" and p.reason == f"popular {mood} song" for p in picks if p.because == "popular")


@PROPERTY
@given(data=st.data(), moods=mood_sets, seed=seeds)
def test_no_artist_has_more_than_two_songs_in_a_list_of_ten(data, moods, seed):
    index = data.draw(catalogues)
    taste = data.draw(tastes(index))
    picks = rank(index, Request(moods=moods, taste=taste, seed=seed))

    assert np.bincount(index.artists[[p.row for p in picks]]).max() <= 2


def test_a_listener_who_likes_one_artist_still_gets_a_varied_list():
    index = generated_index(seed=2, artists=30)
    happy = index.by_mood[MOODS.index("happy")]
    artist = index.artists[happy[0]]
    taste = Taste.of([r for r in happy if index.artists[r] == artist])

    picks = rank(index, Request(moods=("happy",), taste=taste, seed=3))

    assert sum(index.artists[p.row] == artist for p in picks) == 2
    assert len({index.artists[p.row] for p in picks}) >= 8


def test_every_pick_says_why_in_one_line():
    index = generated_index(seed=3)
    calm = index.by_mood[MOODS.index("calm")]
    boosted = int(calm[np.argsort(index.popularity[calm])[len(calm) // 2]])
    liked = int(calm[0])
    request = Request(moods=("calm",), taste=Taste.of([liked]), seed=5, playlists={boosted: "Slow morning"})

    picks = rank(index, request)

    assert all(p.reason and "\n" not in p.reason for p in picks)
    assert {p.because for p in picks} <= {"artist", "sound", "genre", "community", "playlist", "popular", "explore"}
    by_row = {p.row: p for p in picks}
    if boosted in by_row and by_row[boosted].because == "playlist":
        assert by_row[boosted].reason == "from the staff playlist 'Slow morning'"
    sound = [p for p in picks if p.because == "sound"]
    assert all(
        p.reason.startswith("calm, like ") and p.reason.endswith("you liked") for p in sound if "like " in p.reason
    )


def test_a_staff_playlist_track_is_boosted_and_says_so():
    index = generated_index(seed=4)
    calm = index.by_mood[MOODS.index("calm")]
    quiet = int(calm[np.argsort(index.popularity[calm])[len(calm) * 2 // 3]])
    plain = {p.row for p in rank(index, Request(moods=("calm",), seed=0))}
    boosted = rank(index, Request(moods=("calm",), seed=0, playlists={quiet: "Slow morning"}))

    assert quiet not in plain
    assert [p.reason for p in boosted if p.row == quiet] == ["from the staff playlist 'Slow morning'"]


def test_later_moods_in_the_mapping_come_after_the_first():
    index = generated_index(seed=5)
    picks = rank(index, Request(moods=("calm", "happy"), seed=0))
    moods = [index.mood_name(p.row) for p in picks]

    assert moods.count("calm") > moods.count("happy")


def _community(index, rows_per_listener):
    rows, cols = [], []
    for listener, liked in enumerate(rows_per_listener):
        rows += [listener] * len(liked)
        cols += list(liked)
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(rows_per_listener), len(index)))
    return Community.of(index, matrix)


def _artist_rows(index, mood, artist):
    rows = index.by_mood[MOODS.index(mood)]
    return [int(r) for r in rows if index.artists[r] == artist]


def test_what_similar_listeners_liked_rises_once_enough_of_them_agree():
    index = generated_index(seed=6, artists=40)
    happy = index.by_mood[MOODS.index("happy")]
    mine, theirs = index.artists[happy[0]], index.artists[happy[-1]]
    assert mine != theirs
    my_likes = _artist_rows(index, "happy", mine)[:1]
    their_song = _artist_rows(index, "happy", theirs)
    neighbours = [my_likes + their_song for _ in range(ranking.MIN_NEIGHBOURS)]
    taste = Taste.of(my_likes)

    _, alone = scores(index, Request(moods=("happy",), taste=taste))
    rows, together = scores(index, Request(moods=("happy",), taste=taste, community=_community(index, neighbours)))
    too_few = _community(index, neighbours[: ranking.MIN_NEIGHBOURS - 1])
    _, with_too_few = scores(index, Request(moods=("happy",), taste=taste, community=too_few))

    theirs_mask = index.artists[rows] == theirs
    assert (together[theirs_mask] > alone[theirs_mask]).all()
    assert np.array_equal(with_too_few, alone)


def test_a_song_only_one_other_listener_liked_gets_no_lift_from_them():
    index = generated_index(seed=6, artists=40)
    happy = index.by_mood[MOODS.index("happy")]
    mine = index.artists[happy[0]]
    my_likes = _artist_rows(index, "happy", mine)[:1]
    secret = int(next(r for r in happy if index.artists[r] != mine))
    others = [[*my_likes, secret]] + [my_likes for _ in range(ranking.MIN_NEIGHBOURS)]
    request = Request(moods=("happy",), taste=Taste.of(my_likes))

    rows, alone = scores(index, request)
    _, together = scores(
        index, Request(moods=("happy",), taste=Taste.of(my_likes), community=_community(index, others))
    )

    at = int(np.flatnonzero(rows == secret)[0])
    assert together[at] == pytest.approx(alone[at])


def test_a_request_needs_known_moods_and_a_positive_length():
    with pytest.raises(ValueError, match=r"moods must be some of .*, not \['gloomy'\]"):
        Request(moods=("gloomy",))
    with pytest.raises(ValueError, match=r"moods must be some of .*, not \[\]"):
        Request(moods=())
    with pytest.raises(ValueError, match="n must be at least 1"):
        Request(moods=("calm",), n=0)


def test_an_empty_mood_gives_an_empty_list():
    index = generated_index(seed=0, moods=("happy",))

    assert rank(index, Request(moods=("sad",))) == []
