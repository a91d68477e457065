"""Emotion recognition engine: plain Python (no Django), shared by the web app,
the Celery workers, the management commands and the benchmarks."""
