"""The recommender as plain numbers (no Django): it ranks the tracks of a catalogue for
one listener in one set of moods, and explains each pick in a line.

* ``index`` holds the catalogue as arrays (audio features, popularity, mood,
  artist, genres), built once and shared by every request.
* ``factors`` fits the community's taste factors (``implicit``'s ALS, by artist and by
  track) and folds one listener's ratings into them at request time.
* ``ranking`` scores the tracks of the requested moods: popularity as a prior, staff
  playlists boosted, then the taste factors with the listener's ratings folded in, their
  artists and genres, and, with enough similar listeners, what those liked; then a
  seeded exploration and a diversity pass pick the list.
* ``metrics``, ``baselines`` and ``simulation`` measure it offline, for discovery, beside
  library baselines, on simulated listeners built from real Last.fm listening profiles.

``music.services.recommendations`` feeds it from the database.
"""
