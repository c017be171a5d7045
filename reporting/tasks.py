"""Background work of the reporting app: target tracking and deadline reminders.

Both are idempotent. Tracking rewrites its quarter in one transaction, so a worker killed
mid-run (acks_late redelivers the task) leaves the previous snapshot and the next run
writes the whole quarter again; reminders record each step under a unique constraint
before sending, so a retry never sends one twice.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from hubportal.history import history_context
from hubportal.models import Job
from hubportal.tasks import running_job

from . import services
from .tracking import Quarter, close_due_quarters, is_closed, track_targets


@shared_task(name="reporting.track_targets")
def track_targets_task(period: str | None = None, job_id: int | None = None) -> dict[str, Any]:
    """Snapshot every target of `period` (default: the current quarter); the nightly beat run.

    Without a period (the beat) it first closes the quarters whose last report deadline has
    passed (`close_due_quarters`), each tracked one last time."""
    with history_context(actor="reporting.track_targets"):
        closed: list[str] = []
        if period is None:
            closed = close_due_quarters()
            period = str(Quarter.containing(timezone.localdate()))
        if job_id is not None:
            return _tracked(job_id, period)
        if is_closed(Quarter.parse(period)):
            return {"period": period, "skipped": "closed", "closed": closed}
        return track_targets(period) | {"closed": closed}


@shared_task(name="reporting.track_targets_job")
def track_targets_job(job_id: int, period: str) -> dict[str, Any]:
    """A tracking run a cadre started (`services.start_tracking`), its progress on the job."""
    with history_context(actor="reporting.track_targets"):
        return _tracked(job_id, period)


def _tracked(job_id: int, period: str) -> dict[str, Any]:
    with running_job(job_id, total=1) as job:

        def progress(done: int, total: int, message: str) -> None:
            if job.total != total:
                Job.objects.filter(pk=job.pk).update(total=total)
                job.total = total
            job.advance(done, message)

        result = track_targets(period, progress=progress)
        job.result = result
        return result


@shared_task(name="reporting.track_previous_quarter")
def track_previous_quarter_task() -> dict[str, Any]:
    """At the start of a quarter: track the quarter that just ended (it closes automatically
    after its last report deadline, or when the province closes it)."""
    return track_targets_task(str(Quarter.containing(timezone.localdate()).previous()))


@shared_task(name="reporting.send_reminders")
def send_reminders_task() -> dict[str, int]:
    with history_context(actor="reporting.send_reminders"):
        return services.send_due_reminders()
