"""Background work of the training app: a camp's certificates (a job with a progress bar),
and the beat sweeps that pass expired seat offers on and give seats back to the waiting
list when quotas return to the pool. Every task is idempotent: re-running creates no
certificate twice and moves nobody twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hubportal.history import history_context
from hubportal.models import Job
from hubportal.tasks import running_job


@shared_task(name="training.generate_certificates")
def generate_certificates_task(job_id: int, camp_pk: int, base_url: str = "") -> dict[str, Any]:
    """Draw the missing certificates of a finished camp, the job's bar moving as it goes."""
    from .certificates import generate_for_camp

    with history_context(actor="training.generate_certificates"), running_job(job_id) as job:

        def progress(done: int, total: int) -> None:
            if job.total != total:
                Job.objects.filter(pk=job.pk).update(total=total)
                job.total = total
            job.advance(done)

        result = generate_for_camp(camp_pk, base_url, progress)
        job.result = result
        return result


@shared_task(name="training.expire_seat_offers")
def expire_seat_offers_task() -> int:
    """Beat, every ten minutes: offers not accepted in time pass on to the next in line."""
    from . import services

    with history_context(actor="training.expire_seat_offers"):
        return services.expire_seat_offers(None)


@shared_task(name="training.release_quota_seats")
def release_quota_seats_task() -> int:
    """Beat, daily: quotas past their return date give their free seats to the waiting list."""
    from . import services

    with history_context(actor="training.release_quota_seats"):
        return services.release_quota_seats(None)
