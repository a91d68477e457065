"""Listeners' own playlists: saving a list of songs, renaming, reordering, removing a
song, deleting. Callers pass playlists the listener owns (``Playlist.objects.owned_by``);
each change takes the playlist's row lock, so two tabs editing one playlist take turns
rather than interleave positions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from music.models import Playlist, PlaylistTrack, Track

NAME_MAX = Playlist._meta.get_field("name").max_length


class PlaylistError(ValueError):
    """The change asked for cannot be made; the message says why, for the listener."""


def default_name(when=None) -> str:
    return f"My list of {date_format(timezone.localtime(when), 'j F Y, H:i')}"


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise PlaylistError("A playlist name cannot hold control characters.")
    if len(name) > NAME_MAX:
        raise PlaylistError(f"A playlist name is at most {NAME_MAX} characters.")
    return name


def save_list(user, track_ids: list[int], name: str | None = None) -> Playlist:
    """A new private playlist of ``user`` holding these tracks in this order (repeats
    and ids of tracks not in the catalogue are left out)."""
    ordered = list(dict.fromkeys(track_ids))
    if not ordered:
        raise PlaylistError("There are no songs to save.")
    if len(ordered) > Playlist.MAX_TRACKS:
        raise PlaylistError(f"A playlist holds at most {Playlist.MAX_TRACKS} songs.")
    known = set(Track.objects.filter(pk__in=ordered).values_list("pk", flat=True))
    ordered = [pk for pk in ordered if pk in known]
    if not ordered:
        raise PlaylistError("None of these songs is in the catalogue any more.")
    with transaction.atomic():
        playlist = Playlist.objects.create(name=clean_name(name) or default_name(), owner=user, created_by=user)
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(playlist=playlist, track_id=pk, position=n) for n, pk in enumerate(ordered, 1)
        )
    return playlist


def rename(playlist: Playlist, name: str) -> Playlist:
    name = clean_name(name)
    if not name:
        raise PlaylistError("Give the playlist a name.")
    playlist.name = name
    playlist.save(update_fields=["name", "updated_at"])
    return playlist


def move(playlist: Playlist, track_id: int, position: int) -> None:
    """Put a song at ``position`` (1 is first; past the end is last), the others
    keeping their order."""
    with transaction.atomic():
        Playlist.objects.select_for_update().filter(pk=playlist.pk).first()
        entries = list(playlist.entries.order_by("position", "pk"))
        moving = next((e for e in entries if e.track_id == track_id), None)
        if moving is None:
            raise PlaylistError("That song is not in this playlist.")
        entries.remove(moving)
        entries.insert(max(0, min(position - 1, len(entries))), moving)
        for n, entry in enumerate(entries, 1):
            entry.position = n
        PlaylistTrack.objects.bulk_update(entries, ["position"])
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())


def position_of(playlist: Playlist, track_id: int) -> int | None:
    order = list(playlist.entries.order_by("position", "pk").values_list("track_id", flat=True))
    return order.index(track_id) + 1 if track_id in order else None


def remove(playlist: Playlist, track_id: int) -> bool:
    with transaction.atomic():
        Playlist.objects.select_for_update().filter(pk=playlist.pk).first()
        deleted, _ = playlist.entries.filter(track_id=track_id).delete()
        Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())
    return bool(deleted)
