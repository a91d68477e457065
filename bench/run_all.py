"""Run every benchmark once and write BENCHMARKS.md with the figures, the baselines each
measured in the same run, and the machine.

    .venv/bin/python bench/run_all.py [--only inference,recommend] [--output BENCHMARKS.md]

Each benchmark is its own script with a ``--json`` mode; this runs them one after the
other (so they do not compete for the two cores) and keeps their JSON verbatim in the
report, under a table of the headline numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (script and arguments, [(label, key, goal description)])
BENCHMARKS = {
    "inference": (
        ["bench/inference.py"],
        [
            ("ms per face, batch 1 (p50)", "p50_ms_batch1", "≤ 5"),
            ("ms per face, batch 1 (p95)", "p95_ms_batch1", ""),
            ("faces/s, batches of 32", "faces_per_s_batch32", ""),
            ("baseline: keras Model.predict ms (p50)", "predict_p50_ms_batch1", ""),
            ("speed-up vs Model.predict", "speedup_vs_predict", "≥ 20x"),
            ("1280x720 photo end to end ms (p50)", "photo_ms_p50", ""),
        ],
    ),
    "detectors": (["bench/detectors.py", "--margin-faces", "0"], []),
    "recommend": (
        ["bench/recommend.py"],
        [
            ("recommend_for ms (p50)", "p50_ms", ""),
            ("recommend_for ms (p95)", "p95_ms", "≤ 50"),
            ("baseline: seeds' top-N by popularity ms (p95)", "baseline_p95_ms", ""),
            ("p95 ratio to baseline", "p95_ratio", ""),
        ],
    ),
    "live": (
        ["bench/live.py"],
        [
            ("frames/s per client", "fps", "≥ 10"),
            ("frame latency ms (p50)", "p50_ms", ""),
            ("frame latency ms (p95)", "p95_ms", ""),
        ],
    ),
    "live, one user with 20 sockets": (
        ["bench/live.py", "--one-user", "20"],
        [
            ("live sockets left open", "sockets_open", "≤ 2"),
            ("baseline: photo analysis ms (p50), unloaded", "photo_unloaded_ms_p50", ""),
            ("photo analysis ms (p50) meanwhile", "photo_loaded_ms_p50", ""),
            ("slowdown", "photo_slowdown", "≤ 2"),
        ],
    ),
    "request limits": (
        ["bench/limits.py", "--megabytes", "100"],
        [
            ("baseline: 1 KB JSON answered s", "baseline_seconds", ""),
            ("100 MB body refused s (slowest)", "refused_seconds_max", "< 1"),
            ("web process memory growth MB", "rss_growth_mb_max", "< 50"),
        ],
    ),
    "load": (
        ["bench/load.py"],
        [
            ("sustained load: simulated users", "sustained_users", ""),
            ("uploads/s at that load", "uploads_per_s", ""),
            ("HTTP requests/s at that load", "requests_per_s", ""),
            ("upload -> pushed result ms (p95)", "p95_ms", "≤ 300"),
            ("baseline: one user alone, ms (p95)", "baseline_p95_ms", ""),
            ("p95 ratio to baseline", "p95_ratio", ""),
            ("heaviest load measured: users", "heaviest_users", ""),
            ("upload -> pushed result ms at the heaviest load (p95)", "heaviest_p95_ms", ""),
            ("errors", "errors", "0"),
            ("lost detections", "lost", "0"),
        ],
    ),
}


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        memory_kb = 0
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg()[0],
        "database": "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite",
        "broker": "Redis" if os.environ.get("REDIS_URL") else "in-memory (embedded)",
    }


def run(name: str, command: list[str]) -> dict:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *command, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    seconds = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout).strip().splitlines()[-1:], "seconds": seconds}
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith("{")]
    try:
        return {**json.loads(lines[-1]), "seconds": seconds}
    except (IndexError, json.JSONDecodeError):
        return {"error": ["no JSON object in the output"], "seconds": seconds}


def headline(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "—" if value is None else str(value)


def report(results: dict, host: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `bench/run_all.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "Each figure and its baseline come from the same run on the same machine.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB; Python {host['python']}; "
        f"{host['database']}, broker {host['broker']}; load average at start {host['load_average_at_start']:.2f}.",
        "",
        "| benchmark | figure | value | goal |",
        "|---|---|---|---|",
    ]
    for name, (_, figures) in BENCHMARKS.items():
        if name not in results:
            continue
        data = results[name]
        if "error" in data:
            lines.append(f"| {name} | failed | {' '.join(data['error'])} | |")
            continue
        for label, key, goal in figures:
            lines.append(f"| {name} | {label} | {headline(data.get(key))} | {goal} |")
    lines += ["", "## Raw results", ""]
    for name, data in results.items():
        lines += [f"### {name}", "", "```json", json.dumps(data, indent=2), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    chosen = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    host = machine()
    results = {}
    for name in chosen:
        print(f"Running {name}…", flush=True)
        results[name] = run(name, BENCHMARKS[name][0])
        print(f"  done in {results[name]['seconds']} s", flush=True)
    args.output.write_text(report(results, host))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
