"""The music admin: every page loads for staff, tracks filter and search, bulk
actions add to playlists and override moods, playlists keep their order, and a CSV
upload is checked before it is queued."""

import pytest
from django.contrib.admin import helpers
from django.core.files.uploadedfile import SimpleUploadedFile

from music.models import Genre, ImportJob, MoodCluster, MoodMapping, MoodModelRun, Playlist, Track
from music.services import mood_model
from tests.support.music_factories import (
    CLASSIC_HITS_HEADER,
    GenreFactory,
    PlaylistFactory,
    StaffFactory,
    TrackFactory,
    classic_hits_row,
    csv_bytes,
    featured_track,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(username="editor", email="editor@example.com"))
    return client


@pytest.fixture
def catalogue():
    pop, jazz = GenreFactory(name="Pop"), GenreFactory(name="Jazz")
    tracks = []
    for i, mood in enumerate(["happy", "calm", "sad", "energetic"] * 3):
        track = featured_track(mood, title=f"{mood.title()} song {i}", artists=f"Band {i}", year=1970 + 10 * (i % 3))
        track.genres.add(jazz if mood == "calm" else pop)
        tracks.append(track)
    mood_model.refit()
    return tracks


def object_of(model):
    return model.objects.order_by("pk").first()


@pytest.mark.parametrize(
    ("model", "can_add"),
    [
        (Track, True),
        (Genre, True),
        (Playlist, True),
        (ImportJob, True),
        (MoodCluster, False),
        (MoodModelRun, False),
        (MoodMapping, False),
    ],
)
def test_every_admin_page_loads_for_staff(staff_client, catalogue, model, can_add):
    PlaylistFactory().append(catalogue[:3])
    ImportJob.objects.create(source="hits.csv", status="succeeded", summary={
        "layout": "classic-hits", "rows": 3, "created": 2, "updated": 0, "unchanged": 0, "duplicates": 0,
        "skipped": 1, "skipped_because": [{"reason": "missing title", "rows": 1, "lines": [3]}],
    })  # fmt: skip
    base = f"/admin/music/{model._meta.model_name}/"
    assert staff_client.get(base).status_code == 200
    assert staff_client.get(f"{base}{object_of(model).pk}/change/").status_code == 200
    assert staff_client.get(f"{base}add/").status_code == (200 if can_add else 403)


def test_tracks_filter_by_mood_genre_and_decade_and_search(staff_client, catalogue):
    jazz = Genre.objects.get(name="Jazz")
    page = staff_client.get(f"/admin/music/track/?mood__exact=calm&genres__id__exact={jazz.pk}&decade=1980")
    assert page.status_code == 200
    shown = {t.title for t in page.context["cl"].result_list}
    assert shown == {"Calm song 1"}
    assert "Energy" in page.content.decode() or "energy" in page.content.decode()

    found = staff_client.get("/admin/music/track/?q=Band+5")
    assert [t.title for t in found.context["cl"].result_list] == ["Calm song 5"]


def action(client, name, tracks, **extra):
    return client.post(
        "/admin/music/track/",
        {"action": name, helpers.ACTION_CHECKBOX_NAME: [t.pk for t in tracks], "index": 0, **extra},
    )


def test_selected_tracks_are_added_to_a_new_or_existing_playlist(staff_client, catalogue):
    form = action(staff_client, "add_to_playlist", catalogue[:2])
    assert form.status_code == 200 and b"new_playlist" in form.content

    done = action(staff_client, "add_to_playlist", catalogue[:2], apply="1", new_playlist="Sunday")
    assert done.status_code == 302
    playlist = Playlist.objects.get(name="Sunday")
    assert playlist.entries.count() == 2 and not playlist.published

    action(staff_client, "add_to_playlist", catalogue[1:4], apply="1", playlist=playlist.pk)
    assert [e.position for e in playlist.entries.all()] == [1, 2, 3, 4]
    assert playlist.entries.count() == 4  # the track already in it was not added twice


