"""Start-up of ``scripts/run``: how long until the site answers, and how long the first
analysis after a start takes.

    .venv/bin/python bench/startup.py [--json] [--port 8123] [--delay S] [--rerun-steps]

It starts ``scripts/run`` (the embedded profile) on 127.0.0.1 over a fresh
``FERMUSIC_VAR_DIR`` twice: a cold start (empty folder: migrate, collect static files,
load the catalogue) and a warm restart with nothing changed. For each start it prints:

* ``ready_s``: from starting ``scripts/run`` until ``GET /`` answers 200;
* ``first_analysis_s``: one photo (scikit-image's astronaut, one face) uploaded through
  ``POST /api/v1/detections/`` ``--delay`` seconds after the site answered (a listener's
  time to sign in and choose a photo), from the upload until the detection is done;
* ``second_analysis_s``: the next photo right after, the steady state to compare with.

``--rerun-steps`` sets ``FERMUSIC_RERUN_STEPS=1``: every step (migrate, collectstatic,
load_catalogue) runs at every start, the old behaviour, as the baseline.
Each server it starts is stopped (its whole process group) before the next one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def photo() -> bytes:
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG")
    return buffer.getvalue()


def start(var_dir: Path, port: int, rerun_steps: bool) -> tuple[subprocess.Popen, float, float]:
    """Start scripts/run; returns the process, the seconds until / answered 200, and when."""
    env = {**os.environ, "FERMUSIC_VAR_DIR": str(var_dir), "HOST": HOST, "PORT": str(port)}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    if rerun_steps:
        env["FERMUSIC_RERUN_STEPS"] = "1"
    log = open(var_dir.parent / f"{var_dir.name}-{time.time_ns()}.log", "w")  # noqa: SIM115 (closed with the process)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://{HOST}:{port}/"
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"scripts/run exited with {process.returncode}; see {log.name}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    answered = time.perf_counter()
                    return process, answered - started, answered
            except requests.ConnectionError:
                pass
            if time.perf_counter() - started > 600:
                raise SystemExit(f"{url} did not answer within 600 s; see {log.name}")
            time.sleep(0.05)
    except BaseException:  # Ctrl+C included: never leave a server behind
        stop(process)
        raise


def stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def token(var_dir: Path) -> str:
    """A listener with an API token, made in the server's database."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "user, _ = get_user_model().objects.get_or_create(username='bench', defaults={'email': 'bench@example.com'})\n"
        "from accounts.consent import record_consent; record_consent(user)\n"
        "print(Token.objects.get_or_create(user=user)[0].key)\n"
    )
    env = {**os.environ, "FERMUSIC_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "fermusic.settings"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.split()[-1]


def analyse(port: int, key: str, jpeg: bytes) -> float:
    """Seconds from uploading the photo until its detection is finished."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    base = f"http://{HOST}:{port}/api/v1/detections/"
    started = time.perf_counter()
    response = session.post(base, files={"image": ("face.jpg", jpeg, "image/jpeg")}, timeout=30)
    response.raise_for_status()
    detail = f"{base}{response.json()['id']}/"
    while time.perf_counter() - started < 120:
        body = session.get(detail, timeout=30).json()
        if body["status"] in ("done", "failed"):
            if body["status"] != "done":
                raise SystemExit(f"the analysis failed: {body.get('failure_reason')}")
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit("the analysis did not finish within 120 s")


def measure(var_dir: Path, port: int, delay: float, rerun_steps: bool, key: str | None, jpeg: bytes) -> dict:
    process, ready, answered = start(var_dir, port, rerun_steps)
    try:
        key = key or token(var_dir)
        # The delay counts from the moment the site answered, whatever making the token took.
        time.sleep(max(0.0, delay - (time.perf_counter() - answered)))
        first = analyse(port, key, jpeg)
        second = analyse(port, key, jpeg)
    finally:
        stop(process)
    return {"ready_s": round(ready, 2), "first_analysis_s": round(first, 2), "second_analysis_s": round(second, 2)}


def run(port: int, delay: float, rerun_steps: bool) -> dict:
    jpeg = photo()
    with tempfile.TemporaryDirectory(prefix="fermusic-startup-") as scratch:
        var_dir = Path(scratch) / "var"
        cold = measure(var_dir, port, delay, rerun_steps, None, jpeg)
        warm = measure(var_dir, port, delay, rerun_steps, None, jpeg)
    return {"cold": cold, "warm": warm, "delay_s": delay, "rerun_steps": rerun_steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--delay", type=float, default=10.0)
    parser.add_argument("--rerun-steps", action="store_true", help="the old behaviour, as a baseline")
    args = parser.parse_args()
    result = run(args.port, args.delay, args.rerun_steps)
    if args.json:
        print(json.dumps(result))
        return
    label = "FERMUSIC_RERUN_STEPS=1 (every step at every start)" if args.rerun_steps else "scripts/run"
    print(f"{label}; first analysis uploaded {args.delay:g} s after the site answered")
    for name in ("cold", "warm"):
        r = result[name]
        print(
            f"  {name:4}: ready {r['ready_s']:6.2f} s   first analysis {r['first_analysis_s']:5.2f} s"
            f"   second {r['second_analysis_s']:5.2f} s"
        )


if __name__ == "__main__":
    main()
