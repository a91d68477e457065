"""Lists that hold still (music.services.shown_lists), on generated catalogues in the
database: a reload shows the same list, a like keeps the rows above it, a dislike
replaces one row, undo brings it back, and lists are keyed by the emotion."""

import pytest

from emotions.services.detections import select_face
from music.models import Rating, ShownList
from music.services.ratings import rate
from music.services.shown_lists import (
    NoMusic,
    latest_for_detection,
    list_for_detection,
    mood_slots,
    new_picks,
    rate_in_list,
    recent,
    rows,
    undo_dislike,
)
from tests.support.recommend import catalogue_in_db, detection_with_faces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]


@pytest.fixture
def catalogue(db):
    return catalogue_in_db(per_mood=30)


def songs(shown):
    return [row.track.pk for row in rows(shown)]


def test_a_list_is_made_once_and_every_later_read_shows_the_same_songs_in_the_same_order(alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])

    first = list_for_detection(alice, detection)
    again = list_for_detection(alice, detection)

    assert again.pk == first.pk
    assert len(songs(first)) == 10
    assert songs(again) == songs(first)
    assert [row.entry.position for row in rows(first)] == list(range(1, 11))
    assert ShownList.objects.count() == 1


def test_a_like_keeps_every_row_above_it_and_itself_in_place(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy"]))
    before = songs(shown)
    liked = rows(shown)[3].track

    change = rate_in_list(shown, liked, 1)

    after = songs(shown)
    assert after[:4] == before[:4]
    assert len(after) == 10 and len(set(after)) == 10
    assert change.rating.value == 1 and change.undo is None
    assert all(position > 4 for position in change.changed)
    assert Rating.objects.get(user=alice, track=liked).value == 1


def test_a_liked_row_below_stays_when_a_song_above_is_liked(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy"]))
    lower = rows(shown)[7].track
    rate_in_list(shown, lower, 1)

    rate_in_list(shown, rows(shown)[1].track, 1)

    assert songs(shown)[7] == lower.pk


def test_a_dislike_replaces_exactly_that_row_with_a_song_not_shown_before(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["sad"]))
    before = songs(shown)
    disliked = rows(shown)[2].track

    change = rate_in_list(shown, disliked, -1)

    after = songs(shown)
    assert change.changed == [3] and change.undo.track == disliked
    assert [a == b for a, b in zip(before, after, strict=True)] == [i != 2 for i in range(10)]
    assert after[2] not in before
    assert Rating.objects.get(user=alice, track=disliked).value == -1


def test_undo_brings_the_disliked_song_back_to_its_row_and_removes_the_dislike(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["sad"]))
    before = songs(shown)
    disliked = rows(shown)[5].track
    rate_in_list(shown, disliked, -1)

    assert undo_dislike(shown, disliked) == [6]

    assert songs(shown) == before
    assert not Rating.objects.filter(user=alice, track=disliked).exists()
    with pytest.raises(LookupError):
        undo_dislike(shown, disliked)


