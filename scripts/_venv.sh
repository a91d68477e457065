# Sourced by scripts/run and scripts/test: make .venv with Python 3.11 and install
# the pinned requirements file given as $1, skipping pip when nothing changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
stamp=".venv/.installed-$(basename "$1" .txt)"
if [ ! -f "$stamp" ] || [ -n "$(find requirements -newer "$stamp" -name '*.txt')" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$1"
  touch "$stamp"
fi
