"""A worker loads the emotion model and the face detector when it starts, in a thread of
its own, so that the first analysis does not wait for them and start-up is not delayed."""

import logging
import os
import threading
from pathlib import Path

from celery.signals import worker_process_init

from emotions.engine import classifier as classifier_module
from emotions.services import analysis
from emotions.tasks import load_model_when_a_worker_starts
from fermusic import embedded
from tests.support.engine import tiny_model_dir


def warm_up_threads(responses) -> list[threading.Thread]:
    return [thread for receiver, thread in responses if receiver is load_model_when_a_worker_starts]


class RecordingDetector:
    def __init__(self):
        self.images = []

    def detect(self, rgb):
        self.images.append(rgb.shape)
        return []


def test_a_starting_worker_process_loads_the_classifier_and_runs_the_detector(settings, monkeypatch):
    settings.EMOTION_MODEL_DIR = tiny_model_dir()
    key = (os.getpid(), str(Path(settings.EMOTION_MODEL_DIR).resolve()))
    classifier_module._instances.pop(key, None)
    # The real MTCNN is warmed up by a real server (bench/startup.py); here, in a process
    # that has just trained the tiny model with Keras, a stand-in records that it ran.
    detector = RecordingDetector()
    monkeypatch.setattr(analysis, "face_detector", lambda: detector)

    # What a prefork child (and the solo pool) sends as it starts.
    (thread,) = warm_up_threads(worker_process_init.send(sender=None))
    assert thread.name == "model-warm-up" and thread.daemon
    thread.join(timeout=120)

    assert key in classifier_module._instances
    assert detector.images == [(240, 320, 3)]


def test_a_missing_model_is_logged_and_the_worker_carries_on(settings, tmp_path, caplog):
    settings.EMOTION_MODEL_DIR = tmp_path / "no-model"
    with caplog.at_level(logging.ERROR, logger="emotions.services.analysis"):
        assert analysis.warm_up_model() is False
    assert "could not be loaded at worker start" in caplog.text
    assert "metadata.json is missing" in caplog.text


def test_the_embedded_worker_warms_the_model_in_the_background_without_delaying_start_up(settings, monkeypatch):
    settings.EMBEDDED_WORKER = True
    release, warmed = threading.Event(), []

    def slow_warm_up():
        release.wait(timeout=30)
        warmed.append(threading.current_thread())

    monkeypatch.setattr(analysis, "warm_up_model", slow_warm_up)
    # Build the embedded worker for real (its solo pool sends worker_process_init), but
    # neither consume nor run beat: the suite's own worker owns the broker.
    monkeypatch.setattr(embedded, "_worker", None)
    monkeypatch.setattr(embedded.app.WorkController, "start", lambda self: None)
    monkeypatch.setattr("celery.beat.EmbeddedService", lambda *args, **kwargs: threading.Thread(target=lambda: None))

    assert embedded.start_embedded_worker() is not None
    assert warmed == []  # start-up returned while the model was still loading
    (thread,) = [t for t in threading.enumerate() if t.name == "model-warm-up"]
    release.set()
    thread.join(timeout=30)
    assert warmed == [thread] and thread is not threading.main_thread()
