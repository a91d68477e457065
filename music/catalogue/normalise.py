"""Identity keys for tracks without a Spotify id: the same song spelt differently
("Don't Stop Me Now - Remastered 2011" by "Queen", "don’t stop me now" by "QUEEN")
gets the same (title key, artist key)."""

from __future__ import annotations

import re
import unicodedata

# Credits and re-release notes that do not make a different recording.
_FEATURING = re.compile(r"[\(\[]\s*(feat\.?|ft\.?|featuring)\s[^\)\]]*[\)\]]", re.IGNORECASE)
_REMASTER = re.compile(
    r"\s+-\s+([^-]*\bremaster(ed)?\b[^-]*)$|[\(\[][^\)\]]*\bremaster(ed)?\b[^\)\]]*[\)\]]", re.IGNORECASE
)
_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents removed, '&' read as 'and', punctuation collapsed to spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    return _NOT_WORD.sub(" ", text).replace("_", " ").strip()


def title_key(title: str) -> str:
    # A title of punctuation only ("!!!") keeps its characters rather than folding to "".
    return fold(_REMASTER.sub("", _FEATURING.sub("", title))) or title.strip().casefold()


def artist_key(artist: str) -> str:
    key = fold(artist)
    key = key.removeprefix("the ")
    return key or artist.strip().casefold()
