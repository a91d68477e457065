"""What stands out about a song (music.recommender.describe), from its features, year
and genres, and the reasons built on it."""

from music.recommender.describe import era, reason, traits

SLOW_ACOUSTIC = {"tempo": 72.0, "acousticness": 0.93, "energy": 0.2, "danceability": 0.4, "valence": 0.3}
HIGH_ENERGY = {"tempo": 128.0, "acousticness": 0.01, "energy": 0.97, "danceability": 0.6, "loudness": -3.1}


def test_the_features_that_stand_out_most_are_named_strongest_first():
    assert traits(SLOW_ACOUSTIC) == ["acoustic", "slow"]
    assert traits(HIGH_ENERGY) == ["high-energy", "loud"]


def test_a_song_in_the_middle_of_every_range_has_no_traits():
    assert traits({"tempo": 115.0, "acousticness": 0.3, "energy": 0.55, "valence": 0.5}) == []
    assert traits(dict.fromkeys(SLOW_ACOUSTIC)) == []


def test_words_the_mood_already_says_are_left_out():
    assert "high-energy" not in traits(HIGH_ENERGY, "energetic")
    assert "quiet" in traits(SLOW_ACOUSTIC | {"energy": 0.05}) and "quiet" not in traits(SLOW_ACOUSTIC, "calm")


def test_an_older_popular_song_is_a_classic_of_its_decade_and_genre():
    assert era(1974, ["Folk", "Rock"], 70) == "a 1970s folk classic"
    assert era(1974, ["Folk"], 10) == "a 1970s folk song"
    assert era(2016, ["Pop"], 90, "popular") == "a popular 2010s pop song"
    assert era(None, ["Jazz"], 50) == "a jazz song"
    assert era(None, [], 50) == ""
    assert era(2021, ["Today"], 20) == "a 2020s song", "a chart is not a genre"
    assert era(2021, ["R&B", "Today"], 20) == "a 2020s R&B song"


def test_reasons_say_why_the_song_was_picked_and_what_it_is_like():
    assert reason("popular", "popular calm song", "calm", SLOW_ACOUSTIC, 1974, ["Folk"], 70) == (
        "calm, acoustic and slow: a 1970s folk classic"
    )
    assert reason(
        "explore", "energetic, a less-played song to explore", "energetic", HIGH_ENERGY, 2019, ["Rock"], 80
    ) == ("energetic: a less-played 2010s rock song to explore")
    liked = reason("artist", "happy, by Abba, an artist you like", "happy", HIGH_ENERGY, 1976, ["Pop"], 80)
    assert liked == "happy, by Abba, an artist you like; high-energy and loud, a 1970s pop classic"
    playlist = reason("playlist", "from the staff playlist 'Slow morning'", "calm", SLOW_ACOUSTIC, None, [], None)
    assert playlist == "calm, acoustic and slow: from the staff playlist 'Slow morning'"


def test_a_song_nothing_is_known_about_keeps_the_rankings_reason():
    assert reason("popular", "popular sad song", "sad", {}, None, [], None) == "popular sad song"
