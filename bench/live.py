"""Live mode's sustained speed through the real consumer and a real Celery worker.

    .venv/bin/python bench/live.py [--json] [--clients N] [--seconds S] [--model-dir DIR]
                                   [--max-fps F] [--pool solo|threads] [--no-worker]

Each client opens ``/ws/live/`` through the project's WebSocket routing (channels'
WebsocketCommunicator, signed in as an unsaved user) and replays a generated webcam
stream: 320x240 JPEGs of scikit-image's astronaut photo, moving a few pixels between
frames. It sends the way the page does: a new frame whenever fewer than the server's
``max_in_flight`` frames are unanswered, at most ``max_fps`` a second (``--max-fps 0``
lifts that cap to measure the server alone).

The broker and channel layer are the configured ones: the embedded profile's in-memory
broker and channel layer by default, Redis and channels_redis when REDIS_URL is set
(give it a database of its own, or the worker takes other processes' tasks). A Celery
worker (``celery.contrib.testing.worker.start_worker``) runs in this process with one
slot: ``--pool solo`` (default) runs each task the way one prefork child does,
``--pool threads`` is the embedded worker's pool. ``--no-worker`` starts none and uses
the workers already consuming REDIS_URL (``celery -A celery_app worker``, which read
their own EMOTION_MODEL_DIR).

After one warm-up frame per client (a cold worker loads its models), it measures for
``--seconds`` and prints (``--json``: one JSON object):

* ``fps``: results per second per client, the mean over clients (``fps_per_client``);
* ``p50_ms`` / ``p95_ms``: from sending a frame to receiving its result, at the client;
* ``dropped``: frames the server dropped for a newer one (0 when clients keep to the
  protocol); ``errors``: frames answered with an error (expired, timed out, unreadable);
* ``worker_analyse_ms_p50`` / ``worker_decode_ms_p50``: the worker's own share;
* ``faces_per_result``: how often the detector found the face.

Goal: at least 10 frames a second per client. The machine has 2 cores and the
CNN training job may be running, so the load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fermusic.settings")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import django

django.setup()

import numpy as np
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings

from emotions.live import analysis as live_analysis
from emotions.live import protocol
from fermusic.routing import websocket_urlpatterns

ANSWER_TIMEOUT = 60


def webcam_stream(count: int = 30) -> list[bytes]:
    """320x240 JPEGs of a face drifting along a small loop, as a webcam would see it."""
    import cv2
    from PIL import Image
    from skimage import data

    photo = data.astronaut()
    frames = []
    for i in range(count):
        angle = 2 * np.pi * i / count
        shift = np.float32([[1, 0, 12 * np.cos(angle)], [0, 1, 6 * np.sin(angle)]])
        moved = cv2.warpAffine(photo, shift, (512, 512), borderMode=cv2.BORDER_REFLECT)
        frame = cv2.resize(moved[:384], (320, 240), interpolation=cv2.INTER_AREA)
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=80)
        frames.append(buffer.getvalue())
    return frames


@dataclass
class Client:
    """One browser tab: sends by the page's rule and times every answer."""

    communicator: WebsocketCommunicator
    frames: list[bytes]
    max_fps: float | None = None
    max_in_flight: int = 1
    sent: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    results: list[tuple[float, float, dict]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    dropped: int = 0

    async def connect(self, max_fps_override: float | None) -> None:
        connected, _ = await self.communicator.connect()
        if not connected:
            raise SystemExit("the live consumer refused the connection")
        ready = await self.communicator.receive_json_from(timeout=ANSWER_TIMEOUT)
        self.max_in_flight = ready["max_in_flight"]
        self.max_fps = ready["max_fps"] if max_fps_override is None else (max_fps_override or None)

    async def receive(self) -> None:
        while True:
            message = await self.communicator.receive_json_from(timeout=ANSWER_TIMEOUT)
            kind = message["type"]
            if kind not in ("result", "dropped", "error") or message.get("seq") not in self.sent_at:
                continue
            now = time.perf_counter()
            started = self.sent_at.pop(message["seq"])
            if kind == "result":
                self.results.append((started, now, message))
                self.dropped = message["dropped"]
            elif kind == "dropped":
                self.dropped = message["dropped"]
            else:
                self.errors.append(message)
            self.answered.set()

    async def send(self) -> None:
        self.sent += 1
        self.sent_at[self.sent] = time.perf_counter()
        await self.communicator.send_to(bytes_data=self.frames[self.sent % len(self.frames)])

    async def stream(self, until: float) -> None:
        last = 0.0
        while time.perf_counter() < until:
            if len(self.sent_at) >= self.max_in_flight:
                self.answered.clear()
                await self.answered.wait()
                continue
            if self.max_fps:
                await asyncio.sleep(max(0.0, last + 1.0 / self.max_fps - time.perf_counter()))
            last = time.perf_counter()
            await self.send()

    async def drain(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.sent_at and time.perf_counter() < deadline:
            self.answered.clear()
            try:
                await asyncio.wait_for(self.answered.wait(), max(0.01, deadline - time.perf_counter()))
            except TimeoutError:
                break


class BenchUser:
    """Signed in as far as the consumer can tell, with nothing written to a database."""

    pk = 0
    is_authenticated = True
    has_face_consent = True


async def run_clients(args, frames: list[bytes]) -> tuple[list[Client], float, float]:
    application = URLRouter(websocket_urlpatterns)
    clients = []
    for _ in range(args.clients):
        communicator = WebsocketCommunicator(application, "/ws/live/")
        communicator.scope["user"] = BenchUser()
        clients.append(Client(communicator, frames))
    for client in clients:
        await client.connect(args.max_fps)
    receivers = [asyncio.ensure_future(client.receive()) for client in clients]

    # Warm-up: one frame each, answered, before anything is timed.
    for client in clients:
        await client.send()
    for client in clients:
        await client.drain(ANSWER_TIMEOUT)
        client.results.clear()
        client.errors.clear()

    started = time.perf_counter()
    until = started + args.seconds
    await asyncio.gather(*(client.stream(until) for client in clients))
    ended = time.perf_counter()
    for client in clients:
        await client.drain(protocol.FRAME_TIMEOUT_SECONDS)
    for receiver in receivers:
        receiver.cancel()
    for client in clients:
        await client.communicator.disconnect()
    return clients, started, ended


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def report(args, clients: list[Client], started: float, ended: float) -> dict:
    seconds = ended - started
    per_client, latencies, analyse_ms, decode_ms, faces = [], [], [], [], []
    for client in clients:
        timed = [(sent, got, message) for sent, got, message in client.results if sent >= started and got <= ended]
        per_client.append(round(len(timed) / seconds, 2))
        latencies += [(got - sent) * 1000 for sent, got, _ in timed]
        analyse_ms += [message["timings"]["analyse_ms"] for _, _, message in timed]
        decode_ms += [message["timings"]["decode_ms"] for _, _, message in timed]
        faces += [len(message["faces"]) for _, _, message in timed]
    fps = round(sum(per_client) / len(per_client), 2)
    return {
        "profile": "redis" if settings.REDIS_URL else "embedded",
        "broker": settings.CELERY_BROKER_URL.split("://")[0],
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "worker": "external" if args.no_worker else f"in-process, {args.pool} pool",
        "clients": args.clients,
        "seconds": round(seconds, 1),
        "max_fps": clients[0].max_fps,
        "max_in_flight": clients[0].max_in_flight,
        "fps": fps,
        "fps_per_client": per_client,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "dropped": sum(client.dropped for client in clients),
        "errors": sum(len(client.errors) for client in clients),
        "error_codes": sorted({error["code"] for client in clients for error in client.errors}),
        "worker_analyse_ms_p50": percentile(analyse_ms, 50),
        "worker_decode_ms_p50": percentile(decode_ms, 50),
        "faces_per_result": round(float(np.mean(faces)), 2) if faces else None,
        "detector": f"haar@{live_analysis.DETECT_SIDE}px",
        "goals": {"fps >= 10": fps >= 10},
        "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--clients", type=int, default=1, help="browser tabs streaming at once")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the timed stream")
    parser.add_argument("--model-dir", type=Path, default=Path(settings.EMOTION_MODEL_DIR))
    parser.add_argument("--max-fps", type=float, default=None, help="override the server's cap; 0 for none")
    parser.add_argument(
        "--pool",
        choices=("solo", "threads"),
        default="solo",
        help="the in-process worker's pool: solo runs each task as one prefork child does; threads is the "
        "embedded worker's pool (fermusic/embedded.py)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="start no worker: use those already consuming the broker (REDIS_URL), e.g. `celery -A celery_app worker`",
    )
    args = parser.parse_args(argv)
    if not (args.model_dir / "metadata.json").exists():
        parser.error(
            f"no exported model in {args.model_dir}; export one (manage.py train_emotion_model --export) "
            "or pass --model-dir"
        )
    settings.EMOTION_MODEL_DIR = args.model_dir

    from celery.contrib.testing.worker import start_worker

    from celery_app import app

    if args.no_worker and not settings.REDIS_URL:
        parser.error("--no-worker needs REDIS_URL: the in-memory broker reaches no other process")

    frames = webcam_stream()
    if args.no_worker:
        clients, started, ended = asyncio.run(run_clients(args, frames))
    else:
        with start_worker(app, pool=args.pool, concurrency=1, perform_ping_check=False):
            clients, started, ended = asyncio.run(run_clients(args, frames))
    result = report(args, clients, started, ended)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:24s} {value}")
    return result


if __name__ == "__main__":
    main()
