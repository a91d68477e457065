"""Generated catalogues for the recommender tests, in memory (a CatalogueIndex) and in
the database; never the shared datasets."""

from __future__ import annotations

import numpy as np

from emotions.engine.labels import EMOTIONS
from emotions.models import DetectedFace, Detection
from music.models import Genre, Playlist, PlaylistTrack
from music.moods.classifier import MoodClassifier
from music.moods.labels import MOODS
from music.recommender.index import CatalogueIndex
from tests.support.music_factories import MOOD_FEATURES, TrackFactory

GENRES = ("Pop", "Rock", "Jazz", "Folk", "Soul")
_CLASSIFIER = MoodClassifier.load()
FEATURES = _CLASSIFIER.features
SPREAD = {f: 0.08 * (60 if f == "loudness" else 200 if f == "tempo" else 1) for f in FEATURES}


def mood_features(mood: str, rng: np.random.Generator) -> dict[str, float]:
    """Audio features typical of ``mood`` with some noise, inside the valid ranges."""
    values = {}
    for name in FEATURES:
        value = MOOD_FEATURES[mood][name] + rng.normal(0, SPREAD[name])
        low, high = (-60.0, 5.0) if name == "loudness" else (0.0, 300.0) if name == "tempo" else (0.0, 1.0)
        values[name] = float(np.clip(value, low, high))
    return values


def generated_index(seed: int = 0, per_mood: int = 80, artists: int = 30, moods=MOODS) -> CatalogueIndex:
    """A catalogue of ``per_mood`` tracks in each mood by ``artists`` artists, with
    random popularity and one or two genres each."""
    rng = np.random.default_rng(seed)
    count = per_mood * len(moods)
    mood_of = [m for m in moods for _ in range(per_mood)]
    x = np.array([[mood_features(m, rng)[f] for f in FEATURES] for m in mood_of])
    artist_of = rng.integers(0, artists, size=count)
    return CatalogueIndex.build(
        ids=range(1, count + 1),
        moods=mood_of,
        popularity=rng.integers(0, 101, size=count).tolist(),
        features=x,
        artist_keys=[f"artist {a}" for a in artist_of],
        artist_names=[f"Artist {a}" for a in artist_of],
        genres=[list(rng.choice(GENRES, size=int(rng.integers(1, 3)), replace=False)) for _ in range(count)],
        mean=_CLASSIFIER.mean,
        scale=_CLASSIFIER.scale,
    )


def catalogue_in_db(seed: int = 0, per_mood: int = 15, artists: int = 12, moods=MOODS) -> list:
    """Tracks saved with a mood, audio features, popularity and a genre."""
    rng = np.random.default_rng(seed)
    genres = {name: Genre.objects.get_or_create(name=name)[0] for name in GENRES}
    tracks = []
    for mood in moods:
        for i in range(per_mood):
            track = TrackFactory(
                title=f"{mood.capitalize()} song {i}",
                artists=f"Artist {int(rng.integers(artists))}",
                popularity=int(rng.integers(0, 101)),
                mood=mood,
                key=5,
                mode=1,
                time_signature=4,
                **mood_features(mood, rng),
            )
            track.genres.add(genres[GENRES[int(rng.integers(len(GENRES)))]])
            tracks.append(track)
    return tracks


def staff_playlist(name: str, tracks, published: bool = True, mood: str = "") -> Playlist:
    playlist = Playlist.objects.create(name=name, published=published, mood=mood)
    PlaylistTrack.objects.bulk_create(
        [PlaylistTrack(playlist=playlist, track=t, position=i) for i, t in enumerate(tracks, 1)]
    )
    return playlist


def detection_with_faces(owner, emotions=("sad",), status="done", selected_face=None):
    """A finished detection whose faces (largest first) show ``emotions``."""
    detection = Detection.objects.create(
        owner=owner, status=status, retention="keep", photo_width=400, photo_height=300, selected_face=selected_face
    )
    for index, emotion in enumerate(emotions):
        DetectedFace.objects.create(
            detection=detection,
            index=index,
            x=10 + 120 * index,
            y=20,
            width=100 - 10 * index,
            height=100 - 10 * index,
            probabilities={e: (0.7 if e == emotion else 0.05) for e in EMOTIONS},
            emotion=emotion,
            confidence=0.7,
        )
    return detection
