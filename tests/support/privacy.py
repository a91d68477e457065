"""Data a user owns, made the quick way (no analysis run) for the privacy tests: a
finished detection with a kept photo file, a rating, a playlist and shown lists."""

from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone

from emotions.models import Detection
from music.models import Playlist, PlaylistTrack, Rating, RecommendationLog
from tests.support.images import astronaut_jpeg
from tests.support.music_factories import TrackFactory
from tests.support.recommend import detection_with_faces


def kept_photo(owner, emotion="sad", finished_ago=timedelta(minutes=5), retention="keep", content=None) -> Detection:
    """A done detection of ``owner`` whose photo is still kept on disk."""
    detection = detection_with_faces(owner, emotions=(emotion,))
    finished = timezone.now() - finished_ago
    detection.retention = retention
    detection.finished_at = finished
    detection.photo_delete_at = finished + timedelta(hours=24) if retention == "24h" else None
    detection.photo.save("photo.jpg", ContentFile(content or astronaut_jpeg()), save=False)
    detection.save()
    return detection


def photo_file(detection) -> Path:
    return Path(detection.photo.path)


def shown_list(user, detection=None, emotion="", moods=("calm",), tracks=()) -> RecommendationLog:
    return RecommendationLog.objects.create(
        user=user,
        detection=detection,
        surface=RecommendationLog.Surface.DETECTION if detection else RecommendationLog.Surface.DISCOVER,
        emotion=emotion or (detection.driving_face.emotion if detection else ""),
        strategy="match",
        moods=list(moods),
        seed=7,
        items=[{"track": t.pk, "position": i, "score": 0.5, "because": "mood"} for i, t in enumerate(tracks, 1)],
    )


def everything_of(user, name: str) -> dict:
    """One of each thing ``user`` can own, named after ``name`` so that it can be told apart."""
    track = TrackFactory(title=f"{name}'s song", artists=f"{name}'s band")
    detection = kept_photo(user, content=astronaut_jpeg() + name.encode())
    rating = Rating.objects.create(user=user, track=track, value=Rating.Value.LIKE)
    playlist = Playlist.objects.create(name=f"{name}'s playlist", owner=user, created_by=user)
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=1)
    Playlist.objects.create(name=f"{name}'s curated playlist", created_by=user, published=True)
    log = shown_list(user, detection=detection, tracks=[track])
    return {"track": track, "detection": detection, "rating": rating, "playlist": playlist, "log": log}
