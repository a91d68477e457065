"""The recommendation and rating endpoints under /api/v1/: the contract, ownership
(another listener's rating or detection is a 404) and the error shape."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from music.models import Rating, RecommendationLog, Track
from music.services.ratings import rate
from tests.support.recommend import catalogue_in_db, detection_with_faces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def catalogue(db):
    return catalogue_in_db()


def detection_url(detection, **query):
    url = reverse("detection-recommendations", args=[detection.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_detection_gets_music_for_its_driving_face(api, alice, catalogue):
    detection = detection_with_faces(alice, ["happy", "sad"], selected_face=1)

    response = api.get(detection_url(detection))

    assert response.status_code == 200
    data = response.json()
    assert (data["emotion"], data["strategy"], data["moods"], data["subject"]) == ("sad", "match", ["sad"], "face")
    assert data["detection"] == str(detection.pk)
    assert len(data["results"]) == 10
    first = data["results"][0]
    assert set(first) >= {"position", "track", "reason", "rating"}
    assert set(first["track"]) >= {"id", "title", "artists", "mood", "spotify_id", "spotify_url"}
    assert isinstance(first["track"]["artists"], list) and first["reason"]
    assert [item["position"] for item in data["results"]] == list(range(1, 11))
    assert {item["track"]["mood"] for item in data["results"]} == {"sad"}


def test_a_corrected_detection_gets_its_own_stored_list_and_going_back_gives_the_earlier(api, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    read = api.get(detection_url(detection)).json()

    api.patch(reverse("detection-detail", args=[detection.pk]), {"felt_emotion": "sad"}, format="json")
    felt = api.get(detection_url(detection)).json()

    assert (felt["emotion"], felt["moods"]) == ("sad", ["sad"]) and felt["id"] != read["id"]
    assert api.get(detection_url(detection)).json()["results"] == felt["results"], "the sad list holds still"
    api.patch(reverse("detection-detail", args=[detection.pk]), {"felt_emotion": None}, format="json")
    back = api.get(detection_url(detection)).json()
    assert (back["id"], back["emotion"], back["results"]) == (read["id"], "happy", read["results"])


def test_every_list_made_is_logged_with_its_detection(api, alice, catalogue):
    detection = detection_with_faces(alice, ["angry"])

    data = api.get(detection_url(detection)).json()

    log = RecommendationLog.objects.get()
    assert (log.user, log.detection, log.surface, log.emotion) == (alice, detection, "detection", "angry")
    assert log.track_ids == [item["track"]["id"] for item in data["results"]]


def test_reading_a_detections_list_twice_gives_the_same_tracks_in_the_same_order(api, alice, catalogue):
    detection = detection_with_faces(alice, ["neutral"])

    first = api.get(detection_url(detection)).json()
    second = api.get(detection_url(detection)).json()

    assert first["id"] == second["id"]
    assert first["results"] == second["results"]
    assert RecommendationLog.objects.count() == 1


def test_post_makes_new_picks_and_the_earlier_list_stays_findable(api, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    first = api.get(detection_url(detection)).json()

    fresh = api.post(detection_url(detection))

    assert fresh.status_code == 201
    assert fresh.json()["id"] != first["id"]
    assert api.get(detection_url(detection)).json()["id"] == fresh.json()["id"]
    listed = api.get(reverse("shown-list-list")).json()["results"]
    assert [item["id"] for item in listed] == [fresh.json()["id"], first["id"]]
    assert api.get(reverse("shown-list-detail", args=[first["id"]])).json()["results"] == first["results"]


def test_a_strategy_and_a_length_can_be_asked_for(api, alice, catalogue):
    detection = detection_with_faces(alice, ["sad"])

    data = api.get(detection_url(detection, strategy="lift", n=5)).json()

    assert data["moods"] == ["calm", "happy"] and len(data["results"]) == 5


def test_music_for_everyone_in_the_photo_says_how_the_faces_are_blended(api, alice, catalogue):
    detection = detection_with_faces(alice, ["happy", "sad"])

    data = api.get(detection_url(detection, subject="everyone")).json()

    assert data["subject"] == "everyone" and data["emotion"] == ""
    assert data["blend"]["faces"] == 2
    assert data["blend"]["emotions"]["happy"] == data["blend"]["emotions"]["sad"] == pytest.approx(0.375, abs=1e-3)
    assert sum(data["blend"]["slots"].values()) == len(data["results"]) == 10
    assert {item["track"]["mood"] for item in data["results"]} == set(data["blend"]["slots"])


def test_music_for_everyone_needs_two_faces(api, alice, catalogue):
    response = api.get(detection_url(detection_with_faces(alice, ["happy"]), subject="everyone"))

    assert response.status_code == 409
    assert "two faces" in response.json()["detail"]


def test_a_like_through_the_list_keeps_the_rows_above_and_a_dislike_replaces_its_row(api, alice, catalogue):
    data = api.get(detection_url(detection_with_faces(alice, ["happy"]))).json()
    ids = [item["track"]["id"] for item in data["results"]]
    rate_url = reverse("shown-list-ratings", args=[data["id"]])

    liked = api.post(rate_url, {"track": ids[4], "value": 1}, format="json").json()
    after_like = [item["track"]["id"] for item in liked["list"]["results"]]
    disliked = api.post(rate_url, {"track": ids[1], "value": -1}, format="json").json()
    after_dislike = [item["track"]["id"] for item in disliked["list"]["results"]]

    assert after_like[:5] == ids[:5] and liked["undo"] is None
    assert liked["list"]["results"][4]["rating"]["value"] == 1
    assert disliked["changed"] == [2] and disliked["undo"] == {"track": ids[1], "position": 2}
    assert [a == b for a, b in zip(after_like, after_dislike, strict=True)] == [i != 1 for i in range(10)]


def test_undo_through_the_list_restores_the_row_and_removes_the_dislike(api, alice, catalogue):
    data = api.get(detection_url(detection_with_faces(alice, ["sad"]))).json()
    ids = [item["track"]["id"] for item in data["results"]]
    api.post(reverse("shown-list-ratings", args=[data["id"]]), {"track": ids[0], "value": -1}, format="json")

    undone = api.post(reverse("shown-list-undo", args=[data["id"]]), {"track": ids[0]}, format="json")

    assert undone.status_code == 200
    assert [item["track"]["id"] for item in undone.json()["list"]["results"]] == ids
    assert not Rating.objects.filter(track_id=ids[0]).exists()
    again = api.post(reverse("shown-list-undo", args=[data["id"]]), {"track": ids[0]}, format="json")
    assert again.status_code == 400 and "track" in again.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"track": 0, "value": 1}, "track"), ({"value": 1}, "track"), ({"track": 1, "value": 2}, "value"), ({}, "track")],
)
def test_bad_ratings_through_a_list_are_refused_in_the_error_shape(api, alice, catalogue, body, field):
    data = api.get(detection_url(detection_with_faces(alice, ["sad"]))).json()
    outside = Track.objects.exclude(pk__in=[item["track"]["id"] for item in data["results"]]).first()
    body = {**body, "track": outside.pk} if body.get("track") == 1 else body

    response = api.post(reverse("shown-list-ratings", args=[data["id"]]), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_song_outside_the_list_cannot_be_rated_through_it(api, alice, catalogue):
    data = api.get(detection_url(detection_with_faces(alice, ["sad"]))).json()
    outside = Track.objects.exclude(pk__in=[item["track"]["id"] for item in data["results"]]).first()

    response = api.post(
        reverse("shown-list-ratings", args=[data["id"]]), {"track": outside.pk, "value": 1}, format="json"
    )

    assert response.status_code == 400 and "not in this list" in response.json()["errors"]["track"][0]
    assert not Rating.objects.exists()


def test_another_listeners_list_is_a_404(api, bob, catalogue):
    theirs = APIClient()
    theirs.force_authenticate(bob)
    data = theirs.get(detection_url(detection_with_faces(bob, ["happy"]))).json()
    track = data["results"][0]["track"]["id"]

    assert api.get(reverse("shown-list-detail", args=[data["id"]])).status_code == 404
    assert (
        api.post(
            reverse("shown-list-ratings", args=[data["id"]]), {"track": track, "value": 1}, format="json"
        ).status_code
        == 404
    )
    assert api.post(reverse("shown-list-undo", args=[data["id"]]), {"track": track}, format="json").status_code == 404
    assert api.get(reverse("shown-list-list")).json()["results"] == []


def test_another_listeners_detection_is_a_404(api, bob, catalogue):
    detection = detection_with_faces(bob, ["happy"])

    assert api.get(detection_url(detection)).status_code == 404


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_an_unfinished_detection_has_no_music_yet(api, alice, status):
    response = api.get(detection_url(detection_with_faces(alice, ["happy"], status=status)))

    assert response.status_code == 409
    assert response.json() == {"detail": "The analysis has not finished yet."}


def test_a_photo_without_a_face_has_no_emotion_to_follow(api, alice):
    response = api.get(detection_url(detection_with_faces(alice, [])))

    assert response.status_code == 409
    assert "No face" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"n": 0}, "n"), ({"n": 500}, "n"), ({"subject": "all"}, "subject"), ({"strategy": "ignore"}, "strategy")],
)
def test_bad_options_are_refused_in_the_error_shape(api, alice, query, field):
    response = api.get(detection_url(detection_with_faces(alice, ["happy"]), **query))

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and field in body["errors"]


def test_music_for_an_emotion_or_a_mood_without_a_photo(api, catalogue):
    by_emotion = api.get(reverse("api-recommendations"), {"emotion": "fear", "strategy": "lift"}).json()
    by_mood = api.get(reverse("api-recommendations"), {"mood": "energetic", "n": 4}).json()

    assert by_emotion["moods"] == ["calm", "happy"]
    assert by_mood["emotion"] == "" and {i["track"]["mood"] for i in by_mood["results"]} == {"energetic"}
    assert len(by_mood["results"]) == 4
    assert RecommendationLog.objects.filter(surface="api").count() == 2


@pytest.mark.parametrize("query", [{}, {"emotion": "sad", "mood": "calm"}, {"emotion": "bored"}, {"mood": "gloomy"}])
def test_recommendations_need_one_known_emotion_or_mood(api, query):
    response = api.get(reverse("api-recommendations"), query)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_the_api_needs_a_signed_in_listener(catalogue):
    response = APIClient().get(reverse("api-recommendations"), {"emotion": "sad"})

    assert response.status_code in (401, 403)
    assert APIClient().get(reverse("rating-list")).status_code in (401, 403)


# --- Ratings ---------------------------------------------------------------------------


def test_rating_a_track_then_changing_the_rating(api, alice, catalogue):
    track = catalogue[0]

    created = api.post(reverse("rating-list"), {"track": track.pk, "value": 1}, format="json")
    changed = api.post(reverse("rating-list"), {"track": track.pk, "value": -1}, format="json")

    assert created.status_code == 201 and changed.status_code == 200
    assert created.json()["id"] == changed.json()["id"]
    assert changed.json()["value"] == -1
    assert changed.json()["track"]["id"] == track.pk and changed.json()["track"]["title"] == track.title
    assert Rating.objects.get(user=alice, track=track).value == -1


def test_my_ratings_list_only_mine(api, alice, bob, catalogue):
    rate(alice, catalogue[0], 1)
    rate(alice, catalogue[1], -1)
    rate(bob, catalogue[2], 1)

    everything = api.get(reverse("rating-list")).json()
    likes = api.get(reverse("rating-list"), {"value": 1}).json()

    assert {r["track"]["id"] for r in everything["results"]} == {catalogue[0].pk, catalogue[1].pk}
    assert [r["track"]["id"] for r in likes["results"]] == [catalogue[0].pk]


def test_a_rating_can_be_read_changed_and_removed_by_its_owner(api, alice, catalogue):
    rating, _ = rate(alice, catalogue[0], 1)
    url = reverse("rating-detail", args=[rating.pk])

    assert api.get(url).json()["value"] == 1
    assert api.patch(url, {"value": -1}, format="json").json()["value"] == -1
    assert api.put(url, {"track": catalogue[0].pk, "value": 1}, format="json").status_code == 200
    assert api.delete(url).status_code == 204
    assert not Rating.objects.filter(pk=rating.pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_listeners_rating_is_a_404(api, bob, catalogue, method):
    rating, _ = rate(bob, catalogue[0], 1)

    response = getattr(api, method)(reverse("rating-detail", args=[rating.pk]), {"value": -1}, format="json")

    assert response.status_code == 404
    assert Rating.objects.get(pk=rating.pk).value == 1


def test_a_rating_stays_with_its_track(api, alice, catalogue):
    rating, _ = rate(alice, catalogue[0], 1)

    response = api.put(
        reverse("rating-detail", args=[rating.pk]), {"track": catalogue[1].pk, "value": 1}, format="json"
    )

    assert response.status_code == 400
    assert "track" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"track": None, "value": 1}, "track", "Say which track"),
        ({"value": 1}, "track", "Say which track"),
        ({"track": 999999, "value": 1}, "track", "no track with id 999999"),
        ({"track": "abc", "value": 1}, "track", "by its id"),
        ({"track": 1.5, "value": 1}, "track", "by its id"),
        ({"track": True, "value": 1}, "track", "by its id"),
        ({"track": "TRACK", "value": 3}, "value", "1 (like) or -1 (dislike)"),
        ({"track": "TRACK", "value": 0}, "value", "1 (like) or -1 (dislike)"),
        ({"track": "TRACK"}, "value", "1 (like) or -1 (dislike)"),
    ],
)
def test_invalid_ratings_are_refused_in_the_error_shape(api, catalogue, body, field, words):
    body = {k: (catalogue[0].pk if v == "TRACK" else v) for k, v in body.items()}

    response = api.post(reverse("rating-list"), body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"detail", "errors"}
    assert words in " ".join(data["errors"][field])
    assert not Rating.objects.exists()


def test_a_song_disliked_elsewhere_is_replaced_in_its_row_when_the_list_is_read_again(api, alice, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    before = [item["track"]["id"] for item in api.get(detection_url(detection)).json()["results"]]

    api.post(reverse("rating-list"), {"track": before[3], "value": -1}, format="json")
    after = [item["track"]["id"] for item in api.get(detection_url(detection)).json()["results"]]

    assert before[3] not in after
    assert [a == b for a, b in zip(before, after, strict=True)] == [i != 3 for i in range(10)]


def test_other_listeners_ratings_never_appear_in_my_list(api, alice, bob, catalogue):
    detection = detection_with_faces(alice, ["happy"])
    for item in api.get(detection_url(detection)).json()["results"]:
        rate(bob, Track.objects.get(pk=item["track"]["id"]), 1)

    results = api.get(detection_url(detection)).json()["results"]

    assert all(item["rating"] is None for item in results)
