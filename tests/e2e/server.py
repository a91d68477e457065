"""The server the browser tests drive: FerMusic's real ASGI server (daphne, HTTP and
WebSocket) in a subprocess, set up with the same manage.py commands an operator runs.

It runs the embedded profile over a throwaway folder: SQLite, the in-process Celery
worker and the in-memory channel layer. pytest-django's live_server speaks only WSGI,
and a Redis-backed server would need separate worker processes; the embedded profile
serves the same pages, tasks and pushes from one process that the tests start and stop.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
COMMAND_SECONDS = 180
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")

# The settings the README's configuration table lists that would point the server
# away from its own folder (a CI's PostgreSQL and Redis, say), or change what it serves.
FERMUSIC_VARIABLES = {
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DEBUG",
    "DETECTION_TIMEOUT_SECONDS",
    "EMAIL_URL",
    "EMOTION_MODEL_DIR",
    "FACE_DETECTOR",
    "FERMUSIC_VAR_DIR",
    "HTTPS",
    "MAX_UPLOAD_MB",
    "MEDIA_ROOT",
    "PHOTO_RETENTION_DEFAULT",
    "PRIVATE_MEDIA_ROOT",
    "REDIS_URL",
    "SECRET_KEY",
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "STATIC_ROOT",
    "UPLOADS_PER_MINUTE",
}


class ServerUnderTest:
    """One daphne process over ``folder``; ``url`` is set once it listens."""

    def __init__(self, folder: Path, model_dir: Path):
        self.folder = folder
        self.log_path = folder / "server.log"
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.env = {key: value for key, value in os.environ.items() if key not in FERMUSIC_VARIABLES}
        self.env.update(
            DJANGO_SETTINGS_MODULE="fermusic.settings",
            FERMUSIC_VAR_DIR=str(folder / "var"),
            EMOTION_MODEL_DIR=str(model_dir),
            PYTHONUNBUFFERED="1",
        )

    def manage(self, *args: str, **extra_env: str) -> str:
        """Run a manage.py command against this server's database; its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        daphne = Path(sys.executable).with_name("daphne")
        with self.log_path.open("ab") as log:
            # Port 0: the system picks a free port and daphne logs which, so parallel
            # runs on one machine cannot collide.
            # A session of its own: the embedded Celery beat runs in a forked child, and
            # stopping the whole group is what leaves no orphan behind.
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", "0", "fermusic.asgi:application"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log())
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"daphne did not start listening; its log:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        group = self.process.pid
        self._signal_group(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        # Whatever the server forked and left running goes with it.
        self._signal_group(group, signal.SIGKILL)
        self.process = None

    @staticmethod
    def _signal_group(group: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signum)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
