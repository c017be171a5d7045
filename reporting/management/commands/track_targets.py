"""`manage.py track_targets --period 2026Q3`: the quarterly tracking run, synchronously."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hubportal.history import history_context
from reporting.tracking import Quarter, track_targets


class Command(BaseCommand):
    help = "Compute every target snapshot of a quarter (the same code the Celery task runs)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="A quarter such as 2026Q3 (default: the current quarter).")

    def handle(self, *args, **options) -> None:
        period = options["period"] or str(Quarter.containing(timezone.localdate()))
        try:
            with history_context(actor="manage.py track_targets"):
                result = track_targets(
                    period,
                    progress=lambda done, total, message: self.stdout.write(f"{done}/{total} {message}"),
                )
        except ValidationError as exc:
            # A bad quarter, one that has not started or a closed one: its message, no traceback.
            raise CommandError(exc.messages[0]) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['period']}: {result['snapshots']} snapshots of {result['rules']} targets {result['statuses']}"
            )
        )
