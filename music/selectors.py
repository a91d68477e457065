"""What the music pages read: the catalogue as Discover browses it, a sample song for
the landing page, playlists a listener may see."""

from __future__ import annotations

from music.models import Track


def sample_track() -> Track | None:
    """A song anyone can play from the landing page: the most popular happy track with a
    Spotify id, else the most popular with one; None in a catalogue without ids."""
    playable = Track.objects.exclude(spotify_id=None).order_by("-popularity", "pk")
    return playable.filter(mood="happy").first() or playable.first()