def test_clearing_a_rating_moves_nothing(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy"]))
    liked = rows(shown)[0].track
    rate_in_list(shown, liked, 1)
    before = songs(shown)

    change = rate_in_list(shown, liked, 0)

    assert change.changed == [] and songs(shown) == before
    assert not Rating.objects.filter(user=alice, track=liked).exists()


def test_a_song_outside_the_list_cannot_be_rated_through_it(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy"]))
    outside = next(t for t in catalogue if t.pk not in songs(shown))

    with pytest.raises(LookupError):
        rate_in_list(shown, outside, 1)


def test_new_picks_make_another_list_that_is_then_shown_and_the_earlier_stays_findable(alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    first = list_for_detection(alice, detection)

    fresh = new_picks(alice, detection)

    assert fresh.pk != first.pk
    assert list_for_detection(alice, detection).pk == fresh.pk
    assert [s.pk for s in recent(alice)] == [fresh.pk, first.pk]
    assert songs(first) == songs(ShownList.objects.get(pk=first.pk))


def test_lists_are_keyed_by_the_emotion_so_going_back_shows_the_earlier_list(alice, catalogue):
    detection = detection_with_faces(alice, ["happy", "sad"])
    happy = list_for_detection(alice, detection)

    select_face(detection, 1)
    sad = list_for_detection(alice, detection)
    select_face(detection, 0)
    back = list_for_detection(alice, detection)

    assert (happy.emotion, sad.emotion) == ("happy", "sad")
    assert sad.pk != happy.pk and back.pk == happy.pk
    assert songs(back) == songs(happy)


def test_the_strategy_is_part_of_the_key(alice, catalogue):
    detection = detection_with_faces(alice, ["sad"])

    match = list_for_detection(alice, detection, strategy="match")
    lift = list_for_detection(alice, detection, strategy="lift")

    assert match.pk != lift.pk
    assert lift.moods == ["calm", "happy"] and match.moods == ["sad"]


def test_music_for_everyone_blends_the_faces_by_the_mean_of_their_probabilities(alice, catalogue):
    detection = detection_with_faces(alice, ["happy", "happy", "sad"])

    shown = list_for_detection(alice, detection, "everyone")

    blended = shown.blend["emotions"]
    assert shown.blend["faces"] == 3
    assert blended["happy"] == pytest.approx((0.7 + 0.7 + 0.05) / 3, abs=1e-3)
    assert blended["sad"] == pytest.approx((0.05 + 0.05 + 0.7) / 3, abs=1e-3)
    assert sum(shown.blend["slots"].values()) == 10
    assert shown.blend["slots"]["happy"] > shown.blend["slots"]["sad"] > 0
    moods = [row.track.mood for row in rows(shown)]
    assert {mood: moods.count(mood) for mood in set(moods)} == shown.blend["slots"]
    assert moods[:2] != ["happy", "happy"] or "sad" in moods[:4], "the moods are spread through the list"


def test_a_dislike_in_a_blend_is_replaced_from_the_same_mood(alice, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy", "sad"]), "everyone")
    row = next(r for r in rows(shown) if r.track.mood == "sad")

    rate_in_list(shown, row.track, -1)

    assert rows(shown)[row.entry.position - 1].track.mood == "sad"


def test_music_for_everyone_needs_two_faces_and_any_list_needs_one(alice, catalogue):
    with pytest.raises(NoMusic):
        list_for_detection(alice, detection_with_faces(alice, ["happy"]), "everyone")
    with pytest.raises(NoMusic):
        list_for_detection(alice, detection_with_faces(alice, []))


def test_mood_slots_share_the_songs_by_largest_remainder(db):
    slots = mood_slots({"happy": 0.46, "sad": 0.34, "neutral": 0.2}, "match", 10)

    assert sum(slots.values()) == 10
    assert list(slots) == sorted(slots, key=lambda m: -slots[m])
    assert slots["happy"] == 5


def test_the_latest_list_of_a_detection_is_the_one_shown_last(alice, catalogue):
    detection = detection_with_faces(alice, ["happy", "sad"])
    list_for_detection(alice, detection)
    everyone = list_for_detection(alice, detection, "everyone")

    assert latest_for_detection(alice, detection).pk == everyone.pk


def test_another_listeners_ratings_do_not_change_my_list(alice, bob, catalogue):
    shown = list_for_detection(alice, detection_with_faces(alice, ["happy"]))
    before = songs(shown)
    for pk in before[:3]:
        rate(bob, next(t for t in catalogue if t.pk == pk), -1)

    assert songs(list_for_detection(alice, shown.detection)) == before


def test_a_dislike_nothing_can_replace_keeps_its_row_for_undo(alice, db):
    catalogue_in_db(per_mood=4, artists=4, moods=("sad",))
    shown = list_for_detection(alice, detection_with_faces(alice, ["sad"]))
    disliked = rows(shown)[1].track

    rate_in_list(shown, disliked, -1)

    assert disliked.pk not in songs(shown)
    gone = [row for row in rows(shown, with_gone=True) if row.gone]
    assert [(row.entry.position, row.track) for row in gone] == [(2, disliked)]
    undo_dislike(shown, disliked)
    assert not [row for row in rows(shown, with_gone=True) if row.gone]
