"""The moods a track can have, and the spellings of them found in labelled data."""

MOODS = ("happy", "energetic", "calm", "sad")

# Spellings seen in mood-labelled datasets and in the clustering baselines' cluster names.
ALIASES = {
    "cheerful": "happy",
    "joyful": "happy",
    "upbeat": "happy",
    "energy": "energetic",
    "intense": "energetic",
    "relaxed": "calm",
    "relaxing": "calm",
    "chill": "calm",
    "peaceful": "calm",
    "melancholic": "sad",
    "melancholy": "sad",
    "gloomy": "sad",
}


def mood_name(label: str) -> str:
    """The canonical mood for a label, case-insensitively; ValueError if unknown."""
    key = label.strip().lower()
    key = ALIASES.get(key, key)
    if key not in MOODS:
        raise ValueError(f"{label!r} is not a mood (expected one of {', '.join(MOODS)})")
    return key
