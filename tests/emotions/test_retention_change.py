"""A change of photo retention applies to the photos already kept: "delete" deletes them
now, a shorter period sweeps the older ones, and a longer one keeps no photo longer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from emotions.models import Detection
from tests.support.privacy import kept_photo, photo_file


def profile_form(**changes):
    return {"email": "alice@example.com", "photo_retention": "keep", "mood_strategy": "match", **changes}


@pytest.fixture
def alice_keeps(alice):
    alice.photo_retention = "keep"
    alice.save()
    return alice


@pytest.mark.parametrize("how", ["page", "api"])
def test_switching_to_delete_deletes_the_kept_photos_now(alice_client, alice_keeps, bob, how):
    photos = [kept_photo(alice_keeps), kept_photo(alice_keeps, finished_ago=timedelta(days=30))]
    bobs = kept_photo(bob)
    paths = [photo_file(d) for d in photos]
    assert all(path.exists() for path in paths)

    if how == "page":
        response = alice_client.post(reverse("accounts:profile"), profile_form(photo_retention="delete"))
        assert response.status_code == 302
    else:
        response = alice_client.patch(
            reverse("api-profile"), {"photo_retention": "delete"}, content_type="application/json"
        )
        assert response.status_code == 200

    assert not any(path.exists() for path in paths)
    assert not Detection.objects.filter(owner=alice_keeps).exclude(photo="").exists()
    assert Detection.objects.filter(owner=alice_keeps).count() == 2  # the readings stay
    assert photo_file(bobs).exists()


def test_switching_to_24_hours_sweeps_older_photos_and_dates_the_others(alice_client, alice_keeps):
    old = kept_photo(alice_keeps, finished_ago=timedelta(hours=30))
    recent = kept_photo(alice_keeps, finished_ago=timedelta(hours=2))
    old_path, recent_path = photo_file(old), photo_file(recent)

    alice_client.post(reverse("accounts:profile"), profile_form(photo_retention="24h"))

    assert not old_path.exists()
    assert recent_path.exists()
    recent.refresh_from_db()
    assert recent.photo_delete_at == recent.finished_at + timedelta(hours=24)


def test_a_longer_retention_does_not_keep_a_photo_past_its_deadline(alice_client, alice):
    alice.photo_retention = "24h"
    alice.save()
    photo = kept_photo(alice, retention="24h", finished_ago=timedelta(hours=2))
    deadline = photo.photo_delete_at

    alice_client.post(reverse("accounts:profile"), profile_form(photo_retention="keep"))

    photo.refresh_from_db()
    assert photo.photo and photo.photo_delete_at == deadline


def test_an_analysis_still_queued_finishes_under_the_new_choice(alice_client, alice_keeps):
    queued = Detection.objects.create(owner=alice_keeps, retention="keep", status=Detection.Status.QUEUED)

    alice_client.post(reverse("accounts:profile"), profile_form(photo_retention="delete"))

    queued.refresh_from_db()
    assert queued.retention == "delete"
    assert queued.photo_deadline_after_finish(timezone.now()) is not None


def test_saving_the_profile_without_changing_the_retention_deletes_nothing(alice_client, alice_keeps):
    photo = kept_photo(alice_keeps)

    alice_client.post(reverse("accounts:profile"), profile_form(mood_strategy="lift"))

    assert photo_file(photo).exists()
