"""The mood model: plain Python (no Django), shared by the catalogue's refit, the
evaluation command and the training script.

A classifier trained on human-labelled tracks gives every track with audio features
one of ``MOODS``; within each mood, KMeans clusters on the scaled features give named
sub-moods that stay stable across refits. See ``README.md`` for how it was chosen.
"""
