"""Reading track catalogues: CSV dialects, normalisation and the Spotify adapter. Plain
Python (no Django), used by the importers, the admin upload, the mood evaluation and the
mood training script."""
