"""Private, throwaway services for the fault tests: a PostgreSQL cluster and a
redis-server of their own on free loopback ports, real Celery workers and the ASGI
server (daphne) as subprocesses pointed at them, and a visitor that records every
answer the site gives.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): each run makes its
own cluster with initdb and throws it away afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from tests.e2e.server import BASE_DIR, ServerUnderTest
from tests.support.images import astronaut_jpeg

FINISHED = {"done", "failed"}
START_SECONDS = 60
HTTP_SECONDS = 20


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")


def _kill_group(process: subprocess.Popen | None, signum: int = signal.SIGKILL) -> None:
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder, run as the ``postgres`` OS user when
    the tests run as root (initdb refuses root)."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        # Directly under /tmp: pytest's temporary folders are private to root, and the
        # postgres user must reach its data folder.
        self.folder = Path(tempfile.mkdtemp(prefix="fermusic-faults-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.folder, "postgres", "postgres")

    def url(self, database: str = "fermusic") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin_dir / program), *args],
            check=True,
            capture_output=True,
            timeout=START_SECONDS,
        )

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as connection:
            connection.execute("CREATE DATABASE fermusic")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except (subprocess.SubprocessError, OSError):
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """redis-server with no persistence, like the development and CI one: a restart
    empties it, queued Celery messages included."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self.answers, START_SECONDS, "redis-server to answer PING")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        _kill_group(self.process, signal.SIGTERM)
        self.process = None


