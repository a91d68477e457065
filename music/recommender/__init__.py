"""The recommender as plain numbers (no Django): it ranks the tracks of a catalogue for
one listener in one set of moods, and explains each pick in a line.

* ``index`` holds the catalogue as arrays (audio features, popularity, mood,
  artist, genres), built once and shared by every request.
* ``ranking`` scores the tracks of the requested moods: popularity as a prior, staff
  playlists boosted, then the listener's taste learned from their likes and dislikes
  (artists, genres, sound) and, with enough similar listeners, what they liked; then a
  seeded exploration and a diversity pass pick the list.
* ``metrics`` and ``simulation`` measure it offline on simulated listeners built from
  real Last.fm listening profiles.

``music.services.recommendations`` feeds it from the database.
"""
