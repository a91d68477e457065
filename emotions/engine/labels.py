"""The seven FER2013 classes, in the dataset's own order (0..6)."""

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES = len(EMOTIONS)
INDEX = {name: i for i, name in enumerate(EMOTIONS)}

# Folder names seen in the common image-folder copies of FER2013 / FER+.
ALIASES = {
    "anger": "angry",
    "disgusted": "disgust",
    "fearful": "fear",
    "happiness": "happy",
    "sadness": "sad",
    "surprised": "surprise",
}


def emotion_index(name: str) -> int:
    """Index of an emotion given its name or a common alias; KeyError if unknown."""
    key = name.strip().lower()
    return INDEX[ALIASES.get(key, key)]
