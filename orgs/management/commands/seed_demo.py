"""Load the demo data (idempotent): the Guangdong league tree, demo accounts, and whatever
each domain app adds through its `seed_demo` hook."""

from django.core.management.base import BaseCommand

from hubportal.history import history_context
from hubportal.registry import app_modules
from orgs import demo


def last_reporting(modules: list) -> list:
    """The reporting app's module last: it tracks the targets, so it counts what the other
    apps have just seeded."""
    return sorted(modules, key=lambda module: module.__name__.startswith("reporting."))


class Command(BaseCommand):
    help = "Load the demo data; safe to run again."

    def handle(self, *args, **options) -> None:
        with history_context(actor="seed_demo"):
            units = demo.seed_units()
            demo.seed_users(units)
            organizations = demo.seed_registry(units)
            # Each domain app may ship a `demo.seed(units)` that adds its records.
            for module in last_reporting(app_modules("demo", exclude=("orgs",))):
                module.seed(units)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(units)} league units, {organizations} new youth organizations."
            )
        )
