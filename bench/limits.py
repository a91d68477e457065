"""Request bodies over their limit against the real server: how fast a 100 MB body is
refused and how much the web process's memory grows meanwhile.

    .venv/bin/python bench/limits.py [--json] [--megabytes 100]

It starts daphne serving ``fermusic.asgi`` (the embedded profile, over a throwaway
folder, no emotion model: nothing here analyses) and sends, anonymously:

* the baseline, in the same run: a 1 KB JSON body, answered by Django (403);
* a multipart upload declaring and sending ``--megabytes`` MB to the photo API;
* a chunked JSON body of ``--megabytes`` MB, with no length declared.

For each it prints the status, the seconds from the first byte sent to the answer's
status line (the client keeps sending until the answer arrives, as an upload form does)
and the server's resident memory before and at its peak (sampled every 5 ms).
Goals: refused in under a second, memory growing by less than 50 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import ServerUnderTest

MB = 1024 * 1024
CHUNK = 256 * 1024


class PeakMemory:
    """The process's resident memory, sampled in a thread while a request runs."""

    def __init__(self, process: psutil.Process):
        self.process = process
        self.before = process.memory_info().rss
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def send(url: str, head: str, body_bytes: int, chunked: bool) -> tuple[int, float]:
    """The answer's status and the seconds until its status line arrived. The body is sent
    until it ends or the answer arrives, whichever is first; a thread reads the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        answer, answered = bytearray(), threading.Event()

        def read():
            with contextlib.suppress(OSError):
                while b"\r\n" not in answer:
                    more = sock.recv(4096)
                    if not more:
                        break
                    answer.extend(more)
            answered.set()

        started = time.perf_counter()
        sock.sendall(head.encode())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        piece = b"\0" * CHUNK
        framed = (f"{CHUNK:x}\r\n".encode() + piece + b"\r\n") if chunked else piece
        sent = 0
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < body_bytes and not answered.is_set():
                sock.sendall(framed if chunked or body_bytes - sent >= CHUNK else piece[: body_bytes - sent])
                sent += CHUNK
            if chunked and not answered.is_set():
                sock.sendall(b"0\r\n\r\n")
        answered.wait(30)
        elapsed = time.perf_counter() - started
    status = int(bytes(answer).split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, elapsed


def measure(server, process, name: str, head: str, body_bytes: int, chunked: bool = False) -> dict:
    with PeakMemory(process) as memory:
        status, seconds = send(server.url, head, body_bytes, chunked)
    return {
        "request": name,
        "status": status,
        "seconds": round(seconds, 3),
        "rss_before_mb": round(memory.before / MB, 1),
        "rss_growth_mb": round((memory.peak - memory.before) / MB, 1),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--megabytes", type=int, default=100, help="size of the oversize bodies")
    args = parser.parse_args(argv)
    size = args.megabytes * MB
    with tempfile.TemporaryDirectory(prefix="fermusic-limits-") as folder:
        server = ServerUnderTest(Path(folder), model_dir=Path(folder) / "no-model")
        server.env["DEBUG"] = "true"  # static files from the source folders: no collectstatic
        server.start()
        try:
            process = psutil.Process(server.process.pid)
            time.sleep(2)  # let start-up settle before the first memory reading
            head = "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\n{length}\r\n"
            rows = [
                measure(
                    server,
                    process,
                    "baseline: 1 KB JSON",
                    head.format(path="/api/v1/ratings/", kind="application/json", length="Content-Length: 1024\r\n"),
                    1024,
                ),
                measure(
                    server,
                    process,
                    f"{args.megabytes} MB multipart upload",
                    head.format(
                        path="/api/v1/detections/",
                        kind="multipart/form-data; boundary=x",
                        length=f"Content-Length: {size}\r\n",
                    ),
                    size,
                ),
                measure(
                    server,
                    process,
                    f"{args.megabytes} MB chunked JSON",
                    head.format(
                        path="/api/v1/ratings/", kind="application/json", length="Transfer-Encoding: chunked\r\n"
                    ),
                    size,
                    chunked=True,
                ),
            ]
        finally:
            server.stop()
    refused = rows[1:]
    result = {
        "server": "daphne, fermusic.asgi, embedded profile",
        "requests": rows,
        "baseline_seconds": rows[0]["seconds"],
        "refused_seconds_max": max(row["seconds"] for row in refused),
        "rss_growth_mb_max": max(row["rss_growth_mb"] for row in refused),
        "goals": {
            "refused with 413": all(row["status"] == 413 for row in refused),
            "refused in < 1 s": all(row["seconds"] < 1.0 for row in refused),
            "memory growth < 50 MB": all(row["rss_growth_mb"] < 50 for row in refused),
        },
        "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
    }
    if args.json:
        print(json.dumps(result))
    else:
        for row in rows:
            print(
                f"{row['request']:28s} {row['status']}  {row['seconds']:6.3f} s  "
                f"rss {row['rss_before_mb']} MB +{row['rss_growth_mb']} MB"
            )
        print("goals:", result["goals"])
    return result


if __name__ == "__main__":
    main()
