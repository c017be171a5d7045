"""Background tasks of the registry: applying a bulk import.

Tasks take primary keys. The import runs in ONE transaction; its progress is written on a
separate database connection (autocommit), so the page polling the job sees the bar move
while the import's own transaction is still open.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext as _

from hubportal.history import history_context
from hubportal.models import Job
from hubportal.tasks import running_job

from .importing import ImportFileError, ImportRejected, apply_file

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Writes `done/total` of a job on its own autocommit connection (best effort)."""

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


@shared_task(name="orgs.apply_import")
def apply_import(job_id: int) -> dict[str, int]:
    """Apply a checked import file (stored at `job.result["file"]`) for `job.user`.

    Idempotent: a job that already succeeded is left alone, and re-applying the same file
    changes nothing because unchanged rows are skipped.
    """
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return job.result.get("counts", {})
    stored, name = job.result["file"], job.result["name"]
    user = get_user_model().objects.get(pk=job.user_id)
    with default_storage.open(stored, "rb") as handle:
        content = handle.read()
    with running_job(job_id) as running:
        reporter = ProgressReporter(running)
        try:
            with history_context(user=user.pk, actor=f"import:{name}"):
                counts = apply_file(name, content, user, progress=reporter)
        except (ImportRejected, ImportFileError) as exc:
            running.fail(getattr(exc, "message", None) or str(exc))
            return {}
        except (ValidationError, PermissionDenied) as exc:
            running.fail(
                _("Nothing was imported: %(e)s") % {"e": " ".join(getattr(exc, "messages", [str(exc)]))}
            )
            return {}
        finally:
            reporter.close()
        running.refresh_from_db(fields=["total"])
        running.succeed(
            {**job.result, "counts": counts},
            _("%(create)d added, %(update)d updated, %(unchanged)d unchanged.") % counts,
        )
    default_storage.delete(stored)
    return counts
