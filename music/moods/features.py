"""Spotify audio features: the ones the mood model reads, and the valid range of each.

Ranges follow the Spotify Web API's audio-features object; a value outside them is a
malformed row, not a track to cluster.
"""

# Read by the mood model, in this order. ``mode`` and ``key`` are left out: the
# labelled data has no ``mode`` column, and pitch class carries no mood on its own.
MODEL_FEATURES = (
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)

# Every audio feature a track stores: name -> (minimum, maximum, integer?).
AUDIO_FEATURES = {
    "danceability": (0.0, 1.0, False),
    "energy": (0.0, 1.0, False),
    "key": (-1, 11, True),
    "loudness": (-60.0, 5.0, False),
    "mode": (0, 1, True),
    "speechiness": (0.0, 1.0, False),
    "acousticness": (0.0, 1.0, False),
    "instrumentalness": (0.0, 1.0, False),
    "liveness": (0.0, 1.0, False),
    "valence": (0.0, 1.0, False),
    "tempo": (0.0, 300.0, False),
    "time_signature": (0, 7, True),
}
