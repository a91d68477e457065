"""Faults: a Celery worker killed mid-analysis, Redis restarted and PostgreSQL restarted
while photos are being uploaded. Every accepted detection ends done or failed (none
stuck, none lost), the site never answers 500, and while a service is down it answers
503 with a message.

Real processes against private services (tests/support/faults.py): a PostgreSQL cluster
and a redis-server of this module's own, daphne and prefork Celery workers. Celery beat
is played by the test, which queues the sweeper task every few seconds.
"""

import os
import pwd
import shutil
import time

import pytest

from emotions.services.analysis import STUCK_REASON
from fermusic.lib.errors import UNAVAILABLE_MESSAGE
from tests.e2e.server import BASE_DIR
from tests.support.faults import FINISHED, Stack, postgres_bin, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.timeout(240)]

# Short, so that the sweeper can fail a lost analysis within the test; the worker's soft
# time limit (5 s less) must still cover a fresh pool process loading the model.
DETECTION_TIMEOUT = 30
OUTAGE_SECONDS = 3


def _missing_programs() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if postgres_bin() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs a 'postgres' OS user to own the throwaway cluster"
    return None


def _model_dir():
    current = BASE_DIR / "emotions" / "weights" / "current"
    if (current / "metadata.json").exists():
        return current
    from tests.support.engine import tiny_model_dir

    return tiny_model_dir()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reason = _missing_programs()
    if reason:
        pytest.skip(reason)
    services = Stack(tmp_path_factory.mktemp("faults"), postgres_bin(), _model_dir(), DETECTION_TIMEOUT)
    try:
        services.start()
        yield services
    finally:
        services.stop()


@pytest.fixture
def site(stack):
    """The stack with every service up and a fresh record of answers. The test's own
    workers are killed afterwards, a warm one is kept for the next test; the services'
    logs are printed, which pytest shows when the test fails."""
    stack.ensure_running()
    stack.visitor.answers.clear()
    stack.visitor.errors.clear()
    yield stack
    stack.kill_workers(keep=stack.warm)
    print(stack.logs())


def assert_site_kept_answering(stack):
    visitor = stack.visitor
    assert not visitor.errors, f"The site stopped answering: {visitor.errors[:5]}\n{stack.logs()}"
    errors = visitor.server_errors()
    assert not errors, f"Server errors: {[(e.method, e.path, e.status, e.body[:300]) for e in errors[:5]]}"


def assert_unavailable_with_a_message(stack):
    """While the service was down the site said so: a 503 carrying the message, for the
    API (JSON) and, where the page needs the service, for the page (HTML)."""
    unavailable = stack.visitor.unavailable_answers()
    assert unavailable, "no 503 was seen while the service was down"
    for answer in unavailable:
        assert UNAVAILABLE_MESSAGE in answer.body, (answer.method, answer.path, answer.body[:300])


def assert_nothing_lost_or_stuck(stack, detections):
    """Every detection the site accepted exists, and no detection at all is left queued
    or running."""
    assert set(stack.visitor.accepted) - set(detections) == set(), "an accepted detection was lost"
    stuck = {pk: d for pk, d in detections.items() if d["status"] not in FINISHED}
    assert not stuck, stuck


def upload_burst(stack, count: int) -> list[str]:
    accepted = [stack.visitor.upload() for _ in range(count)]
    assert all(accepted), stack.visitor.answers[-count:]
    return accepted


def test_a_pool_process_killed_mid_analysis_hands_the_photo_to_its_replacement(site):
    worker = site.start_worker(alone=True)
    (detection_id,) = upload_burst(site, 1)
    # A fresh pool process loads the model inside its first analysis: seconds in which
    # the detection is 'running' and the process can be caught at work.
    site.wait_for_status(detection_id, {"running"}, timeout=60)
    worker.kill_pool_process()

    detection = site.wait_for_status(detection_id, FINISHED, timeout=90)
    assert detection["attempts"] == 2, "the task was redelivered to the worker's new pool process"
    assert detection["status"] == "done", detection
    assert_site_kept_answering(site)


def test_a_worker_killed_outright_mid_analysis_leaves_no_detection_stuck(site):
    worker = site.start_worker(alone=True)
    (detection_id,) = upload_burst(site, 1)
    site.wait_for_status(detection_id, {"running"}, timeout=60)
    worker.kill()
    site.start_worker()

    # The killed worker's message stays unacknowledged in Redis until the visibility
    # timeout; before that the sweeper fails the detection so that it can be re-run.
    detection = site.wait_all_finished(timeout=DETECTION_TIMEOUT + 60)[detection_id]
    assert detection["status"] in FINISHED
    if detection["status"] == "failed":
        assert detection["failure_reason"] == STUCK_REASON
    assert_site_kept_answering(site)


def test_a_redis_restart_during_uploads_leaves_every_detection_finished(site):
    site.warm_worker()
    with site.traffic() as traffic:
        wait_until(lambda: len(traffic.accepted) >= 3, 30, "uploads before the outage")
        upload_burst(site, 4)  # queued in Redis when it goes: these messages are lost
        site.redis.stop()
        wait_until(site.visitor.unavailable_answers, 30, "a 503 while Redis is down")
        time.sleep(OUTAGE_SECONDS)
        site.redis.start()
        after_restart = len(traffic.accepted)
        wait_until(lambda: len(traffic.accepted) >= after_restart + 3, 60, "uploads accepted after the restart")

    detections = site.wait_all_finished(timeout=DETECTION_TIMEOUT + 60)
    assert_nothing_lost_or_stuck(site, detections)
    assert detections[traffic.accepted[-1]]["status"] == "done", "the worker consumes again after the restart"
    assert_site_kept_answering(site)
    assert_unavailable_with_a_message(site)


def test_a_postgres_restart_during_uploads_leaves_every_detection_finished(site):
    site.warm_worker()
    with site.traffic() as traffic:
        wait_until(lambda: len(traffic.accepted) >= 3, 30, "uploads before the outage")
        upload_burst(site, 4)  # queued or running when the database goes
        site.postgres.stop()
        wait_until(site.visitor.unavailable_answers, 30, "a 503 while PostgreSQL is down")
        time.sleep(OUTAGE_SECONDS)
        site.postgres.start()
        after_restart = len(traffic.accepted)
        wait_until(lambda: len(traffic.accepted) >= after_restart + 3, 60, "uploads accepted after the restart")

    detections = site.wait_all_finished(timeout=DETECTION_TIMEOUT + 60)
    assert_nothing_lost_or_stuck(site, detections)
    assert detections[traffic.accepted[-1]]["status"] == "done", "the worker reconnects to the database"
    assert_site_kept_answering(site)
    assert_unavailable_with_a_message(site)
    pages = [a for a in site.visitor.unavailable_answers() if not a.path.startswith("/api/")]
    assert pages, "a page that needs the database answered 503 too"
