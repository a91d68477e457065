"""The one way ratings change: ``rate`` and ``unrate``."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from music.models import Rating, Track


def rate(user: User, track: Track, value: int) -> tuple[Rating, bool]:
    """Set ``user``'s rating of ``track``; returns it and whether it is new."""
    if value not in Rating.Value.values:
        raise ValueError("A rating is 1 (like) or -1 (dislike)")
    with transaction.atomic():
        return Rating.objects.update_or_create(user=user, track=track, defaults={"value": value})


def unrate(user: User, track: Track) -> bool:
    """Remove ``user``'s rating of ``track``; False when there was none."""
    deleted, _ = Rating.objects.owned_by(user).filter(track=track).delete()
    return bool(deleted)
