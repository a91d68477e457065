"""The default emotion -> moods mapping, with the reason for each choice.

Emotions sit on two axes that music shares: valence (pleasant or not) and arousal
(calm or intense). Our four moods cover the corners: happy (pleasant, lively),
energetic (intense, loud, driving), calm (quiet, gentle) and sad (slow, low).

* **match** mirrors the feeling: the moods nearest the emotion on both axes, so an
  angry listener gets intense music, never calm music (calm is what lifting offers).
* **lift** moves the feeling toward happy or calm: a tense or low feeling is met with
  calm music first and then brighter music, without jumping straight to cheerful
  (the "iso principle" of music therapy: meet the mood, then move it); a good or
  open feeling is carried up.

Staff edit the moods in the admin (Music > Mood mappings), which shows each default
and its reason; the migrations seed these defaults and never overwrite an edited row.
"""

from __future__ import annotations

from typing import NamedTuple


class DefaultMoods(NamedTuple):
    moods: tuple[str, ...]
    reason: str


DEFAULT_MAPPING: dict[str, dict[str, DefaultMoods]] = {
    "match": {
        "angry": DefaultMoods(
            ("energetic",), "Anger is intense and unpleasant: loud, driving music mirrors it, calm music would not."
        ),
        "disgust": DefaultMoods(
            ("energetic", "sad"), "Disgust is a rejecting, aroused feeling: abrasive, driving songs, then darker ones."
        ),
        "fear": DefaultMoods(
            ("sad", "energetic"), "Fear is tense and low: dark songs first, then tense, driving ones; never soothing."
        ),
        "happy": DefaultMoods(("happy", "energetic"), "Happiness is bright and lively: upbeat songs, then loud ones."),
        "sad": DefaultMoods(("sad",), "Sadness is slow and low: slow, tender songs mirror it."),
        "surprise": DefaultMoods(
            ("energetic", "happy"), "Surprise is a sudden jolt of arousal: lively, energetic songs, then bright ones."
        ),
        "neutral": DefaultMoods(
            ("calm", "happy"), "A neutral face is neither aroused nor low: even, gentle songs, then bright ones."
        ),
    },
    "lift": {
        "angry": DefaultMoods(("calm", "happy"), "Calm music brings the intensity down first, then brighter songs."),
        "disgust": DefaultMoods(("calm", "happy"), "Gentle songs settle the aversion, then bright ones lift it."),
        "fear": DefaultMoods(("calm", "happy"), "Calm music reassures first, then happy songs lift the mood."),
        "happy": DefaultMoods(("happy", "energetic"), "Already up: keep it happy, then add energy."),
        "sad": DefaultMoods(
            ("calm", "happy"),
            "Meet sadness gently with calm songs, then move toward happy ones, not straight to cheer.",
        ),
        "surprise": DefaultMoods(("happy", "energetic"), "Turn the jolt into delight: bright songs, then lively ones."),
        "neutral": DefaultMoods(("happy", "energetic"), "Lift an even mood with bright songs, then lively ones."),
    },
}


def default_moods(emotion: str, strategy: str) -> list[str]:
    return list(DEFAULT_MAPPING[strategy][emotion].moods)


def default_reason(emotion: str, strategy: str) -> str:
    return DEFAULT_MAPPING[strategy][emotion].reason
