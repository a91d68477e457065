"""The one emotion -> mood mapping: seeded with the defaults, read by moods_for,
edited by staff in the admin, never left empty."""

import importlib

import pytest

from emotions.engine.labels import EMOTIONS
from music.models import MoodMapping
from music.moods.mapping import default_moods, default_reason
from music.services.mood_model import moods_for
from tests.support.music_factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_every_emotion_has_moods_for_both_strategies():
    for emotion in EMOTIONS:
        for strategy in ("match", "lift"):
            assert moods_for(emotion, strategy)
    assert MoodMapping.objects.count() == 2 * len(EMOTIONS)


@pytest.mark.parametrize("strategy", ["match", "lift"])
@pytest.mark.parametrize("emotion", EMOTIONS)
def test_the_seeded_mapping_is_the_documented_default_with_a_reason(emotion, strategy):
    assert moods_for(emotion, strategy) == default_moods(emotion, strategy)
    assert len(default_reason(emotion, strategy)) > 20


def test_the_migration_seeds_the_defaults_written_in_code():
    frozen = importlib.import_module("music.migrations.0004_mood_mappings_mirror_the_feeling")
    assert {emotion: default_moods(emotion, "match") for emotion in EMOTIONS} == frozen.NEW_MATCH


def test_matching_mirrors_the_feeling_and_lifting_moves_it_toward_happy_or_calm():
    assert moods_for("angry", "match") == ["energetic"]  # intense, not calm
    for emotion in ("angry", "disgust", "fear", "sad"):
        assert "calm" not in moods_for(emotion, "match")[:1]
        assert moods_for(emotion, "lift")[0] in ("calm", "happy")
        assert moods_for(emotion, "lift") != moods_for(emotion, "match")
    for emotion in EMOTIONS:
        assert set(moods_for(emotion, "lift")) & {"happy", "calm"}


def test_lifting_a_low_mood_goes_calm_then_happy():
    assert moods_for("sad", "lift") == ["calm", "happy"]
    assert moods_for("angry", "lift") == ["calm", "happy"]
    assert moods_for("happy", "lift") == ["happy", "energetic"]


def test_an_unknown_emotion_or_strategy_is_an_error():
    with pytest.raises(LookupError):
        moods_for("bored", "match")
    with pytest.raises(LookupError):
        moods_for("sad", "ignore")


def changelist_data(edits: dict) -> dict:
    rows = list(MoodMapping.objects.order_by("strategy", "emotion"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for i, row in enumerate(rows):
        data[f"form-{i}-id"] = row.pk
        data[f"form-{i}-moods"] = edits.get((row.emotion, row.strategy), ", ".join(row.moods))
    return data


def test_staff_edit_the_mapping_on_one_page_beside_the_default_and_its_reason(client):
    client.force_login(StaffFactory())
    page = client.get("/admin/music/moodmapping/").content.decode()
    assert "Anger is intense and unpleasant" in page
    response = client.post("/admin/music/moodmapping/", changelist_data({("sad", "match"): "sad, calm"}))
    assert response.status_code == 302
    assert moods_for("sad", "match") == ["sad", "calm"]


@pytest.mark.parametrize("value", ["", "calm, calm", "angry"])
def test_the_admin_refuses_an_empty_repeated_or_unknown_mood(client, value):
    client.force_login(StaffFactory())
    response = client.post("/admin/music/moodmapping/", changelist_data({("fear", "lift"): value}))
    assert response.status_code == 200
    assert moods_for("fear", "lift") == ["calm", "happy"]


def test_rows_cannot_be_added_or_deleted_in_the_admin(client):
    client.force_login(StaffFactory())
    row = MoodMapping.objects.get(emotion="sad", strategy="lift")
    assert client.get("/admin/music/moodmapping/add/").status_code == 403
    assert client.post(f"/admin/music/moodmapping/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/music/moodmapping/{row.pk}/change/").status_code == 200
