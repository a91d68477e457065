"""Load test of the production setup on loopback: listeners uploading photos and rating music.

    .venv/bin/python bench/load.py [--users N] [--duration S] [--think MIN-MAX] [--budget S] [--json]
        [--steps 2,4,8] [--detector mtcnn|blazeface|haar] [--database NAME] [--redis-db N]

``--detector`` sets the workers' FACE_DETECTOR (so two runs compare detectors on the
same machine); ``--database`` / ``--redis-db`` choose the scratch database and Redis
number, so that two people on one machine do not flush each other's.

It starts the production stack itself, on 127.0.0.1 only, and always tears it down:

* a fresh PostgreSQL database ``fermusic_load`` (127.0.0.1:5432, user postgres, trust
  authentication), migrated, with a small generated catalogue (``tests.support.recommend``:
  100 tracks with moods and audio features) and one listener per simulated user, each
  with an API token and a signed-in session; it is dropped at the end;
* Redis database 14 (127.0.0.1:6379) as broker, results, cache and channel layer; only
  that database is flushed, before and after;
* daphne serving ``fermusic.asgi`` on a free port, and two Celery workers (prefork, one
  child each: the machine has two cores). Environment as in README "Production":
  DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=false, ALLOWED_HOSTS=127.0.0.1, HTTPS=false
  (loopback has no TLS), and UPLOADS_PER_MINUTE raised so the per-user limit does not
  answer 429 to the simulated users.

Locust (as a library) drives it. Each simulated user keeps ``/ws/events/`` open (the
consumer authenticates by session cookie, so each user carries its session), then loops:
upload a webcam-sized photo (scikit-image's astronaut, 640x480 JPEG: MTCNN costs about
150 ms on a 1280x720 photo on this CPU, so a webcam frame is what keeps it realistic) to
``POST /api/v1/detections/`` with its token, wait for the ``detection.updated`` push
that says done or failed, fetch the detection's recommendations and rate one track,
then think for ``--think`` seconds.

Measured per step (a number of users for ``--duration`` seconds):

* ``requests_per_s`` (HTTP) and ``uploads_per_s`` (accepted uploads);
* ``p50_ms`` / ``p95_ms``: upload -> pushed result, from sending the upload to receiving
  the push at the client; ``http_p50_ms`` / ``http_p95_ms`` over every HTTP request;
* ``errors``: failed HTTP requests, pushes not received within 60 s, dropped WebSockets
  and analyses that ended failed (goal 0);
* ``lost``: accepted uploads that are neither done nor failed after the step's queue
  has been given up to 60 s to drain (goal 0);
* ``queue_wait_ms_p50`` / ``analysis_ms_p50``: the worker's share, from the database.

The baseline, measured in the same run after a short warm-up (each worker child loads
its models on its first task), is one user alone (no contention). Without ``--users`` it
steps through 2, 4 and 8 users while the total ``--budget`` allows, stopping after a step
with errors or lost detections or a p95 over 3 s (the queue only grows from there).
``sustained`` is the highest load that met the goal (p95 <= 300 ms, errors 0, lost 0);
if none did, honestly the smallest measured (the baseline), with
``sustained_meets_goal`` false. ``p95_ratio`` is its p95 over the baseline's;
``heaviest_*`` describe the heaviest step measured.
``--users N`` measures N users only. Every step is bounded by time and by
``--max-uploads``; the whole run by an alarm at ``--budget`` plus teardown time.

The machine has 2 cores shared by the load generator, the server, both workers,
PostgreSQL and Redis (and the CNN training job when it runs), so the load average is
printed with the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE = "fermusic_load"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
GOAL_P95_MS = 300
STEPS = (2, 4, 8)
OVERLOAD_P95_MS = 10 * GOAL_P95_MS
RESULT_TIMEOUT = 60
DRAIN_SECONDS = 60
STARTUP_SECONDS = 120
STOP_SECONDS = 10
SETUP_SECONDS = 60  # migrate, catalogue, start-up and warm-up, taken from the budget
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")
WORKER_READY = re.compile(r"\bready\.")


# --- The production stack --------------------------------------------------------------


def production_env(var_dir: Path, detector: str | None = None) -> dict:
    from tests.e2e.server import FERMUSIC_VARIABLES

    env = {key: value for key, value in os.environ.items() if key not in FERMUSIC_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="fermusic.settings",
        DATABASE_URL=f"{POSTGRES}/{DATABASE}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="false",
        UPLOADS_PER_MINUTE="100000",
        FERMUSIC_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    if detector:
        env["FACE_DETECTOR"] = detector
    return env


class Stack:
    """PostgreSQL database, Redis database, daphne and two Celery workers, all on 127.0.0.1."""

    def __init__(self, detector: str | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="fermusic-load-"))
        self.env = production_env(self.folder / "var", detector)
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.url = ""
        self.created_database = False

    # Setup
    def start(self, listeners: int) -> dict:
        self._recreate_database()
        self._flush_redis()
        self._manage("migrate", "--no-input")
        prepared = json.loads(
            self._run([sys.executable, __file__, "--prepare", str(listeners)]).strip().splitlines()[-1]
        )
        daphne = Path(sys.executable).with_name("daphne")
        celery = Path(sys.executable).with_name("celery")
        self._spawn("daphne", [str(daphne), "-b", "127.0.0.1", "-p", "0", "fermusic.asgi:application"])
        for n in (1, 2):
            self._spawn(
                f"worker{n}",
                [
                    str(celery), "-A", "celery_app", "worker", "--pool", "prefork", "--concurrency", "1",
                    "-n", f"load{n}@%h", "--loglevel", "info", "--without-gossip", "--without-mingle",
                ],
            )  # fmt: skip
        port = self._wait_for("daphne", LISTENING)
        self.url = f"http://127.0.0.1:{port.group(1)}"
        for n in (1, 2):
            self._wait_for(f"worker{n}", WORKER_READY)
        return prepared

    def _recreate_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=10) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {DATABASE}")
        self.created_database = True

    def _flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=10)
        client.flushdb()
        client.close()

    def _run(self, command: list[str]) -> str:
        result = subprocess.run(
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=STARTUP_SECONDS
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(command[:3])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def _manage(self, *args: str) -> str:
        return self._run([sys.executable, "manage.py", *args])

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("ab") as log:
            # A session of its own, so that stopping the group leaves no prefork child behind.
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append((name, process))

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _wait_for(self, name: str, pattern: re.Pattern) -> re.Match:
        process = dict(self.processes)[name]
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            match = pattern.search(self.log(name))
            if match:
                return match
            if process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not start; its log:\n{self.log(name)[-4000:]}")

    # Measurement helpers
    def detections(self, ids: list[str]) -> dict:
        """Status counts and the worker's share (ms) for these detections."""
        import psycopg

        with psycopg.connect(f"{POSTGRES}/{DATABASE}", connect_timeout=10) as connection:
            counts = dict(
                connection.execute(
                    "SELECT status, count(*) FROM emotions_detection WHERE id = ANY(%s::uuid[]) GROUP BY status",
                    [ids],
                ).fetchall()
            )
            waits = connection.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)),"
                " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))"
                " FROM emotions_detection WHERE id = ANY(%s::uuid[]) AND finished_at IS NOT NULL",
                [ids],
            ).fetchone()
        return {
            "counts": counts,
            "queue_wait_ms_p50": None if waits[0] is None else round(waits[0] * 1000, 1),
            "analysis_ms_p50": None if waits[1] is None else round(waits[1] * 1000, 1),
        }

    def drain(self, ids: list[str], timeout: float) -> dict:
        """Wait (bounded) until every one of ``ids`` is done or failed; the final figures."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.detections(ids)
            unfinished = sum(n for status, n in state["counts"].items() if status not in ("done", "failed"))
            unfinished += len(ids) - sum(state["counts"].values())
            if not unfinished or time.monotonic() > deadline:
                return {**state, "lost": unfinished}
            time.sleep(0.5)

    # Teardown
    def stop(self, keep_logs: Path | None = None) -> None:
        for _, process in self.processes:
            _signal_group(process.pid, signal.SIGTERM)
        for _, process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_SECONDS)
            _signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_SECONDS)
        self.processes.clear()
        try:
            if self.created_database:
                import psycopg

                with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=10) as connection:
                    connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
                self.created_database = False
            self._flush_redis()
        finally:
            if keep_logs:
                keep_logs.mkdir(parents=True, exist_ok=True)
                for log in self.folder.glob("*.log"):
                    shutil.copy(log, keep_logs / log.name)
            shutil.rmtree(self.folder, ignore_errors=True)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def prepare(listeners: int) -> None:
    """In a subprocess with the stack's environment: the catalogue and the listeners."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from rest_framework.authtoken.models import Token

    from accounts.consent import record_consent
    from accounts.models import User
    from tests.support.recommend import catalogue_in_db

    catalogue_in_db(per_mood=25)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = []
    for i in range(listeners):
        user = User.objects.create_user(f"load-listener-{i}", f"load-listener-{i}@example.com")
        record_consent(user)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append({"token": Token.objects.create(user=user).key, "session": session.session_key})
    print(json.dumps({"users": users, "session_cookie": settings.SESSION_COOKIE_NAME}))


