"""Offline evaluation: the metrics, the simulation on a small generated Last.fm-like
dataset, and (with the shared data) the real run against the goal the ranker must meet."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from music.recommender import metrics
from tests.support.music_factories import CLASSIC_HITS_HEADER, classic_hits_row, csv_bytes
from tests.support.recommend import generated_index

# --- Metrics -----------------------------------------------------------------------------


def test_ndcg_is_one_for_a_perfect_list_and_zero_without_hits():
    assert metrics.ndcg_at([1, 2, 3], {1, 2, 3}) == pytest.approx(1.0)
    assert metrics.ndcg_at([4, 5, 6], {1, 2, 3}) == 0.0
    assert metrics.ndcg_at([4, 5], set()) == 0.0


def test_ndcg_rewards_hits_near_the_top():
    # One relevant item: at position 2 the gain is 1/log2(3).
    assert metrics.ndcg_at([9, 1], {1}) == pytest.approx(1 / np.log2(3))
    assert metrics.ndcg_at([1, 9], {1}) > metrics.ndcg_at([9, 1], {1})


def test_precision_counts_hits_in_the_first_k_slots():
    assert metrics.precision_at([1, 2, 3, 4], {2, 4, 7}, k=4) == 0.5
    assert metrics.precision_at([1], {1}, k=10) == 0.1


def test_coverage_is_the_share_of_the_catalogue_shown():
    assert metrics.coverage([[1, 2], [2, 3]], universe=10) == 0.3
    assert metrics.coverage([], universe=10) == 0.0


def test_intra_list_diversity_is_zero_for_identical_sounds_and_grows_with_spread():
    index = generated_index(seed=0)
    calm = index.by_mood[2][:10].tolist()
    mixed = [int(index.by_mood[m][0]) for m in range(4)]

    assert metrics.intra_list_diversity(index, [calm[0], calm[0]]) == pytest.approx(0.0, abs=1e-3)
    assert metrics.intra_list_diversity(index, mixed) > metrics.intra_list_diversity(index, calm)
    assert metrics.intra_list_diversity(index, [calm[0]]) is None


def test_bootstrap_intervals_hold_the_mean_and_repeat_for_a_seed():
    values = np.random.default_rng(0).random(200)

    first = metrics.bootstrap_mean(values, seed=1)

    assert first["ci"][0] < first["mean"] < first["ci"][1]
    assert metrics.bootstrap_mean(values, seed=1) == first
    ratio = metrics.bootstrap_ratio(values * 2, values, seed=1)
    assert ratio["ratio"] == pytest.approx(2.0) and ratio["ci"][0] == pytest.approx(2.0)


# --- The simulation on generated data ------------------------------------------------------

GROUPS = 3
ARTISTS_PER_GROUP = 4
TRACKS_PER_ARTIST = 6


def write_dataset(folder: Path) -> tuple[Path, Path]:
    """A catalogue of 12 artists (6 songs each, happy or sad) and 45 listeners who each
    play 3 artists of one of 3 taste groups, in the Last.fm and classic-hits layouts."""
    rng = np.random.default_rng(0)
    rows, artists = [], []
    for a in range(GROUPS * ARTISTS_PER_GROUP):
        name = f"Band {a}"
        artists.append(name)
        for t in range(TRACKS_PER_ARTIST):
            mood = "happy" if t % 2 else "sad"
            rows.append(classic_hits_row(f"Song {a}-{t}", name, mood=mood, popularity=int(rng.integers(1, 100))))
    catalogue = folder / "catalogue.csv"
    catalogue.write_bytes(csv_bytes(CLASSIC_HITS_HEADER, rows))
    lastfm = folder / "lastfm"
    lastfm.mkdir()
    lines = ["id\tname\turl\tpictureURL"] + [
        f"{i + 1}\t{name.upper()}\thttp://x\thttp://y" for i, name in enumerate(artists)
    ]
    (lastfm / "artists.dat").write_text("\n".join(lines) + "\n")
    plays = ["userID\tartistID\tweight"]
    for user in range(45):
        group = user % GROUPS
        for a in rng.choice(ARTISTS_PER_GROUP, size=3, replace=False):
            plays.append(f"{user + 2}\t{group * ARTISTS_PER_GROUP + a + 1}\t{int(rng.integers(10, 5000))}")
    (lastfm / "user_artists.dat").write_text("\n".join(plays) + "\n")
    return catalogue, lastfm


def run(*args) -> str:
    out = io.StringIO()
    call_command("evaluate_recommender", *args, stdout=out)
    return out.getvalue()


def test_the_evaluation_prints_one_json_object_labelled_as_a_simulation(tmp_path):
    catalogue, lastfm = write_dataset(tmp_path)

    report = json.loads(run("--json", "--catalogue", str(catalogue), "--lastfm", str(lastfm), "--users", "30"))

    assert report["simulation"] is True and "SIMULATION" in report["note"]
    for key in ["model_ndcg10", "popularity_ndcg10", "random_ndcg10", "coverage_model", "coverage_popularity"]:
        assert 0.0 <= report[key] <= 1.0
    assert report["listeners"] == 30 and report["ratings_revealed"] == 10
    lo, hi = report["model_ndcg10_ci95"]
    assert lo <= report["model_ndcg10"] <= hi
    assert list(report["model_ndcg10_by_ratings"]) == ["0", "1", "2", "3", "5", "10"]
    # Listeners come in taste groups, so what they rate predicts what they like.
    assert report["model_ndcg10"] > report["popularity_ndcg10"]
    assert report["coverage_model"] >= report["coverage_popularity"]


def test_the_evaluation_repeats_for_a_seed_and_prints_a_readable_table(tmp_path):
    catalogue, lastfm = write_dataset(tmp_path)
    args = ("--catalogue", str(catalogue), "--lastfm", str(lastfm), "--users", "10", "--seed", "3")

    first = json.loads(run("--json", *args))
    second = json.loads(run("--json", *args))
    text = run(*args)

    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert text.startswith("SIMULATION")
    assert "NDCG@10 as ratings are revealed one at a time" in text


def test_the_evaluation_says_what_data_is_missing(tmp_path):
    with pytest.raises(CommandError, match="No catalogue CSV"):
        run("--catalogue", str(tmp_path / "none.csv"))
    catalogue, _ = write_dataset(tmp_path)
    with pytest.raises(CommandError, match=r"No Last\.fm data"):
        run("--catalogue", str(catalogue), "--lastfm", str(tmp_path / "nowhere"))


SHARED = Path(settings.DATA_DIR)


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "lastfm" / "user_artists.dat").exists(), reason="shared data is absent")
def test_on_the_real_profiles_the_model_doubles_the_popularity_baseline():
    report = json.loads(run("--json", "--users", "150"))

    assert report["model_ndcg10"] >= 2 * report["popularity_ndcg10"]
    assert report["coverage_model"] >= report["coverage_popularity"]
    assert report["model_ndcg10_new_artists"] > report["popularity_ndcg10_new_artists"]
