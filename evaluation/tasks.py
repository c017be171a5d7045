"""Background work of the star ratings.

- `certificate_bundle_task(job_id, round_id)`: every certificate of a round as PDFs in one
  ZIP (private storage), with the job's progress bar; rerunning it writes the same ZIP.
- `finalise_due_rounds()` (beat, daily): results whose public notice is over without an
  objection waiting become final, acting as the cadre who opened the round (the rating is
  recorded in their name, as if they had clicked "Finalise"). A round whose opener may no
  longer change it is left for its cadres to finalise on its page. Idempotent: a second
  run finds nothing due.
"""

from __future__ import annotations

import io
import logging
import zipfile

from celery import shared_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone

from hubportal.history import history_context
from hubportal.jobs import ProgressReporter
from hubportal.tasks import running_job

logger = logging.getLogger(__name__)


@shared_task(name="evaluation.certificate_bundle")
def certificate_bundle_task(job_id: int, round_id: int) -> str:
    from .certificates import certificate_pdf
    from .models import Certificate

    certificates = list(
        Certificate.objects.filter(rating__round_id=round_id)
        .select_related("rating__subject__owner_unit", "rating__round__unit")
        .order_by("pk")
    )
    with running_job(job_id, len(certificates)) as job:
        progress = ProgressReporter(job)
        try:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
                for done, certificate in enumerate(certificates, start=1):
                    name = f"{certificate.rating.subject.name}-{certificate.code}.pdf".replace("/", "_")
                    bundle.writestr(name, certificate_pdf(certificate))
                    progress(done, len(certificates))
            path = f"private/evaluation/bundles/round-{round_id}-job-{job_id}.zip"
            if default_storage.exists(path):
                default_storage.delete(path)
            saved = default_storage.save(path, ContentFile(buffer.getvalue()))
        finally:
            progress.close()
        job.succeed({"file": saved, "count": len(certificates)})
    return saved


@shared_task(name="evaluation.finalise_due_rounds")
def finalise_due_rounds() -> dict[str, int]:
    from .models import Round, Subject
    from .services import finalise_round

    today = timezone.localdate()
    due = (
        Round.objects.filter(
            subjects__result=Subject.Result.IN_NOTICE,
            subjects__notice_until__lt=today,
            created_by__isnull=False,
        )
        .select_related("created_by")
        .distinct()
    )
    finalised = skipped = 0
    for round_obj in due:
        actor = round_obj.created_by
        try:
            with history_context(task="evaluation.finalise_due_rounds"):
                finalised += finalise_round(actor, round_obj.pk)
        except (ValidationError, PermissionDenied, Http404) as refusal:
            skipped += 1
            logger.info("round %s not finalised automatically: %s", round_obj.pk, refusal)
    return {"finalised": finalised, "rounds_skipped": skipped}