# --- The simulated listeners ---------------------------------------------------------------


def webcam_photo() -> bytes:
    """A 640x480 JPEG with one real face, as a webcam snapshot would be."""
    import cv2
    from PIL import Image
    from skimage import data

    frame = cv2.resize(data.astronaut(), (640, 640), interpolation=cv2.INTER_AREA)[:480]
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def multipart(jpeg: bytes) -> tuple[bytes, str]:
    boundary = f"fermusicload{secrets.token_hex(8)}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="webcam.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + jpeg
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def run_step(url: str, credentials: list[dict], cookie: str, users: int, seconds: float, think, max_uploads: int):
    """``users`` simulated listeners for ``seconds``; their raw records."""
    import random

    import gevent
    import websocket
    from gevent.event import AsyncResult
    from locust import FastHttpUser, between, task
    from locust.env import Environment
    from locust.exception import StopUser

    body, content_type = multipart(webcam_photo())
    ws_url = url.replace("http://", "ws://") + "/ws/events/"
    pool = list(credentials)
    record = {"requests": [], "results": [], "errors": [], "accepted": [], "failed": 0, "faces": 0}

    class Listener(FastHttpUser):
        host = url
        wait_time = between(*think)
        network_timeout = 30.0
        connection_timeout = 10.0

        def on_start(self):
            me = pool.pop()
            self.headers = {"Authorization": f"Token {me['token']}", "Accept": "application/json"}
            self.pushed: dict[str, AsyncResult] = {}
            self.socket = websocket.create_connection(
                ws_url, cookie=f"{cookie}={me['session']}", origin=url, timeout=10
            )
            self.socket.settimeout(None)
            self.reader = gevent.spawn(self._read)

        def on_stop(self):
            self.reader.kill(block=False)
            self.socket.close()

        def _slot(self, detection_id: str) -> AsyncResult:
            return self.pushed.setdefault(detection_id, AsyncResult())

        def _read(self):
            try:
                while True:
                    message = json.loads(self.socket.recv())
                    payload = message.get("payload") or {}
                    if message.get("event") == "detection.updated" and payload.get("status") in ("done", "failed"):
                        self._slot(payload["id"]).set((time.perf_counter(), payload))
            except Exception as exc:  # a dropped socket is an error the step reports
                record["errors"].append(f"websocket: {type(exc).__name__}: {exc}")

        @task
        def upload_listen_and_rate(self):
            if len(record["accepted"]) >= max_uploads:
                raise StopUser()
            started = time.perf_counter()
            with self.client.post(
                "/api/v1/detections/",
                data=body,
                headers={**self.headers, "Content-Type": content_type},
                name="POST /api/v1/detections/",
                catch_response=True,
            ) as response:
                if response.status_code != 202:
                    response.failure(f"upload answered {response.status_code}")
                    return
                detection_id = response.json()["id"]
            record["accepted"].append(detection_id)
            try:
                arrived, detection = self._slot(detection_id).get(timeout=RESULT_TIMEOUT)
            except gevent.Timeout:
                record["errors"].append(f"no pushed result within {RESULT_TIMEOUT} s")
                return
            record["results"].append((started, (arrived - started) * 1000))
            if detection["status"] == "failed":
                record["failed"] += 1
                record["errors"].append(f"analysis failed: {detection['failure_reason']}")
                return
            record["faces"] += bool(detection["faces"])
            path = (
                f"/api/v1/detections/{detection_id}/recommendations/"
                if detection["faces"]
                else "/api/v1/recommendations/?emotion=neutral"
            )
            name = (
                "GET /api/v1/detections/{id}/recommendations/" if detection["faces"] else "GET /api/v1/recommendations/"
            )
            with self.client.get(path, headers=self.headers, name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"recommendations answered {response.status_code}")
                    return
                tracks = [item["track"]["id"] for item in response.json()["results"]]
            if tracks:
                self.client.post(
                    "/api/v1/ratings/",
                    json={"track": random.choice(tracks), "value": random.choice((1, -1))},
                    headers=self.headers,
                    name="POST /api/v1/ratings/",
                )

    environment = Environment(user_classes=[Listener], host=url, stop_timeout=RESULT_TIMEOUT + 30)

    def on_request(request_type, name, response_time, exception=None, **_):
        record["requests"].append((name, response_time))
        if exception is not None:
            record["errors"].append(f"{request_type} {name}: {exception}")

    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    started = time.perf_counter()
    runner.start(users, spawn_rate=max(users, 1))
    gevent.sleep(seconds)
    window = time.perf_counter() - started
    runner.quit()
    runner.greenlet.join(timeout=RESULT_TIMEOUT + 40)
    record["seconds"] = window
    return record


