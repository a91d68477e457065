"""Training speed of the emotion CNN on this CPU, every variant in one run.

    .venv/bin/python bench/train_speed.py [--width 48] [--steps 20] [--rounds 2] [--json]

Measures training images per second (forward, backward and the optimiser step, batches of
64, SGD with Nesterov momentum) for one model definition, ``architectures.vgg``, under:

* ``tf-float32-48``: TensorFlow, float32, whole 48x48 faces (the baseline);
* ``tf-bf16-48``: TensorFlow, Keras ``mixed_bfloat16`` policy;
* ``tf-float32-40`` / ``tf-bf16-40``: the same on 40x40 random crops;
* ``torch-float32-48``, ``torch-bf16-40``: Keras 3 on the PyTorch backend (needs
  ``requirements/train.txt``; reported as skipped without torch). Keras's torch
  backend lays convolutions out channels-first inside; the bf16 variant runs the same
  ``mixed_bfloat16`` policy, which casts each layer's compute to bfloat16.

Each variant runs in its own process (the backend is fixed when Keras is imported) and
the variants take turns for ``--rounds`` rounds, so a load that comes and goes (the
machine is shared) falls on all of them alike; the best round of each is reported,
with the load average. ``speedup`` is against ``tf-float32-48`` of the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = {
    "tf-float32-48": ("tensorflow", "float32", 48),
    "tf-bf16-48": ("tensorflow", "mixed_bfloat16", 48),
    "tf-float32-40": ("tensorflow", "float32", 40),
    "tf-bf16-40": ("tensorflow", "mixed_bfloat16", 40),
    "torch-float32-48": ("torch", "float32", 48),
    "torch-bf16-40": ("torch", "mixed_bfloat16", 40),
}
BATCH = 64


def measure(policy: str, size: int, width: int, steps: int) -> dict:
    """Runs inside the child process, with KERAS_BACKEND already set."""
    sys.path.insert(0, str(ROOT))
    import keras
    import numpy as np

    from emotions.engine.architectures import vgg

    keras.mixed_precision.set_global_policy(policy)
    model = vgg(width=width, input_size=size)
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    )
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, size, size, 1), dtype=np.float32)
    y = np.eye(7, dtype=np.float32)[rng.integers(0, 7, BATCH)]
    for _ in range(3):
        model.train_on_batch(x, y)
    started = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    seconds = time.perf_counter() - started
    return {"images_per_s": round(steps * BATCH / seconds, 1), "parameters": int(model.count_params())}


def run_variant(name: str, width: int, steps: int) -> dict:
    backend, policy, size = VARIANTS[name]
    if backend == "torch" and importlib.util.find_spec("torch") is None:
        return {"skipped": "torch is not installed (pip install -r requirements/train.txt)"}
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from bench.train_speed import measure; "
        "print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), policy, str(size), str(width), str(steps)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load_average": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated variant names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    names = [n for n in VARIANTS if not args.only or n in args.only.split(",")]
    rounds: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            rounds[name].append(run_variant(name, args.width, args.steps))
    results = {}
    for name, runs in rounds.items():
        timed = [r for r in runs if "images_per_s" in r]
        results[name] = max(timed, key=lambda r: r["images_per_s"]) if timed else runs[-1]
    baseline = results.get("tf-float32-48", {}).get("images_per_s")
    for result in results.values():
        if baseline and "images_per_s" in result:
            result["speedup"] = round(result["images_per_s"] / baseline, 2)
    report = {"width": args.width, "batch": BATCH, "steps": args.steps, "rounds": args.rounds, "variants": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for name, result in results.items():
        if "images_per_s" in result:
            print(
                f"{name:18} {result['images_per_s']:8.1f} img/s  x{result.get('speedup', float('nan')):.2f}"
                f"  (load {result['load_average']})"
            )
        else:
            print(f"{name:18} {result}")


if __name__ == "__main__":
    main()
