"""Background tasks of the registry: applying a bulk import (started by the service
`orgs.services.start_import`, which records the job; the rows are written by the service
`orgs.services.import_organizations`).

Tasks take primary keys. The import runs in ONE transaction; its progress is written on a
separate database connection (autocommit), so the page polling the job sees the bar move
while the import's own transaction is still open (`hubportal.imports.run_import_job`).
"""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from hubportal.imports import run_import_job

from .importing import apply_file
from .models import Organization, StatusChange


@shared_task(name="orgs.apply_import")
def apply_import(job_id: int) -> dict[str, int]:
    """Apply a checked import file (stored at `job.result["file"]`) for `job.user`.

    Idempotent: a job that already succeeded is left alone, and re-applying the same file
    changes nothing because unchanged rows are skipped.
    """
    return run_import_job(
        job_id,
        apply_file,
        lambda counts: _("%(create)d added, %(update)d updated, %(unchanged)d unchanged.") % counts,
        analyze=[Organization, StatusChange],
    )