def percentile(values: list[float], q: float) -> float | None:
    import numpy as np

    return round(float(np.percentile(values, q)), 1) if values else None


def summarise(stack: Stack, users: int, record: dict) -> dict:
    drained = stack.drain(record["accepted"], DRAIN_SECONDS)
    latencies = [ms for _, ms in record["results"]]
    http = [ms for _, ms in record["requests"]]
    seconds = record["seconds"]
    errors = len(record["errors"])
    p95 = percentile(latencies, 95)
    return {
        "users": users,
        "seconds": round(seconds, 1),
        "requests": len(http),
        "requests_per_s": round(len(http) / seconds, 2),
        "uploads": len(record["accepted"]),
        "uploads_per_s": round(len(record["accepted"]) / seconds, 2),
        "results": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": p95,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "http_p50_ms": percentile(http, 50),
        "http_p95_ms": percentile(http, 95),
        "http_p95_ms_by_request": {
            name: percentile([ms for other, ms in record["requests"] if other == name], 95)
            for name in sorted({name for name, _ in record["requests"]})
        },
        "errors": errors,
        "error_examples": sorted(set(record["errors"]))[:5],
        "failed_analyses": record["failed"],
        "lost": drained["lost"],
        "statuses": drained["counts"],
        "faces_found": round(record["faces"] / len(latencies), 2) if latencies else None,
        "queue_wait_ms_p50": drained["queue_wait_ms_p50"],
        "analysis_ms_p50": drained["analysis_ms_p50"],
        "meets_goal": bool(latencies) and p95 <= GOAL_P95_MS and errors == 0 and drained["lost"] == 0,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def overloaded(step: dict) -> bool:
    """More users would only say the same: requests fail, or the queue grows."""
    return bool(step["errors"] or step["lost"] or not step["p95_ms"] or step["p95_ms"] > OVERLOAD_P95_MS)


def training_running() -> bool:
    result = subprocess.run(["pgrep", "-f", "train_emotion_model"], capture_output=True, text=True)
    return bool(result.stdout.strip())


def measure(args) -> dict:
    started = time.monotonic()
    budget_end = started + args.budget
    steps = [args.users] if args.users else list(args.steps)
    stack = Stack(args.detector)
    training = training_running()
    try:
        prepared = stack.start(listeners=max([1, 2, *steps]))
        credentials, cookie = prepared["users"], prepared["session_cookie"]

        def step(users: int, seconds: float) -> dict:
            return run_step(stack.url, credentials[:users], cookie, users, seconds, args.think, args.max_uploads)

        # Warm-up, not counted: each worker child loads its models, daphne builds the
        # catalogue index, connections open.
        warm = step(2, 8)
        stack.drain(warm["accepted"], DRAIN_SECONDS)
        setup_s = time.monotonic() - started
        baseline = summarise(stack, 1, step(1, args.duration))
        loaded = []
        for users in steps:
            if time.monotonic() + args.duration + DRAIN_SECONDS / 2 > budget_end:
                break
            loaded.append(summarise(stack, users, step(users, args.duration)))
            if overloaded(loaded[-1]):
                break
    finally:
        stack.stop(keep_logs=args.logs)
    training = training or training_running()

    # The highest load that met the goal; if none did, honestly the smallest measured.
    meeting = [s for s in [baseline, *loaded] if s["meets_goal"]]
    sustained = max(meeting, key=lambda s: s["users"]) if meeting else baseline
    met = bool(meeting)
    heaviest = max(loaded, key=lambda s: s["users"]) if loaded else baseline

    def ratio(step):
        return round(step["p95_ms"] / baseline["p95_ms"], 2) if step["p95_ms"] and baseline["p95_ms"] else None

    return {
        "stack": "PostgreSQL + Redis + daphne + 2 Celery workers (prefork, 1 child each), loopback",
        "photo": "640x480 JPEG, one face",
        "detector": args.detector or "settings default",
        "database": DATABASE,
        "redis_url": REDIS_URL,
        "think_s": list(args.think),
        "duration_s": args.duration,
        "sustained_users": sustained["users"],
        "sustained_meets_goal": met,
        "uploads_per_s": sustained["uploads_per_s"],
        "requests_per_s": sustained["requests_per_s"],
        "p50_ms": sustained["p50_ms"],
        "p95_ms": sustained["p95_ms"],
        "http_p95_ms": sustained["http_p95_ms"],
        "errors": sum(s["errors"] for s in [baseline, *loaded]),
        "lost": sum(s["lost"] for s in [baseline, *loaded]),
        "baseline_p50_ms": baseline["p50_ms"],
        "baseline_p95_ms": baseline["p95_ms"],
        "p95_ratio": ratio(sustained),
        "heaviest_users": heaviest["users"],
        "heaviest_uploads_per_s": heaviest["uploads_per_s"],
        "heaviest_p95_ms": heaviest["p95_ms"],
        "heaviest_p95_ratio": ratio(heaviest),
        "goals": {
            f"p95 <= {GOAL_P95_MS} ms at the sustained load": met,
            "errors == 0": all(s["errors"] == 0 for s in [baseline, *loaded]),
            "lost == 0": all(s["lost"] == 0 for s in [baseline, *loaded]),
        },
        "baseline": baseline,
        "steps": loaded,
        "setup_s": round(setup_s, 1),
        "total_s": round(time.monotonic() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "training_job_running": training,
        },
    }


def print_table(result: dict) -> None:
    columns = [
        ("users", "users"), ("uploads/s", "uploads_per_s"), ("req/s", "requests_per_s"),
        ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("http p95", "http_p95_ms"),
        ("queue p50", "queue_wait_ms_p50"), ("analyse p50", "analysis_ms_p50"),
        ("errors", "errors"), ("lost", "lost"), ("goal", "meets_goal"),
    ]  # fmt: skip
    print(" ".join(f"{title:>11}" for title, _ in columns))
    for label, row in [("baseline", result["baseline"]), *((None, s) for s in result["steps"])]:
        cells = [f"{row[key]!s:>11}" for _, key in columns]
        print(" ".join(cells) + (f"  ({label})" if label else ""))
    for row in [result["baseline"], *result["steps"]]:
        for example in row["error_examples"]:
            print(f"  {row['users']} users: {example}")
    print()
    print(
        f"Sustained: {result['sustained_users']} users, {result['uploads_per_s']} uploads/s, "
        f"{result['requests_per_s']} requests/s, upload -> pushed result p95 {result['p95_ms']} ms "
        f"(goal <= {GOAL_P95_MS}: {'met' if result['sustained_meets_goal'] else 'NOT met'}); "
        f"baseline p95 {result['baseline_p95_ms']} ms, ratio {result['p95_ratio']}; "
        f"errors {result['errors']}, lost {result['lost']}."
    )
    print(f"Machine: {result['machine']}")


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        low, high = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError("give MIN-MAX seconds, e.g. 1-2") from None
    if low < 0 or high < low:
        raise argparse.ArgumentTypeError("give 0 <= MIN <= MAX seconds")
    return low, high


def user_steps(text: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected user counts like 2,4,8") from None
    if not steps or any(not 1 <= n <= 64 for n in steps):
        raise argparse.ArgumentTypeError("each step must be between 1 and 64 users")
    return steps


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--users", type=int, default=0, help="measure this many users only (default: --steps)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per step (the baseline too)")
    parser.add_argument("--think", type=think_range, default=(1.0, 2.0), help="think time MIN-MAX seconds")
    parser.add_argument("--budget", type=float, default=240.0, help="seconds for the whole run, setup included")
    parser.add_argument("--max-uploads", type=int, default=5000, help="upload cap per step")
    parser.add_argument("--logs", type=Path, help="copy the server's and workers' logs into this folder")
    parser.add_argument("--steps", type=user_steps, default=STEPS, help="user counts to step through (default 2,4,8)")
    parser.add_argument(
        "--detector", choices=("mtcnn", "blazeface", "haar"), help="FACE_DETECTOR for the workers (default: setting)"
    )
    parser.add_argument("--database", default=DATABASE, help=f"scratch PostgreSQL database (default {DATABASE})")
    parser.add_argument("--redis-db", type=int, default=14, help="scratch Redis database number (default 14)")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in ("fermusic", "postgres"):
        parser.error("--database must be a plain lower-case name other than fermusic or postgres")
    if not 0 <= args.redis_db <= 15 or args.redis_db == 15:
        parser.error("--redis-db must be between 0 and 14 (15 belongs to CI)")
    if args.users < 0 or args.users > 64:
        parser.error("--users must be between 1 and 64")
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be between 1 and 600 seconds")
    if args.budget < SETUP_SECONDS + 2 * args.duration:
        parser.error(
            f"--budget must leave room for setup, the baseline and one step ({SETUP_SECONDS + 2 * args.duration:.0f} s)"
        )
    return args


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    if args.prepare is not None:
        prepare(args.prepare)
        return None
    import locust  # noqa: F401  (gevent's monkey-patching first, before any socket is opened)

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    global DATABASE, REDIS_URL
    DATABASE, REDIS_URL = args.database, f"redis://127.0.0.1:6379/{args.redis_db}"
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    # Whatever hangs, the run ends and tears down (the stack's own timeouts come after).
    signal.alarm(int(args.budget + 2 * RESULT_TIMEOUT + DRAIN_SECONDS + STARTUP_SECONDS))
    result = measure(args)
    signal.alarm(0)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return result


if __name__ == "__main__":
    main()
