"""Generate a province at full scale for benchmarks: ~2,000 league units, 200,000
organizations and 1,000,000 backbone members by default, in minutes (COPY, triggers off).

Run it against a database of its own, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale manage.py ensure_database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale manage.py seed_scale
Each domain app may add its share with a `<app>.scale.generate(context)` function.
"""

from __future__ import annotations

import random
import time

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from hubportal.history import history_context
from hubportal.registry import app_modules
from orgs import scale
from orgs.models import LeagueUnit, Organization

from . import seed_demo


class Command(BaseCommand):
    help = "Generate a province at full scale (units, organizations, people) for benchmarks."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--units", type=int, default=2000, help="league units in the tree (default 2000)")
        parser.add_argument("--orgs", type=int, default=200_000, help="organizations (default 200000)")
        parser.add_argument(
            "--people", type=int, default=1_000_000, help="backbone members (default 1000000)"
        )
        parser.add_argument(
            "--seed", type=int, default=20120504, help="random seed (the data is deterministic)"
        )
        parser.add_argument(
            "--force", action="store_true", help="add the data even though the database already holds a tree"
        )

    def handle(self, *args, **options) -> None:
        if min(options["units"], options["orgs"], options["people"]) < 0 or options["units"] < 1:
            raise CommandError("--units must be at least 1; --orgs and --people cannot be negative.")
        if LeagueUnit.objects.exists() and not options["force"]:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} already holds a league tree "
                f"({LeagueUnit.objects.count()} units, {Organization.objects.count()} organizations). "
                "Point DATABASE_URL at a database of its own (e.g. .../hub_scale), or pass --force to add to it."
            )
        rng = random.Random(options["seed"])  # noqa: S311 - seeded scale data, not a secret
        timer = scale.Timer(self.stdout.write)
        self.stdout.write(
            f"seed_scale into {connection.settings_dict['NAME']}: {options['units']:,} units, "
            f"{options['orgs']:,} organizations, {options['people']:,} people"
        )
        with transaction.atomic(), pgtrigger.ignore(), history_context(actor="seed_scale"):
            started = time.perf_counter()
            units = scale.generate_units(options["units"], rng)
            timer.report("league units", time.perf_counter() - started, len(units))

            started = time.perf_counter()
            organizations = scale.generate_organizations(units, options["orgs"], rng)
            timer.report("organizations", time.perf_counter() - started, len(organizations))

            started = time.perf_counter()
            people = scale.generate_people(units, organizations, options["people"], rng)
            timer.report("backbone members", time.perf_counter() - started, people)

            started = time.perf_counter()
            related = scale.generate_related(units, organizations, rng)
            timer.report(
                " and ".join(related) or "related records",
                time.perf_counter() - started,
                sum(related.values()),
            )

            context = scale.ScaleContext(units, organizations, rng, options, timer.report)
            for module in seed_demo.last_reporting(app_modules("scale", exclude=("orgs",))):
                started = time.perf_counter()
                module.generate(context)
                timer.report(f"{module.__name__}.generate", time.perf_counter() - started, 0)
            users = scale.ensure_bench_users(units)
        started = time.perf_counter()
        # Every table at the very end, after the last bulk write of every app (the target
        # snapshots, tracking runs and the cards included): an earlier ANALYZE would leave the
        # planner with the statistics of half-empty tables until autovacuum gets there. VACUUM
        # too, as autovacuum would soon: until the visibility map is set, every index-only scan
        # reads the heap (the province's card shares took 16 s instead of 5.5 s).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)" if not connection.in_atomic_block else "ANALYZE")
        timer.report("vacuum and analyze", time.perf_counter() - started, 0)
        self.stdout.write(self.style.SUCCESS(f"Done. Benchmark users: {', '.join(users) or 'none'}."))
