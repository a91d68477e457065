"""Inference speed of the served emotion model, measured in one run.

    .venv/bin/python bench/inference.py [--json] [--model-dir DIR] [--threads N]

Prints (``--json``: one JSON object):

* ``p50_ms_batch1`` / ``p95_ms_batch1``: one face through ``EmotionClassifier.predict``
  (normalisation + LiteRT), the served path.
* ``faces_per_s_batch32``: throughput with batches of 32 faces.
* ``predict_p50_ms_batch1``: plain ``keras.Model.predict`` of the folder's model.keras,
  one face; ``speedup_vs_predict`` = predict_p50_ms_batch1 / p50_ms_batch1.
* ``photo_ms_p50``: a 1280x720 JPEG (a real photo: scikit-image's astronaut on its
  rocket photo) through decode -> detect -> align -> classify, with the first of
  ``--detectors``; ``photo_by_detector`` gives it for each (goal <= 25 ms).
* ``by_threads``: the same face timings with 1 and 2 LiteRT threads, which is how the
  default (1) was chosen.

Goals: <= 5 ms per face at batch 1 and >= 20x Model.predict. The machine has
2 cores; with a training job running the timings are noisier and slower, so the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from emotions.engine.classifier import DEFAULT_MODEL_DIR, DEFAULT_THREADS, MODEL_FILE, EmotionClassifier
from emotions.engine.detector import DETECTORS, get_detector
from emotions.engine.preprocess import decode_image, normalise


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))


def time_calls(call, repeats: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000.0)
    return samples


def face_timings(model_dir: Path, threads: int, faces: np.ndarray, repeats: int) -> dict:
    classifier = EmotionClassifier(model_dir, threads=threads)
    one = faces[:1]
    p50, p95 = percentiles(time_calls(lambda: classifier.predict(one), repeats))
    batch = faces[:32]
    batches = max(10, repeats // 20)
    batch_ms = time_calls(lambda: classifier.predict(batch), batches, warmup=3)
    return {
        "p50_ms_batch1": round(p50, 3),
        "p95_ms_batch1": round(p95, 3),
        "faces_per_s_batch32": round(32 * 1000.0 / float(np.median(batch_ms)), 1),
    }


def photo_jpeg() -> bytes:
    """A real 1280x720 photo with one face, JPEG-encoded as an upload would be."""
    import cv2
    from PIL import Image
    from skimage import data

    canvas = cv2.resize(data.rocket(), (1280, 720), interpolation=cv2.INTER_AREA)
    person = cv2.resize(data.astronaut(), (720, 720), interpolation=cv2.INTER_CUBIC)
    canvas[:, 280:1000] = person
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def keras_predict_p50(model_path: Path, face: np.ndarray, repeats: int) -> float:
    from emotions.engine.architectures import load

    model = load(model_path)
    x = normalise(face)
    return percentiles(time_calls(lambda: model.predict(x, verbose=0), repeats, warmup=5))[0]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="LiteRT threads for the headline numbers")
    parser.add_argument("--repeats", type=int, default=500, help="timed single-face calls")
    parser.add_argument("--photo-repeats", type=int, default=15)
    parser.add_argument(
        "--detectors",
        default="mtcnn,blazeface",
        help="comma-separated face detectors timed on the photo (default mtcnn,blazeface)",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.detectors.split(",") if name]
    unknown = sorted(set(names) - set(DETECTORS))
    if unknown or not names:
        parser.error(f"unknown detector(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(DETECTORS)}")
    if not (args.model_dir / "metadata.json").exists():
        parser.error(
            f"no exported model in {args.model_dir}; export one (manage.py train_emotion_model --export) "
            "or pass --model-dir"
        )

    faces = np.random.default_rng(0).integers(0, 256, size=(32, 48, 48), dtype=np.uint8)
    by_threads = {str(n): face_timings(args.model_dir, n, faces, args.repeats) for n in sorted({1, 2, args.threads})}
    headline = by_threads[str(args.threads)]

    predict_p50 = keras_predict_p50(args.model_dir / MODEL_FILE, faces[:1], repeats=max(30, args.repeats // 10))

    classifier = EmotionClassifier(args.model_dir, threads=args.threads)
    jpeg = photo_jpeg()
    photos = {}
    for name in names:
        detector = get_detector(name)
        found = []
        photo_ms = time_calls(
            lambda detector=detector, found=found: found.append(
                len(classifier.analyse_image(decode_image(jpeg), detector=detector))
            ),
            args.photo_repeats,
            warmup=2,
        )
        photos[name] = {"photo_ms_p50": round(percentiles(photo_ms)[0], 1), "photo_faces_found": found[-1]}
    first = photos[names[0]]

    report = {
        "model_version": classifier.version,
        "runtime": f"litert-{classifier.metadata['runtime']['quantization']}",
        "threads": args.threads,
        **headline,
        "predict_p50_ms_batch1": round(predict_p50, 3),
        "speedup_vs_predict": round(predict_p50 / headline["p50_ms_batch1"], 1),
        "photo_detector": names[0],
        "photo_ms_p50": first["photo_ms_p50"],
        "photo_faces_found": first["photo_faces_found"],
        "photo_by_detector": photos,
        "by_threads": by_threads,
        "goals": {
            "p50_ms_batch1 <= 5": headline["p50_ms_batch1"] <= 5.0,
            "speedup_vs_predict >= 20": predict_p50 / headline["p50_ms_batch1"] >= 20.0,
            **{f"photo_ms_p50 <= 25 ({name})": photo["photo_ms_p50"] <= 25.0 for name, photo in photos.items()},
        },
        "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:24s} {value}")
    return report


if __name__ == "__main__":
    main()
