"""Deleting a detection, or the whole history, deletes what was derived from its
readings: music's recommendation logs included, and nothing of anyone else's."""

import pytest
from django.db import models
from django.urls import reverse

from emotions.models import Detection
from music.models import RecommendationLog
from tests.support.privacy import kept_photo, photo_file, shown_list


def test_every_row_that_references_a_detection_goes_with_it():
    # A model that keeps a detection's reading must not outlive it (SET_NULL would keep
    # the reading without its detection); new models are held to this too.
    referencing = [
        (field.related_model._meta.label, field.field.name, field.on_delete)
        for field in Detection._meta.related_objects
    ]
    assert ("music.RecommendationLog", "detection", models.CASCADE) in referencing
    for label, name, on_delete in referencing:
        assert on_delete is models.CASCADE, f"{label}.{name} must be on_delete=CASCADE"


@pytest.mark.parametrize("how", ["page", "api"])
def test_deleting_a_detection_deletes_the_lists_made_from_its_reading(alice_client, alice, bob, how):
    detection = kept_photo(alice)
    other = kept_photo(alice, emotion="happy")
    from_it = shown_list(alice, detection=detection)
    from_other = shown_list(alice, detection=other)
    bobs = shown_list(bob, detection=kept_photo(bob))
    path = photo_file(detection)

    if how == "page":
        response = alice_client.post(reverse("emotions:delete", args=[detection.pk]))
        assert response.status_code == 302
    else:
        response = alice_client.delete(reverse("detection-detail", args=[detection.pk]))
        assert response.status_code == 204

    assert not Detection.objects.filter(pk=detection.pk).exists()
    assert not RecommendationLog.objects.filter(pk=from_it.pk).exists()
    assert not path.exists()
    assert RecommendationLog.objects.filter(pk__in=[from_other.pk, bobs.pk]).count() == 2


def test_deleting_all_history_deletes_every_reading_copied_into_the_logs(alice_client, alice, bob):
    detection = kept_photo(alice)
    from_photo = shown_list(alice, detection=detection)
    # Live mode's lists follow a reading of the face without a detection behind them.
    from_live = shown_list(alice, emotion="angry")
    for_a_mood = shown_list(alice, moods=("energetic",))
    bobs = [shown_list(bob, detection=kept_photo(bob)), shown_list(bob, emotion="angry")]

    response = alice_client.post(reverse("emotions:delete_all"))

    assert response.status_code == 302
    assert not Detection.objects.filter(owner=alice).exists()
    assert not RecommendationLog.objects.filter(pk__in=[from_photo.pk, from_live.pk]).exists()
    # A list for a mood the user chose carries no reading of their face.
    assert list(RecommendationLog.objects.filter(user=alice)) == [for_a_mood]
    assert RecommendationLog.objects.filter(pk__in=[log.pk for log in bobs]).count() == 2
    assert Detection.objects.filter(owner=bob).count() == 1
