"""Background tasks of the registry: applying a bulk import (started by the service
`orgs.services.start_import`, which records the job; every row goes through the services).

Tasks take primary keys. The import runs in ONE transaction; its progress is written on a
separate database connection (autocommit), so the page polling the job sees the bar move
while the import's own transaction is still open.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from hubportal.history import history_context
from hubportal.jobs import ProgressReporter
from hubportal.models import Job
from hubportal.tasks import running_job

from .importing import ImportFileError, ImportRejected, apply_file

logger = logging.getLogger(__name__)


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
    user = get_user_model().objects.filter(pk=job.user_id).first() if job.user_id is not None else None
    if user is None:
        with running_job(job_id) as running:
            running.fail(_("The account that started this import no longer exists; nothing was imported."))
        return {}
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
