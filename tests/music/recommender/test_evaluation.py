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


def test_recall_counts_the_share_of_relevant_rows_found():
    assert metrics.recall_at([1, 2, 3, 4], {2, 4, 7, 9}, k=50) == 0.5
    assert metrics.recall_at([1, 2, 3, 4], {4}, k=3) == 0.0
    assert metrics.recall_at([1], set()) == 0.0


def test_bootstrap_intervals_hold_the_mean_and_repeat_for_a_seed():
    values = np.random.default_rng(0).random(200)

    first = metrics.bootstrap_mean(values, seed=1)

    assert first["ci"][0] < first["mean"] < first["ci"][1]
    assert metrics.bootstrap_mean(values, seed=1) == first
    ratio = metrics.bootstrap_ratio(values * 2, values, seed=1)
    assert ratio["ratio"] == pytest.approx(2.0) and ratio["ci"][0] == pytest.approx(2.0)


def test_bootstrap_intervals_narrow_with_more_listeners_and_cover_the_true_mean():
    rng = np.random.default_rng(5)
    few = metrics.bootstrap_mean(rng.random(40), seed=0)
    many = metrics.bootstrap_mean(rng.random(4000), seed=0)

    assert many["ci"][1] - many["ci"][0] < (few["ci"][1] - few["ci"][0]) / 5
    assert many["ci"][0] < 0.5 < many["ci"][1]


def test_a_paired_difference_is_clear_when_one_method_is_better_for_every_listener():
    rng = np.random.default_rng(6)
    base = rng.random(300)

    better = metrics.bootstrap_difference(base + 0.05 + 0.01 * rng.random(300), base, seed=0)
    same = metrics.bootstrap_difference(base + rng.normal(0, 0.1, 300), base, seed=0)

    assert better["ci"][0] > 0.04
    assert same["ci"][0] < 0 < same["ci"][1] + 0.02


def test_coverage_interval_holds_the_coverage_of_all_lists():
    rng = np.random.default_rng(7)
    lists = [rng.choice(500, size=10, replace=False).tolist() for _ in range(60)]

    result = metrics.bootstrap_coverage(lists, universe=1000, seed=0)

    assert result["mean"] == metrics.coverage(lists, 1000)
    assert result["ci"][0] < result["mean"] < result["ci"][1]
    assert result["ci"][1] - result["ci"][0] < 0.2 * result["mean"]
    assert metrics.bootstrap_coverage(lists, universe=1000, seed=0) == result


# --- The simulation on generated data ------------------------------------------------------

GROUPS = 3
ARTISTS_PER_GROUP = 6
TRACKS_PER_ARTIST = 8
LISTENERS = 120


def write_dataset(folder: Path) -> tuple[Path, Path]:
    """A catalogue of 18 artists (8 songs each, happy or sad) and 120 listeners who each
    play 5 artists of one of 3 taste groups, in the Last.fm and classic-hits layouts."""
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
    for user in range(LISTENERS):
        group = user % GROUPS
        for a in rng.choice(ARTISTS_PER_GROUP, size=5, replace=False):
            plays.append(f"{user + 2}\t{group * ARTISTS_PER_GROUP + a + 1}\t{int(rng.integers(10, 5000))}")
    (lastfm / "user_artists.dat").write_text("\n".join(plays) + "\n")
    return catalogue, lastfm


def run(*args) -> str:
    out = io.StringIO()
    call_command("evaluate_recommender", *args, stdout=out)
    return out.getvalue()


SMALL = ("--users", "30", "--validation", "20")


def test_the_evaluation_prints_one_json_object_with_the_discovery_contract(tmp_path):
    catalogue, lastfm = write_dataset(tmp_path)

    report = json.loads(run("--json", "--catalogue", str(catalogue), "--lastfm", str(lastfm), *SMALL))

    assert report["simulation"] is True and "SIMULATION" in report["note"]
    assert report["listeners"] == 30 and report["validation_listeners"] == 20
    assert report["community_listeners"] == LISTENERS - 50
    discovery = report["discovery"]
    for method in ["model", "popularity", "random", "item_knn", "als", "als_artists", "bpr", "hand_weighted"]:
        assert 0.0 <= discovery[method]["ndcg10"] <= 1.0
        low, high = discovery[method]["ndcg10_ci95"]
        assert low <= discovery[method]["ndcg10"] <= high
        assert list(discovery[method]["by_ratings"]) == ["0", "1", "3", "5", "10"]
        for cell in discovery[method]["by_ratings"]["10"].values():
            assert cell["ci95"][0] <= cell["mean"] <= cell["ci95"][1]
    versus = discovery["model_vs_best_baseline"]
    assert versus["baseline"] in discovery and versus["baseline"] != "model"
    assert versus["ratio_ci95"][0] <= versus["ratio"] <= versus["ratio_ci95"][1]
    assert versus["difference"] == pytest.approx(discovery["model"]["ndcg10"] - discovery[versus["baseline"]]["ndcg10"])
    assert "NOT discovery" in report["same_artists"]["note"]
    assert set(report["tuning"]) == {"item_knn", "als", "als_artists", "bpr"}
    # Listeners come in taste groups, so their revealed artists predict the held-out ones.
    assert discovery["model"]["ndcg10"] > discovery["popularity"]["ndcg10"]
    assert discovery["model"]["ndcg10"] > discovery["random"]["ndcg10"]
    # With no rating yet there is nothing to personalise.
    cold = discovery["model"]["by_ratings"]["0"]["ndcg10"]["mean"]
    assert cold < discovery["model"]["ndcg10"]


def test_the_evaluation_repeats_for_a_seed_and_prints_a_readable_table(tmp_path):
    catalogue, lastfm = write_dataset(tmp_path)
    args = ("--catalogue", str(catalogue), "--lastfm", str(lastfm), *SMALL, "--seed", "3")
    args += ("--methods", "model,popularity,random,item_knn")

    first = json.loads(run("--json", *args))
    second = json.loads(run("--json", *args))
    text = run(*args)

    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert text.startswith("SIMULATION")
    assert "Discovery NDCG@10 after N ratings" in text and "NOT discovery" in text


def test_the_evaluation_says_what_data_is_missing_and_which_methods_exist(tmp_path):
    with pytest.raises(CommandError, match="No catalogue CSV"):
        run("--catalogue", str(tmp_path / "none.csv"))
    catalogue, lastfm = write_dataset(tmp_path)
    with pytest.raises(CommandError, match=r"No Last\.fm data"):
        run("--catalogue", str(catalogue), "--lastfm", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="Unknown method"):
        run("--catalogue", str(catalogue), "--lastfm", str(lastfm), "--methods", "model,magic")


SHARED = Path(settings.DATA_DIR)


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "lastfm" / "user_artists.dat").exists(), reason="shared data is absent")
def test_on_the_real_profiles_the_model_finds_new_artists_better_than_popularity():
    report = json.loads(run("--json", "--users", "150", "--validation", "0", "--methods", "model,popularity,random"))
    discovery = report["discovery"]

    assert discovery["model"]["ndcg10"] >= 3 * discovery["popularity"]["ndcg10"]
    assert discovery["model"]["coverage"] >= discovery["popularity"]["coverage"]
    assert discovery["model_vs_best_baseline"]["difference_ci95"][0] > 0
