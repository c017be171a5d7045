"""Long work in the background: start it with a `Job` row, report its progress.

`start_job()` is how a service hands heavy work (an import, a tracking run, a batch of
certificates) to Celery: the row is written in the service's transaction and the task is
queued when it commits, so a refused or rolled-back action starts nothing. Pages poll the
row (`/jobs/<id>/`) for the progress bar.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import psycopg
from celery import Task
from django.db import connection
from django.db.models import Q
from django.utils import translation

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
        language=translation.get_language() or "",
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
                    "UPDATE hubportal_job SET done = %s, total = %s, heartbeat_at = now() WHERE id = %s",
                    [done, total, self.job.pk],
                )
        except psycopg.Error:
            logger.warning("progress of job %s not recorded", self.job.pk)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def fail_stale_jobs(running_minutes: int = 5, pending_minutes: int = 30) -> int:
    """Mark failed, and tell their users, the jobs whose worker died (running, no sign of life
    for `running_minutes`) and those no worker picked up (queued for `pending_minutes`).
    One UPDATE; a job that comes back to life later (redelivered) simply runs again."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from .outbox import queue_message

    now = timezone.now()
    lost = Q(status=Job.Status.RUNNING) & (
        Q(heartbeat_at__lt=now - timedelta(minutes=running_minutes))
        | Q(heartbeat_at__isnull=True, started_at__lt=now - timedelta(minutes=running_minutes))
    )
    unclaimed = Q(status=Job.Status.PENDING, created_at__lt=now - timedelta(minutes=pending_minutes))
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        stale = list(
            Job.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(lost | unclaimed)
            .select_related("user")
        )
        for job in stale:
            job.message = (
                _(
                    "The background worker stopped while running this job; nothing of it was kept. Start it again."
                )
                if job.status == Job.Status.RUNNING
                else _(
                    "No background worker took this job up; ask an administrator to check the workers, then start it again."
                )
            )
            job.status, job.finished_at = Job.Status.FAILED, now
            job.save(update_fields=["status", "message", "finished_at"])
            if job.user is not None:
                queue_message(
                    subject=_("Your background job failed: %(title)s") % {"title": job.title},
                    body=job.message,
                    email=job.user.email,
                    phone=job.user.phone,
                    user=job.user,
                    tags=("job",),
                )
    return len(stale)
