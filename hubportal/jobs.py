"""Long work in the background: start it with a `Job` row, report its progress.

`start_job()` is how a service hands heavy work (an import, a tracking run, a batch of
certificates) to Celery: the row is written in the service's transaction and the task is
queued when it commits, so a refused or rolled-back action starts nothing. Pages poll the
row (`/jobs/<id>/`) for the progress bar.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from celery import Task
from django.db import connection

from .models import Job
from .tasks import enqueue

logger = logging.getLogger(__name__)


def start_job(actor: Any, task: Task, *args: Any, kind: str, title: str, result: dict | None = None) -> Job:
    """Record a job for `actor` and queue `task(job.pk, *args)` once the transaction commits."""
    job = Job.objects.create(
        kind=kind,
        title=str(title)[:200],
        user=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        result=result or {},
    )
    enqueue(task, job.pk, *args, job=job)
    return job


class ProgressReporter:
    """Writes `done/total` of a job on its own autocommit connection (best effort), so the
    bar moves while the task's own long transaction is still open."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.conn: Any = None
        try:
            self.conn = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        except psycopg.Error:
            logger.warning("no progress connection for job %s", job.pk)

    def __call__(self, done: int, total: int) -> None:
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE hubportal_job SET done = %s, total = %s WHERE id = %s", [done, total, self.job.pk]
                )
        except psycopg.Error:
            logger.warning("progress of job %s not recorded", self.job.pk)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
