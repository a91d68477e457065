"""The web process queues tasks on the configured broker, as a worker reads them."""

import os
import subprocess
import sys

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


def test_a_task_queued_by_the_web_process_goes_to_redis_url():
    # A subprocess: this one has imported celery_app already (the test worker), daphne has not.
    code = (
        "import django; django.setup()\n"
        "from emotions.tasks import analyse_detection as task\n"
        "print(task.app.main, task.app.conf.broker_url)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fermusic.settings", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["fermusic", "redis://127.0.0.1:6379/0"], result.stderr
