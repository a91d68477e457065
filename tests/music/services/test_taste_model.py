"""The taste factors fitted from the ratings table by the periodic task, loaded beside
the catalogue index, and each listener's own ratings folded in at request time."""

import pytest
from django.conf import settings
from django.core.management import call_command

from celery_app import app
from music.models import TasteModelFit
from music.recommender.factors import TasteFactors
from music.services import taste_model
from music.services.catalogue_index import catalogue_index
from music.services.ratings import rate
from music.services.recommendations import recommend_in_moods
from music.tasks import refit_taste_model
from tests.support.factories import UserFactory
from tests.support.music_factories import StaffFactory
from tests.support.recommend import catalogue_in_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_catalogue_index")]


def listeners_in_two_groups(count: int) -> dict[int, list]:
    """A catalogue of 12 artists and ``count`` listeners in two taste groups: the first
    likes songs by artists 0-5, the second by artists 6-11; 12 likes each."""
    tracks = catalogue_in_db(per_mood=24, artists=12)
    by_group = {0: [], 1: []}
    for track in tracks:
        by_group[group_of(track)].append(track)
    for i in range(count):
        listener = UserFactory(username=f"listener{i}", email=f"listener{i}@example.com")
        mine = sorted(by_group[i % 2], key=lambda t: (t.pk * 7 + i) % 13)
        for track in mine[:12]:
            rate(listener, track, 1)
    return by_group


def group_of(track) -> int:
    return int(track.main_artist.split()[-1]) // 6


@pytest.fixture
def groups(db):
    return listeners_in_two_groups(12)


def test_the_periodic_task_fits_factors_from_every_rating(groups):
    assert settings.CELERY_BEAT_SCHEDULE["refit-taste-model"]["task"] == refit_taste_model.name
    assert refit_taste_model.name in app.tasks

    fit_id = refit_taste_model.apply().get()

    fit = TasteModelFit.objects.get(pk=fit_id)
    assert fit.trigger == TasteModelFit.Trigger.SCHEDULE
    assert (fit.listeners, fit.ratings) == (12, 144)
    assert fit.artists == 12 and fit.tracks > 0
    factors = TasteFactors.from_bytes(bytes(fit.factors))
    assert len(factors.artists) == 12 and factors.artists.factors.shape[1] > 1


def test_only_the_newest_fits_are_kept_and_the_command_reports_one(groups, capsys):
    for _ in range(taste_model.KEEP_FITS + 1):
        taste_model.refit()
    call_command("fit_taste_model")

    assert TasteModelFit.objects.count() == taste_model.KEEP_FITS
    assert "Taste factors from 144 ratings by 12 listeners" in capsys.readouterr().out


def test_nothing_is_fitted_before_two_listeners_have_rated(alice, db):
    tracks = catalogue_in_db()
    rate(alice, tracks[0], 1)

    assert taste_model.refit() is None
    assert not TasteModelFit.objects.exists()
    assert catalogue_index().taste is None


def test_an_artist_only_one_listener_rated_gets_no_factors(alice, bob, db):
    tracks = catalogue_in_db(per_mood=10, artists=6)
    shared = [t for t in tracks if t.main_artist == "Artist 1"][:2]
    alone = next(t for t in tracks if t.main_artist == "Artist 2")
    for user in (alice, bob):
        for track in shared:
            rate(user, track, 1)
    rate(bob, alone, 1)

    factors = TasteFactors.from_bytes(bytes(taste_model.refit().factors))

    assert shared[0].artist_key in factors.artists.keys.tolist()
    assert alone.artist_key not in factors.artists.keys.tolist()
    assert alone.pk not in factors.tracks.keys.tolist()


def test_a_new_fit_is_loaded_beside_the_catalogue_index_without_rebuilding_it(groups):
    before = catalogue_index()
    assert before.taste is None

    taste_model.refit()
    after = catalogue_index()

    assert after.taste is not None
    assert after.ids is before.ids  # the same arrays: only the factors were attached
    assert catalogue_index() is after


def test_a_like_reranks_the_next_list_at_once_through_the_factors(alice, db):
    # The neighbours' vote weighs nothing once factors are fitted: what moves the list
    # is the factors with her ratings folded in.
    groups = listeners_in_two_groups(40)
    taste_model.refit()
    cold = recommend_in_moods(alice, ["happy"], seed=4)
    first = next(t for t in groups[1] if t.mood == "happy")

    rate(alice, first, 1)
    warm = recommend_in_moods(alice, ["happy"], seed=4)

    assert [i.track.pk for i in warm.items] != [i.track.pk for i in cold.items]
    assert sum(group_of(i.track) == 1 for i in warm.items) >= 8
    # The ranking's reason leads; what stands out about the song may follow it.
    assert any(i.reason.startswith("happy, liked by listeners with taste like yours") for i in warm.items)
    # Most of the list is left for artists she has not liked yet.
    assert sum(i.track.artist_key == first.artist_key for i in warm.items) <= 1

    for track in [t for t in groups[0] if t.mood == "happy"][:4]:
        rate(alice, track, 1)
    for track in [t for t in groups[1] if t.mood == "happy" and t != first]:
        rate(alice, track, -1)
    turned = recommend_in_moods(alice, ["happy"], seed=4)

    assert sum(group_of(i.track) == 0 for i in turned.items) >= 8


def test_staff_read_the_fits_in_the_admin_and_cannot_add_or_edit_them(client, groups):
    fit = taste_model.refit()
    client.force_login(StaffFactory(username="editor", email="editor@example.com"))

    listing = client.get("/admin/music/tastemodelfit/")
    page = client.get(f"/admin/music/tastemodelfit/{fit.pk}/change/")

    assert listing.status_code == 200 and "144" in listing.content.decode()
    assert page.status_code == 200 and b'name="ratings"' not in page.content
    assert client.get("/admin/music/tastemodelfit/add/").status_code == 403
