"""The import runs on a real Celery worker on Redis, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from hubportal.models import Job
from orgs.models import Organization
from orgs.tasks import apply_import
from tests.orgs.test_import import GOOD, xlsx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def import_worker(transactional_db, settings, tmp_path):
    """A `celery worker` subprocess on a private queue, sharing the test database and media."""
    queue = f"test-import-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    command = [
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
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.celery_worker
def test_worker_applies_an_import_with_progress(import_worker, zhongshan_cadre, guzhen):
    stored = default_storage.save("private/imports/worker-test.xlsx", ContentFile(xlsx(*GOOD)))
    job = Job.objects.create(
        kind="orgs.import", title="worker", user=zhongshan_cadre, result={"file": stored, "name": "组织.xlsx"}
    )
    counts = apply_import.apply_async(args=[job.pk], queue=import_worker).get(timeout=120)
    assert counts == {"create": 3, "update": 0, "unchanged": 0}
    job.refresh_from_db()
    # the bar ran over the 3 rows checked again and the 3 written
    assert job.status == Job.Status.SUCCEEDED and job.done == job.total == 6
    assert Organization.objects.filter(governing_unit=guzhen).count() == 2
    assert not default_storage.exists(stored)
    # Running the same job again is a no-op.
    assert apply_import.apply_async(args=[job.pk], queue=import_worker).get(timeout=60) == counts