def test_an_overridden_mood_survives_a_refit(staff_client, catalogue):
    happy = [t for t in catalogue if t.title.startswith("Happy")]
    assert action(staff_client, "override_mood", happy).status_code == 200
    assert action(staff_client, "override_mood", happy, apply="1", mood="calm").status_code == 302

    mood_model.refit()
    assert set(Track.objects.filter(pk__in=[t.pk for t in happy]).values_list("mood", "mood_source")) == {
        ("calm", "editor")
    }

    action(staff_client, "clear_mood_override", happy)
    assert set(Track.objects.filter(pk__in=[t.pk for t in happy]).values_list("mood", flat=True)) == {"happy"}


def test_a_playlist_keeps_the_order_its_editor_gives(staff_client, catalogue):
    playlist = PlaylistFactory(name="Road trip")
    playlist.append(catalogue[:3])
    entries = list(playlist.entries.all())
    data = {
        "name": "Road trip",
        "description": "",
        "mood": "happy",
        "published": "on",
        "entries-TOTAL_FORMS": 3,
        "entries-INITIAL_FORMS": 3,
        "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 1000,
    }
    for i, (entry, position) in enumerate(zip(entries, [3, 1, 2], strict=True)):
        data.update({f"entries-{i}-id": entry.pk, f"entries-{i}-playlist": playlist.pk,
                     f"entries-{i}-track": entry.track_id, f"entries-{i}-position": position})  # fmt: skip
    response = staff_client.post(f"/admin/music/playlist/{playlist.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    playlist.refresh_from_db()
    assert playlist.published
    assert [e.track_id for e in playlist.entries.all()] == [catalogue[1].pk, catalogue[2].pk, catalogue[0].pk]


def test_a_track_added_by_hand_gets_its_mood_and_a_duplicate_is_refused(staff_client, catalogue):
    data = {"title": "Hand made", "artists": "Band 1", "album": "", "year": "2001", "mood_override": "sad"}
    assert staff_client.post("/admin/music/track/add/", data).status_code == 302
    track = Track.objects.get(title="Hand made")
    assert (track.mood, track.mood_source) == ("sad", "editor")

    again = staff_client.post("/admin/music/track/add/", {**data, "title": "HAND MADE"})
    assert again.status_code == 200 and b"already has this title" in again.content


def test_a_csv_upload_is_checked_then_queued(staff_client, django_capture_on_commit_callbacks):
    bad = SimpleUploadedFile("scores.csv", csv_bytes(["id", "score"], [[1, 2]]), "text/csv")
    response = staff_client.post("/admin/music/importjob/add/", {"file": bad})
    assert response.status_code == 200 and b"No usable columns" in response.content
    assert not ImportJob.objects.exists()

    good = SimpleUploadedFile("hits.csv", csv_bytes(CLASSIC_HITS_HEADER, [classic_hits_row("A", "B")]), "text/csv")
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post("/admin/music/importjob/add/", {"file": good})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/music/importjob/{job.pk}/change/"
    assert (job.status, job.source, job.created_by.username) == ("queued", "hits.csv", "editor")
    assert len(callbacks) == 1
    page = staff_client.get(response["Location"])
    assert b"data-import-job" in page.content and b"import-progress.js" in page.content


def test_staff_can_queue_a_mood_refit(staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post("/admin/music/moodmodelrun/refit/")
    assert response.status_code == 302 and len(callbacks) == 1
    assert b"Refit moods now" in staff_client.get("/admin/music/moodmodelrun/").content


def test_non_staff_users_cannot_reach_the_music_admin(alice_client):
    assert alice_client.get("/admin/music/track/").status_code == 302
    assert alice_client.post("/admin/music/moodmodelrun/refit/").status_code == 302


def test_genres_list_their_track_counts(staff_client, catalogue):
    page = staff_client.get("/admin/music/genre/")
    counts = {g.name: g.track_total for g in page.context["cl"].result_list}
    assert counts == {"Jazz": 3, "Pop": 9}
    assert TrackFactory(artists="Solo").genres.count() == 0
