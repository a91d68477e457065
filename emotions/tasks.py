import logging
import threading

from celery import shared_task
from celery.signals import task_revoked, worker_process_init
from django.db import DatabaseError

from emotions.live import analysis as live_analysis
from emotions.services import analysis
from fermusic.lib.errors import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=4,
)
def analyse_detection(self, detection_id: str):
    """Analyse one detection. Transient database or connection errors are retried;
    anything else, or running out of retries, marks the detection failed."""
    try:
        analysis.run_analysis(detection_id)
    except TRANSIENT_ERRORS:
        if self.request.retries >= self.max_retries:
            logger.exception("Detection %s failed after %d retries", detection_id, self.request.retries)
            analysis.fail_detection(detection_id)
            return
        raise
    except DatabaseError:
        logger.exception("Database error analysing detection %s", detection_id)
        analysis.fail_detection(detection_id)
    except Exception:
        logger.exception("Unexpected error analysing detection %s", detection_id)
        analysis.fail_detection(detection_id)


@shared_task
def sweep_detections():
    return analysis.sweep()


@shared_task(bind=True, acks_late=False, ignore_result=True)
def analyse_frame(self, frame: str):
    """Analyse one live-mode webcam frame (base64 JPEG) and answer the consumer that
    sent it. Acknowledged on receipt and never retried: a frame redelivered after a
    worker died would be stale, and the consumer has moved on by then."""
    live_analysis.answer_frame(frame, self.request.live_reply)


@task_revoked.connect
def _answer_expired_frame(sender=None, request=None, expired=False, **kwargs):
    # A frame that expired in the queue is discarded by the worker without running the
    # task; telling its consumer lets the next frame go at once instead of timing out.
    if expired and getattr(sender, "name", None) == analyse_frame.name:
        live_analysis.answer_expired(request.live_reply)


@worker_process_init.connect
def load_model_when_a_worker_starts(**kwargs):
    # Sent in each prefork child (never in the prefork parent) and by the solo pool, which
    # the embedded worker creates inside the web process as it starts. In a thread: the
    # load takes seconds, which would delay serving, and a prefork child that does not
    # report in within 4 s (worker_proc_alive_timeout) is killed by its parent. A task
    # arriving meanwhile waits on the classifier's and detector's locks, not twice as long.
    thread = threading.Thread(target=analysis.warm_up_model, name="model-warm-up", daemon=True)
    thread.start()
    return thread
