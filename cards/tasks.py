"""Background tasks of the cards app: issuing a checked list of cards (started by
`cards.services.start_card_import`) and the nightly expiry of cards past their date.

Tasks take primary keys and are idempotent: a job that succeeded is left alone, re-applying
a list issues nothing twice (its cards are "unchanged"), expiring twice expires nothing more.
"""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from hubportal.history import history_context
from hubportal.imports import run_import_job

from . import services
from .importing import apply_file
from .models import Card, Holder


@shared_task(name="cards.apply_card_import")
def apply_card_import(job_id: int) -> dict[str, int]:
    """Issue the cards of the list stored at `job.result["file"]` for `job.user`, in ONE
    transaction, with the progress bar moving."""
    return run_import_job(
        job_id,
        apply_file,
        lambda counts: (
            _(
                "%(create)d cards issued, %(update)d people registered without a card, %(unchanged)d unchanged."
            )
            % counts
        ),
        analyze=[Card, Holder],
    )


@shared_task(name="cards.expire_cards")
def expire_cards() -> int:
    """Mark the active cards past their date expired (scheduled nightly by beat)."""
    with history_context(actor="cards.expire_cards"):
        return services.expire_cards()
