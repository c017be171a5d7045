"""A real Celery worker on Redis runs a task against the test database."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hubportal import tasks
from hubportal.models import Job

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db, settings):
    """Start `celery worker` in a subprocess on a private queue of the local Redis."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.HUB_QUEUES = (queue,)  # /healthz: every queue of this portal has its worker
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hubportal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.celery_worker
def test_real_worker_runs_a_task_on_the_test_database(worker, client):
    from tests.conftest import make_user

    client.force_login(make_user("monitor_staff", is_staff=True))  # the worker names are for staff
    tasks._broker_state.update(ok=None, checked=0.0)
    old = Job.objects.create(
        kind="t", title="old", status=Job.Status.SUCCEEDED, finished_at=timezone.now() - timedelta(days=200)
    )
    assert tasks.ping.apply_async(queue=worker).get(timeout=60) == "pong"
    assert tasks.cleanup_old_jobs.apply_async(queue=worker).get(timeout=30) == 1
    assert not Job.objects.filter(pk=old.pk).exists()

    deadline = time.monotonic() + 20
    while True:
        response = client.get("/healthz")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200
    assert any(name.startswith(worker) for name in response.json()["celery"]["workers"])


@pytest.mark.celery_worker
def test_real_worker_delivers_the_outbox(worker):
    from hubportal.models import OutboxMessage

    message = OutboxMessage.objects.create(
        channel="email", recipient="group@example.cn", subject="您的组织已列入名录", body="正文"
    )
    assert tasks.deliver_messages.apply_async(args=[[message.pk]], queue=worker).get(timeout=60) == {
        "sent": 1
    }
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    # Retried by the beat sweep: nothing is due, nothing is sent twice.
    assert tasks.deliver_due_messages.apply_async(queue=worker).get(timeout=30) == {}