class Worker:
    """``celery -A celery_app worker --pool prefork -c 1``: a main process that takes
    messages and one pool process that runs the task."""

    def __init__(self, name: str, env: dict, log_path: Path):
        self.name = name
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        celery = Path(sys.executable).with_name("celery")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "celery_app",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"{self.name}@%h",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "INFO",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: f"{self.name}@" in self.log() and " ready." in self.log(), START_SECONDS, f"{self.name}")
        return self

    def pool_processes(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_pool_process(self) -> None:
        """What the kernel's OOM killer does to a task that grew too big."""
        (pid,) = self.pool_processes()
        os.kill(pid, signal.SIGKILL)

    def kill(self) -> None:
        """The machine under the worker dies: main and pool processes at once."""
        _kill_group(self.process)
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Answer:
    method: str
    path: str
    status: int
    body: str


@dataclass
class Visitor:
    """A signed-in user with both an API token and a browser session, keeping every
    answer the site gives."""

    base_url: str
    token: str
    username: str
    password: str
    answers: list[Answer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # every detection the site took, in every test
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {self.token}"
        self.browser = requests.Session()
        self.browser.get(f"{self.base_url}/accounts/login/", timeout=HTTP_SECONDS)
        signed_in = self.browser.post(
            f"{self.base_url}/accounts/login/",
            data={
                "username": self.username,
                "password": self.password,
                "csrfmiddlewaretoken": self.browser.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=HTTP_SECONDS,
        )
        assert signed_in.status_code == 302, signed_in.text[:500]

    def _record(self, session: requests.Session, method: str, path: str, **kwargs) -> requests.Response | None:
        try:
            response = session.request(method, f"{self.base_url}{path}", timeout=HTTP_SECONDS, **kwargs)
        except requests.RequestException as exc:
            # The site must keep answering: a refused or dropped connection is a failure.
            with self.lock:
                self.errors.append(f"{method} {path}: {exc!r}")
            return None
        with self.lock:
            self.answers.append(Answer(method, path, response.status_code, response.text[:2000]))
        return response

    def upload(self) -> str | None:
        """Upload a photo through the API; the detection's id when it was accepted."""
        files = {"image": ("face.jpg", astronaut_jpeg(), "image/jpeg")}
        response = self._record(self.api, "POST", "/api/v1/detections/", files=files)
        if response is None or response.status_code != 202:
            return None
        self.accepted.append(response.json()["id"])
        return self.accepted[-1]

    def read_api(self) -> None:
        self._record(self.api, "GET", "/api/v1/detections/")

    def read_page(self, path: str = "/history/") -> None:
        self._record(self.browser, "GET", path)

    def statuses(self) -> list[int]:
        with self.lock:
            return [answer.status for answer in self.answers]

    def unavailable_answers(self) -> list[Answer]:
        with self.lock:
            return [answer for answer in self.answers if answer.status == 503]

    def server_errors(self) -> list[Answer]:
        with self.lock:
            return [answer for answer in self.answers if answer.status >= 500 and answer.status != 503]


class Traffic(threading.Thread):
    """Uploads photos and reads the API and a page in a loop until stopped, as a busy
    user would while a service restarts."""

    def __init__(self, visitor: Visitor, pause: float = 0.1):
        super().__init__(daemon=True)
        self.visitor = visitor
        self.pause = pause
        self.accepted: list[str] = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            detection_id = self.visitor.upload()
            if detection_id:
                self.accepted.append(detection_id)
            self.visitor.read_api()
            self.visitor.read_page()
            time.sleep(self.pause)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=HTTP_SECONDS * 4)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class Stack:
    """PostgreSQL, Redis and daphne of their own, migrated, with one user."""

    USERNAME = "faulty"
    PASSWORD = "Faults-are-9-tests"

    def __init__(self, folder: Path, pg_bin: Path, model_dir: Path, detection_timeout: int):
        self.folder = folder
        self.postgres = PrivatePostgres(pg_bin)
        self.redis = PrivateRedis(folder)
        self.site = ServerUnderTest(folder / "site", model_dir)
        self.detection_timeout = detection_timeout
        self.visitor: Visitor | None = None
        self.workers: list[Worker] = []
        self.warm: Worker | None = None
        self.started_workers = 0

    def start(self) -> None:
        (self.folder / "site").mkdir(exist_ok=True)
        self.postgres.create()
        self.redis.start()
        self.site.env.update(
            DJANGO_SETTINGS_MODULE="tests.support.fault_settings",
            DATABASE_URL=self.postgres.url(),
            REDIS_URL=self.redis.url,
            DETECTION_TIMEOUT_SECONDS=str(self.detection_timeout),
            UPLOADS_PER_MINUTE="10000",
        )
        self.site.manage("migrate", "--no-input", "--verbosity", "0")
        self.site.manage("collectstatic", "--no-input", "--verbosity", "0")
        token = self.site.manage(
            "shell",
            "-c",
            "from accounts.models import User; from rest_framework.authtoken.models import Token; "
            "from accounts.consent import record_consent; "
            f"user = User.objects.create_user({self.USERNAME!r}, 'faulty@example.com', {self.PASSWORD!r}); "
            "record_consent(user); "
            "print(Token.objects.create(user=user).key)",
        ).split()[-1]
        self.site.start()
        self.visitor = Visitor(self.site.url, token, self.USERNAME, self.PASSWORD)

    def stop(self) -> None:
        self.kill_workers(keep=None)
        self.site.stop()
        self.redis.stop()
        self.postgres.destroy()

    def ensure_running(self) -> None:
        """Bring back whatever an earlier, failed test left stopped."""
        if not self.redis.running:
            self.redis.start()
        if not self.postgres.running:
            self.postgres.start()

    def start_worker(self, alone: bool = False) -> Worker:
        """A fresh worker (its pool process loads the model in its first analysis);
        ``alone``: kill every other worker first, so that this one takes the next task."""
        if alone:
            self.kill_workers(keep=None)
        self.started_workers += 1
        name = f"fault{self.started_workers}"
        self.workers.append(Worker(name, self.site.env, self.folder / f"{name}.log"))
        return self.workers[-1].start()

    def warm_worker(self) -> Worker:
        """A worker that has analysed a photo already, shared by the tests that need one."""
        if self.warm is None or not self.warm.alive:
            self.warm = self.start_worker(alone=True)
            detection_id = self.visitor.upload()
            self.wait_for_status(detection_id, FINISHED, timeout=START_SECONDS)
        return self.warm

    def kill_workers(self, keep: Worker | None) -> None:
        for worker in self.workers:
            if worker is not keep:
                worker.kill()
        self.workers = [keep] if keep else []
        self.warm = keep

    def traffic(self) -> Traffic:
        return Traffic(self.visitor)

    # --- What the database says ----------------------------------------------------

    def detections(self) -> dict[str, dict]:
        """Every detection: id -> {status, attempts, failure_reason}; {} while PostgreSQL is down."""
        try:
            with psycopg.connect(self.postgres.url(), autocommit=True, connect_timeout=3) as connection:
                rows = connection.execute(
                    "SELECT id::text, status, attempts, failure_reason FROM emotions_detection"
                ).fetchall()
        except psycopg.OperationalError:
            return {}
        return {row[0]: {"status": row[1], "attempts": row[2], "failure_reason": row[3]} for row in rows}

    def wait_for_status(self, detection_id: str, statuses: set[str], timeout: float) -> dict:
        def reached():
            detection = self.detections().get(detection_id)
            return detection if detection and detection["status"] in statuses else None

        return wait_until(reached, timeout, f"detection {detection_id} to be {statuses}", interval=0.02)

    def sweep(self) -> None:
        """What Celery beat does every minute: queue the sweeper task for a worker."""
        from celery import Celery

        app = Celery("fault-tests", broker=self.redis.url, set_as_current=False)
        try:
            app.send_task("emotions.tasks.sweep_detections")
        finally:
            app.close()

    def wait_all_finished(self, timeout: float) -> dict[str, dict]:
        """Sweep every few seconds until no detection is queued or running; all of them."""
        deadline = time.monotonic() + timeout
        while True:
            detections = self.detections()
            unfinished = {pk: d for pk, d in detections.items() if d["status"] not in FINISHED}
            if detections and not unfinished:
                outcomes = Counter((d["status"], d["failure_reason"] or "-") for d in detections.values())
                print(f"Detections: {dict(outcomes)}; answers: {dict(Counter(self.visitor.statuses()))}")
                return detections
            if time.monotonic() > deadline:
                raise AssertionError(f"Detections still unfinished after {timeout:.0f} s: {unfinished}")
            self.sweep()
            time.sleep(2)

    def broker_state(self) -> str:
        import redis

        try:
            client = redis.Redis.from_url(self.redis.url, socket_timeout=3)
            return f"broker: {client.llen('celery')} queued, {client.hlen('unacked')} unacknowledged"
        except redis.RedisError as exc:
            return f"broker: {exc!r}"

    def logs(self) -> str:
        parts = [
            self.broker_state(),
            *[
                f"--- {path.name} ---\n{path.read_text(errors='replace')[-3000:]}"
                for path in sorted(self.folder.glob("*.log"))
            ],
        ]
        return "\n".join([*parts, f"--- daphne ---\n{self.site.log()[-3000:]}"])
