"""The mood model: a small JSON classifier that predicts like the scikit-learn model
it came from, clusters named from their centroids and stable across refits, a refit
that keeps editors' overrides, and the evaluation command's contract."""

import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from music.models import MoodCluster, MoodModelRun, Track
from music.moods import training
from music.moods.classifier import DEFAULT_PATH, MoodClassifier
from music.moods.clusters import PreviousCluster, fit_clusters, silhouette
from music.moods.features import MODEL_FEATURES
from music.moods.labels import MOODS, mood_name
from music.services import mood_model
from tests.support.music_factories import (
    MOOD_FEATURES,
    MOODS_HEADER,
    PlaylistFactory,
    TrackFactory,
    csv_bytes,
    featured_track,
    moods_row,
    spotify_id,
)

SPREAD = np.array([0.12, 0.12, 3.0, 0.03, 0.15, 0.15, 0.08, 0.15, 15.0])


def labelled(n_per_mood: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Tracks scattered around each mood's typical features."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for mood in MOODS:
        centre = np.array([MOOD_FEATURES[mood][f] for f in MODEL_FEATURES])
        x.append(centre + rng.normal(size=(n_per_mood, len(centre))) * SPREAD)
        y += [mood] * n_per_mood
    return np.vstack(x), y


def test_the_shipped_classifier_is_a_few_kilobytes_of_json_with_its_held_out_quality():
    text = DEFAULT_PATH.read_text()
    assert len(text) < 20_000
    data = json.loads(text)
    model = MoodClassifier.from_dict(data)
    assert set(model.moods) == set(MOODS) and model.features == MODEL_FEATURES
    held_out = model.metadata["held_out"]
    assert set(held_out) >= {"accuracy", "macro_f1", "labels", "confusion_matrix", "n"}
    assert model.metadata["split"] == {"seed": 0, "holdout": 0.3, "train": 239, "heldout": 103}
    # The estimate comes from the training part; the shipped numbers from every labelled track.
    assert model.metadata["fitted_on"] == 342 and model.version != model.metadata["protocol_model_version"]
    assert [point["train"] for point in model.metadata["learning_curve"]][-1] == 239
    assert set(model.metadata["seed_baselines_held_out"]) == {"by_cluster_id", "by_valence_energy", "by_member_labels"}
    for mood, features in MOOD_FEATURES.items():
        assert model.predict([[features[f] for f in MODEL_FEATURES]]) == [mood]


def test_the_json_classifier_predicts_exactly_like_the_scikit_learn_pipeline():
    x, y = labelled(30)
    model = training.fit_classifier(x, y, degree=2, c=0.1)
    reference = make_pipeline(
        StandardScaler(),
        PolynomialFeatures(2, include_bias=False),
        StandardScaler(),
        LogisticRegression(C=0.1, max_iter=10_000),
    ).fit(x, y)
    probe, _ = labelled(10, seed=1)
    order = [list(reference.classes_).index(m) for m in model.moods]
    np.testing.assert_allclose(model.predict_proba(probe), reference.predict_proba(probe)[:, order], atol=1e-6)

    again = MoodClassifier.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.predict(probe) == model.predict(probe) and again.version == model.version


def test_a_classifier_file_of_another_format_is_refused():
    with pytest.raises(ValueError, match="format"):
        MoodClassifier.from_dict({"format": 99})


def test_model_selection_uses_cross_validation_on_the_training_part_only(monkeypatch):
    monkeypatch.setattr(training, "CANDIDATES", [(1, 1.0), (2, 0.1)])
    monkeypatch.setattr(training, "CV_REPEATS", 1)
    x, y = labelled(15)
    train_index, test_index = training.split(y)
    assert len(test_index) == 18 and not set(train_index) & set(test_index)
    assert training.split(y)[1].tolist() == test_index.tolist()  # seeded
    (degree, c), table = training.select(x[train_index], [y[i] for i in train_index])
    assert (degree, c) in [(1, 1.0), (2, 0.1)] and len(table) == 2
    baselines = training.seed_baselines(
        x[train_index], [y[i] for i in train_index], x[test_index], [y[i] for i in test_index], seeds=range(2)
    )
    assert all(0 <= b["min"] <= b["mean"] <= b["max"] <= 1 for b in baselines.values())


def test_mood_labels_are_read_whatever_their_spelling():
    assert mood_name(" Energetic") == "energetic" and mood_name("cheerful") == "happy"
    with pytest.raises(ValueError, match="'angry' is not a mood"):
        mood_name("angry")


def clustered(seed: int = 0):
    """Calm tracks of two kinds - instrumental and slow, vocal and bright - and sad ones."""
    rng = np.random.default_rng(seed)
    calm = np.array([MOOD_FEATURES["calm"][f] for f in MODEL_FEATURES])
    kinds = []
    for instrumentalness, valence, tempo in ((0.95, 0.1, 80.0), (0.05, 0.6, 120.0)):
        centre = calm.copy()
        centre[MODEL_FEATURES.index("instrumentalness")] = instrumentalness
        centre[MODEL_FEATURES.index("valence")] = valence
        centre[MODEL_FEATURES.index("tempo")] = tempo
        kinds.append(centre + rng.normal(size=(40, 9)) * SPREAD * 0.3)
    sad = np.array([MOOD_FEATURES["sad"][f] for f in MODEL_FEATURES]) + rng.normal(size=(30, 9)) * SPREAD * 0.3
    x = np.vstack([*kinds, sad])
    z = MoodClassifier.load().scaled(x)
    return z, ["calm"] * 80 + ["sad"] * 30


def test_clusters_are_named_from_their_centroids_within_their_mood():
    z, labels = clustered()
    clusters, assignment = fit_clusters(z, labels)
    names = sorted(c.name for c in clusters)
    assert len(set(names)) == len(names)
    calm = [c.name for c in clusters if c.mood == "calm"]
    assert any("instrumental" in n for n in calm) and any("vocal" in n for n in calm)
    assert all(c.name.startswith(c.mood.capitalize()) for c in clusters)
    # each cluster's members share its mood
    for index, cluster in enumerate(clusters):
        assert {labels[i] for i in np.flatnonzero(assignment == index)} == {cluster.mood}
    assert silhouette(z, assignment) is not None


def test_clustering_is_deterministic_and_does_not_depend_on_row_order():
    z, labels = clustered()
    first, assignment = fit_clusters(z, labels, seed=0)
    again, same = fit_clusters(z, labels, seed=0)
    assert [c.name for c in first] == [c.name for c in again] and (assignment == same).all()

    order = np.random.default_rng(3).permutation(len(z))
    shuffled, shuffled_assignment = fit_clusters(z[order], [labels[i] for i in order], seed=0)
    assert [c.name for c in shuffled] == [c.name for c in first]
    names = np.array([c.name for c in first])
    assert (names[assignment][order] == np.array([c.name for c in shuffled])[shuffled_assignment]).all()


def test_a_refit_matches_clusters_to_the_previous_fit():
    z, labels = clustered()
    first, _ = fit_clusters(z, labels, seed=0)
    previous = [PreviousCluster(100 + i, c.mood, c.centroid) for i, c in enumerate(first)]
    refit, _ = fit_clusters(z, labels, previous, seed=7)
    assert sorted(c.key for c in refit) == [100 + i for i in range(len(first))]
    for cluster in refit:
        assert cluster.name == first[cluster.key - 100].name and cluster.shift < 0.01


@pytest.mark.django_db
class TestCatalogueRefit:
    def catalogue(self):
        for mood in MOODS:
            for i in range(30):
                featured_track(mood, title=f"{mood} {i}", artists=f"{mood} band {i % 3}")

    def test_it_assigns_moods_records_quality_and_keeps_cluster_identity(self):
        self.catalogue()
        run = mood_model.refit()
        assert run.tracks == run.tracks_with_features == 120
        assert run.metrics["moods"] == dict.fromkeys(MOODS, 30)
        assert run.metrics["classifier_held_out"]["n"] == 103
        clusters = list(MoodCluster.objects.order_by("pk").values_list("pk", "name"))
        assert {name.split(" · ")[0] for _, name in clusters} == {"Happy", "Energetic", "Calm", "Sad"}
        assert not Track.objects.filter(cluster=None).exists()

        again = mood_model.refit()
        assert list(MoodCluster.objects.order_by("pk").values_list("pk", "name")) == clusters
        assert again.metrics["cluster_kept"] == 1.0 and again.metrics["tracks_changed"] == 0
        assert MoodModelRun.objects.count() == 2

    def test_an_editors_override_survives_refits_until_cleared(self):
        self.catalogue()
        mood_model.refit()
        track = Track.objects.get(title="happy 0")
        mood_model.override_mood(Track.objects.filter(pk=track.pk), "sad")
        track.refresh_from_db()
        assert (track.mood, track.mood_source, track.cluster.mood) == ("sad", "editor", "sad")

        mood_model.refit()
        track.refresh_from_db()
        assert (track.mood, track.mood_override) == ("sad", "sad")

        mood_model.clear_mood_override(Track.objects.filter(pk=track.pk))
        track.refresh_from_db()
        assert (track.mood, track.mood_source, track.mood_override) == ("happy", "model", "")

    def test_a_human_label_comes_before_the_model(self):
        track = featured_track("happy", mood_label="calm")
        mood_model.refit()
        track.refresh_from_db()
        assert (track.mood, track.mood_source) == ("calm", "label")
        assert MoodModelRun.objects.get().metrics["model_vs_human_labels"]["n"] == 1

    def test_tracks_without_features_take_a_curated_playlists_mood_first(self):
        self.catalogue()
        plain = TrackFactory(artists="calm band 1")
        playlist = PlaylistFactory(mood="energetic")
        mood_model.refit()
        plain.refresh_from_db()
        assert (plain.mood, plain.mood_source) == ("calm", "artist")

        playlist.append([plain])
        run = mood_model.refit()
        plain.refresh_from_db()
        assert (plain.mood, plain.mood_source, plain.cluster) == ("energetic", "playlist", None)
        assert run.metrics["sources"]["playlist"] == 1

    def test_a_track_with_nothing_to_go_on_has_no_mood(self):
        track = TrackFactory()
        run = mood_model.refit()
        track.refresh_from_db()
        assert track.mood == "" and run.metrics["tracks_without_mood"] == 1


def evaluate(*args) -> str:
    out = io.StringIO()
    call_command("evaluate_moods", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_evaluate_moods_prints_the_contract_json_without_touching_the_catalogue(tmp_path):
    rows = [
        moods_row(f"{mood} {i}", "Band", spotify_id(10 * n + i), mood=mood)
        for n, mood in enumerate(MOODS)
        for i in range(3)
    ]
    rows.append(moods_row("Mislabelled", "Band", spotify_id(99), mood="calm", label="happy"))
    path = tmp_path / "labelled.csv"
    path.write_bytes(csv_bytes(MOODS_HEADER, rows))

    result = json.loads(evaluate("--csv", path, "--label-column", "mood", "--json"))
    assert set(result) >= {"accuracy", "macro_f1", "labels", "confusion_matrix", "n"}
    assert result["n"] == 13 and result["accuracy"] == pytest.approx(12 / 13, abs=1e-4)
    assert result["labels"] == list(MOODS)
    assert result["confusion_matrix"][0] == [3, 0, 1, 0]  # the happy-labelled calm track
    assert not Track.objects.exists()

    assert "13 tracks: accuracy 92.3%" in evaluate("--csv", path)


@pytest.mark.django_db
def test_evaluate_moods_reads_the_named_label_column_and_refuses_a_missing_one(tmp_path):
    header = [*MOODS_HEADER[:-1], "Human Mood"]
    path = tmp_path / "labelled.csv"
    rows = [
        moods_row("Quiet", "Pianist", spotify_id(1), mood="calm"),
        moods_row("Loud", "Band", spotify_id(2), mood="energetic"),
    ]
    path.write_bytes(csv_bytes(header, rows))
    assert json.loads(evaluate("--csv", path, "--label-column", "Human Mood", "--json"))["accuracy"] == 1.0
    with pytest.raises(CommandError, match="No column named 'mood'"):
        evaluate("--csv", path, "--json")


@pytest.mark.django_db
def test_evaluate_moods_measures_another_classifier_file_and_refuses_a_bad_one(tmp_path):
    x, y = labelled(20)
    # A classifier that learnt the moods backwards: it must score 0 where the shipped one scores 1.
    backwards = dict(zip(MOODS, reversed(MOODS), strict=True))
    training.fit_classifier(x, [backwards[m] for m in y], degree=1, c=1.0).save(tmp_path / "backwards.json")
    path = tmp_path / "labelled.csv"
    rows = [moods_row(f"{mood}", "Band", spotify_id(n), mood=mood) for n, mood in enumerate(MOODS)]
    path.write_bytes(csv_bytes(MOODS_HEADER, rows))

    assert json.loads(evaluate("--csv", path, "--json"))["accuracy"] == 1.0
    assert json.loads(evaluate("--csv", path, "--json", "--model", tmp_path / "backwards.json"))["accuracy"] == 0.0
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CommandError, match="is not a mood classifier"):
        evaluate("--csv", path, "--model", tmp_path / "broken.json")
    with pytest.raises(CommandError, match="is not a mood classifier"):
        evaluate("--csv", path, "--model", tmp_path / "missing.json")
