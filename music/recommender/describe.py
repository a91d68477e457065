"""What stands out about a song, in a few words, from its audio features, year and
genres: "slow and acoustic, a 1970s folk classic". Reasons of a list use it so that
each one says something about the song itself, not only why the ranking chose it.

A feature counts only when it is far from the middle of its range (the thresholds
are the usual readings of Spotify's audio features: acousticness above 0.6 is an
acoustic recording, speechiness above 0.33 mostly spoken words, ...); the two that
stand out most are named, the strongest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CLASSIC_POPULARITY = 50  # an older song at least this popular is "a classic"
CLASSIC_BEFORE = 2000
TRAITS_NAMED = 2
# Genres of the catalogues that name a chart, not a style of music.
NOT_STYLES = {"today"}


@dataclass(frozen=True)
class Trait:
    feature: str
    words: str
    above: bool  # the trait is a value above the threshold (else below)
    threshold: float
    scale: float  # how far past the threshold counts as 1.0 of salience


TRAITS = (
    Trait("tempo", "slow", above=False, threshold=90.0, scale=20.0),
    Trait("tempo", "fast", above=True, threshold=140.0, scale=20.0),
    Trait("acousticness", "acoustic", above=True, threshold=0.6, scale=0.25),
    Trait("energy", "high-energy", above=True, threshold=0.8, scale=0.12),
    Trait("energy", "quiet", above=False, threshold=0.3, scale=0.15),
    Trait("danceability", "danceable", above=True, threshold=0.72, scale=0.12),
    Trait("instrumentalness", "instrumental", above=True, threshold=0.5, scale=0.25),
    Trait("valence", "sunny", above=True, threshold=0.78, scale=0.12),
    Trait("valence", "dark", above=False, threshold=0.22, scale=0.12),
    Trait("speechiness", "wordy, rap-like", above=True, threshold=0.33, scale=0.2),
    Trait("liveness", "recorded live", above=True, threshold=0.8, scale=0.1),
    Trait("loudness", "loud", above=True, threshold=-4.0, scale=2.0),
)


# Words that only repeat what the mood already says.
SAID_BY_MOOD = {"energetic": {"high-energy", "loud"}, "calm": {"quiet"}, "happy": {"sunny"}, "sad": {"dark"}}


def traits(features: Mapping[str, float | None], mood: str = "") -> list[str]:
    """The words for the features that stand out most, strongest first, leaving out
    those that ``mood`` already says."""
    found = []
    for trait in TRAITS:
        value = features.get(trait.feature)
        if value is None or trait.words in SAID_BY_MOOD.get(mood, ()):
            continue
        past = (value - trait.threshold) if trait.above else (trait.threshold - value)
        if past > 0:
            found.append((past / trait.scale, trait.words))
    found.sort(key=lambda pair: -pair[0])
    words, seen = [], set()
    for _, word in found:
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words[:TRAITS_NAMED]


def era(year: int | None, genres: Sequence[str], popularity: int | None, note: str = "") -> str:
    """ "a 1970s rock classic", "a popular 2010s pop song" (``note`` "popular"), "a
    folk song", or "" when neither the year nor a genre is known."""
    styles = [g for g in genres if g.lower() not in NOT_STYLES]
    genre = f"{_genre_word(styles[0])} " if styles else ""
    classic = year is not None and year < CLASSIC_BEFORE and (popularity or 0) >= CLASSIC_POPULARITY
    if classic and note != "less-played":
        return f"a {year // 10 * 10}s {genre}classic"
    decade = f"{year // 10 * 10}s " if year is not None else ""
    if not decade and not genre:
        return ""
    return f"a {note + ' ' if note else ''}{decade}{genre}song"


def _genre_word(name: str) -> str:
    """ "rock" for Rock, but EDM and R&B keep their capitals."""
    return name if name.isupper() or not name[1:].islower() else name.lower()


def reason(
    because: str,
    ranked: str,
    mood: str,
    features: Mapping[str, float | None],
    year: int | None,
    genres: Sequence[str],
    popularity: int | None,
) -> str:
    """One line on why a song is in a list that also says what the song is like.
    ``because`` and ``ranked`` are the ranking's own word and line for the pick."""
    words = " and ".join(traits(features, mood))
    if because in ("popular", "explore"):
        when = era(year, genres, popularity, "popular" if because == "popular" else "less-played")
        if not when and not words:
            return ranked
        head = f"{mood}, {words}" if words else mood
        tail = f"{when} to explore" if because == "explore" and when else when
        return f"{head}: {tail}" if tail else head
    about = ", ".join(part for part in (words, era(year, genres, popularity)) if part)
    if because == "playlist":
        return f"{mood}, {about}: {ranked}" if about else f"{mood}: {ranked}"
    return f"{ranked}; {about}" if about else ranked
