"""Where the repository and the shared datasets are, for tests that start processes or read files."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
