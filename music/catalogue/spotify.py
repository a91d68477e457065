"""Spotify Web API through spotipy, behind the few calls the catalogue needs.

Client-credentials only: search and playlists, no user data. What Spotify allows
has narrowed, and every narrowing is an error with a message saying so:

* apps created after 27 November 2024 get 403/404 for audio features,
  recommendations and previews: tracks are then stored without features;
* Development Mode apps (February 2026) read playlist contents only through
  ``/playlists/{id}/items`` (spotipy >= 2.26), each entry under ``item`` (``track``
  during the deprecation window), only for playlists their owner owns or
  collaborates on, and search returns at most 10 results;
* 429 answers carry Retry-After: short waits are slept through, long ones reported.

Plain Python (no Django); ``music.services.spotify_import`` builds it from settings.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

from music.moods.features import AUDIO_FEATURES

SEARCH_LIMIT = 10
FEATURES_BATCH = 100
_PLAYLIST = re.compile(
    r"^(?:spotify:playlist:|(?:https?://)?open\.spotify\.com/(?:intl-[\w-]+/)?playlist/)?([0-9A-Za-z]{22})(?:[?#].*)?$"
)


class SpotifyError(Exception):
    """Spotify could not do what was asked; the message says why, for a person."""


class SpotifyNotConfigured(SpotifyError):
    pass


class SpotifyAuthError(SpotifyError):
    pass


class SpotifyForbidden(SpotifyError):
    pass


class SpotifyNotFound(SpotifyError):
    pass


class SpotifyRateLimited(SpotifyError):
    def __init__(self, message: str, retry_after: int | None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class SpotifyTrack:
    spotify_id: str
    title: str
    artists: list[str]
    album: str = ""
    year: int | None = None
    duration_ms: int | None = None
    popularity: int | None = None
    features: dict = field(default_factory=dict)


@dataclass
class SpotifyPlaylist:
    spotify_id: str
    name: str
    description: str
    tracks: list[SpotifyTrack]
    skipped: int  # local files, podcast episodes and unavailable entries


def playlist_id(url_or_id: str) -> str:
    """The playlist id in a Spotify URL, URI or bare id; ValueError otherwise."""
    match = _PLAYLIST.match(url_or_id.strip())
    if not match:
        raise ValueError(f"{url_or_id!r} is not a Spotify playlist URL, URI or id")
    return match.group(1)


class SpotifyCatalog:
    """Search and playlists with client credentials, with Spotify's errors turned
    into :class:`SpotifyError` subclasses and transient ones retried."""

    def __init__(
        self,
        client_id: str | None,
        client_secret: str | None,
        *,
        retries: int = 3,
        max_wait: int = 60,
        timeout: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not client_id or not client_secret:
            raise SpotifyNotConfigured(
                "Spotify is not configured: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET "
                "(an app's credentials from https://developer.spotify.com/dashboard)."
            )
        self._tokens = MemoryCacheHandler()
        auth = SpotifyClientCredentials(client_id, client_secret, cache_handler=self._tokens, requests_timeout=timeout)
        # spotipy retries server errors itself (with backoff); 429 is handled here,
        # because urllib3 would sleep for any Retry-After, even hours.
        self._client = spotipy.Spotify(
            auth_manager=auth,
            requests_timeout=timeout,
            retries=retries,
            status_retries=retries,
            status_forcelist=(500, 502, 503, 504),
            backoff_factor=0.5,
        )
        self._retries = retries
        self._max_wait = max_wait
        self._sleep = sleep
        self.features_granted: bool | None = None  # unknown until first asked

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[SpotifyTrack]:
        """Tracks matching ``query``; Spotify returns at most 10 per request."""
        limit = max(1, min(limit, SEARCH_LIMIT))
        result = self._call("search", self._client.search, q=query, limit=limit, type="track")
        with _understood("search"):
            return [_track(item) for item in result["tracks"]["items"] if item]

    def playlist(self, url_or_id: str) -> SpotifyPlaylist:
        """A playlist's name and every track on it, in order, with audio features
        where Spotify grants them."""
        pid = playlist_id(url_or_id)
        what = f"playlist {pid}"
        with _understood(what):
            return self._playlist(pid, what)

    def _playlist(self, pid: str, what: str) -> SpotifyPlaylist:
        meta = self._call(what, self._client.playlist, pid, fields="id,name,description")
        tracks, skipped = [], 0
        page = self._call(what, self._client.playlist_items, pid, limit=50, additional_types=("track",))
        while page:
            for entry in page.get("items", []):
                item = entry.get("item") or entry.get("track")
                if not item or entry.get("is_local") or item.get("type", "track") != "track" or not item.get("id"):
                    skipped += 1
                    continue
                tracks.append(_track(item))
            page = self._call(what, self._client.next, page) if page.get("next") else None
        features = self.audio_features([t.spotify_id for t in tracks])
        for track in tracks:
            track.features = features.get(track.spotify_id, {})
        return SpotifyPlaylist(pid, meta.get("name") or pid, meta.get("description") or "", tracks, skipped)

    def audio_features(self, ids: list[str]) -> dict[str, dict]:
        """Spotify id -> audio features, or nothing when this app is not granted them."""
        found: dict[str, dict] = {}
        if self.features_granted is False:
            return found
        for start in range(0, len(ids), FEATURES_BATCH):
            batch = ids[start : start + FEATURES_BATCH]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)  # spotipy flags the endpoint itself
                    result = self._call("audio features", self._client.audio_features, batch)
            except (SpotifyForbidden, SpotifyNotFound):
                self.features_granted = False
                return found
            self.features_granted = True
            for item in result or []:
                if item and item.get("id"):
                    found[item["id"]] = _features(item)
        return found

    def _call(self, what: str, method, *args, **kwargs):
        token_refreshed = False
        attempt = 0
        while True:
            try:
                return method(*args, **kwargs)
            except SpotifyOauthError as exc:
                if exc.error in ("invalid_client", "unauthorized_client"):
                    raise SpotifyAuthError(
                        "Spotify refused the app's credentials: check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET."
                    ) from None
                raise SpotifyError(f"Spotify's sign-in service failed ({exc.error or exc}); try again later.") from None
            except spotipy.SpotifyException as exc:
                status = exc.http_status
                if status == 401 and not token_refreshed:
                    # A revoked or expired token: fetch a new one once before giving up.
                    token_refreshed = True
                    self._tokens.save_token_to_cache(None)
                    continue
                if status == 429:
                    wait = _retry_after(exc.headers)
                    delay = wait if wait is not None else 2**attempt
                    if attempt < self._retries and delay <= self._max_wait:
                        attempt += 1
                        self._sleep(delay)
                        continue
                    later = f" in {wait} s" if wait is not None else " later"
                    raise SpotifyRateLimited(
                        f"Spotify is rate-limiting this app ({what}): try again{later}.", wait
                    ) from None
                raise _error(status, what, exc.msg) from None
            except requests.RequestException as exc:
                raise SpotifyError(f"Could not reach Spotify ({what}): {exc}") from None


@contextmanager
def _understood(what: str):
    """Turns an answer not of the documented shape (an HTML error page with a 200, a
    changed API) into a SpotifyError instead of a crash half-way through an import."""
    try:
        yield
    except (AttributeError, KeyError, TypeError) as exc:
        raise SpotifyError(f"Spotify's answer about {what} was not understood ({exc!r}); try again later.") from None


def _error(status: int, what: str, detail: str) -> SpotifyError:
    if status == 401:
        return SpotifyAuthError(
            f"Spotify rejected the app's access token ({what}): check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET."
        )
    if status == 403:
        return SpotifyForbidden(
            f"Spotify does not allow this app to read {what}. Apps created after 27 November 2024 "
            "cannot read audio features, and Development Mode apps can only read the items of "
            "playlists their owner owns or collaborates on."
        )
    if status == 404:
        return SpotifyNotFound(f"Spotify has no {what}, or it is private.")
    return SpotifyError(f"Spotify answered {status} for {what}: {detail.strip()}")


def _retry_after(headers) -> int | None:
    value = (headers or {}).get("Retry-After")
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def _track(item: dict) -> SpotifyTrack:
    album = item.get("album") or {}
    release = album.get("release_date") or ""
    return SpotifyTrack(
        spotify_id=item["id"],
        title=item.get("name") or "",
        artists=[a["name"] for a in item.get("artists") or [] if a.get("name")],
        album=album.get("name") or "",
        year=int(release[:4]) if release[:4].isdigit() else None,
        duration_ms=item.get("duration_ms"),
        popularity=item.get("popularity"),
    )


def _features(item: dict) -> dict:
    """The audio-feature object's values within their documented ranges."""
    features = {}
    for name, (low, high, integer) in AUDIO_FEATURES.items():
        value = item.get(name)
        if isinstance(value, int | float) and low <= value <= high:
            features[name] = int(value) if integer else float(value)
    return features
