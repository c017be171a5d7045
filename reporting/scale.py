"""The reporting app's share of `manage.py seed_scale`: ten years of monthly reports
(月度通报) for every unit that files them, with their values, written with COPY.

Mostly approved and on time; some late, some returned, some never filed, and the most
recent month partly still awaiting approval, so completeness and tracking have real work.
The demo forms and programmes are created too, so the tracking benchmark has every target,
and the quarters of the current year are tracked (past ones closed), so the dashboards have
snapshots and evidence straight after `seed_scale`; the tables are analysed first.
"""

from __future__ import annotations

import random
import time as time_module
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from orgs.models import LeagueUnit

from . import demo
from .models import MetricType, ReportForm, TargetSnapshot, add_months

YEARS = 10


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def generate(context: Any) -> None:
    """Called by seed_scale inside its transaction (history triggers off)."""
    from hubportal.bulk import copy_rows, reserve_ids

    rng: random.Random = context.rng
    today = timezone.localdate()
    units = {str(u.code): u for u in LeagueUnit.objects.filter(code__in=["440000", "442000"])}
    monthly, _quarterly = demo.seed_forms(units, today.year)
    if "442000" in units:
        demo.seed_programmes(units, today.year)
    # Ten years of forms in use: the scale form is active from the first generated month.
    first = add_months(today.replace(day=1), -12 * YEARS)
    ReportForm.objects.filter(pk=monthly.pk).update(active_from=first)
    monthly.refresh_from_db()
    filers = [u for u in context.units if monthly.applies_to(u)]
    metrics = {m.code: m for m in monthly.metrics.all()}
    periods = [add_months(first, i) for i in range(12 * YEARS)]
    now = timezone.now()

    plan: list[tuple[Any, date, str, datetime | None]] = []
    for unit in filers:
        for start in periods:
            end = add_months(start, 1) - timedelta(days=1)
            deadline = monthly.deadline_for(end)
            roll = rng.random()
            if deadline >= today:
                if roll < 0.4:
                    plan.append((unit, start, "submitted", _aware(deadline - timedelta(days=2), 11)))
                continue
            if roll < 0.03:
                continue  # never filed
            late = roll < 0.10
            status = "returned" if 0.10 <= roll < 0.13 else "approved"
            offset = timedelta(days=rng.randint(1, 20)) if late else -timedelta(days=rng.randint(0, 4))
            plan.append((unit, start, status, min(_aware(deadline + offset, 15), now)))

    ids = reserve_ids("reporting_report", len(plan))
    report_rows = []
    for report_id, (unit, start, status, submitted) in zip(ids, plan, strict=True):
        end = add_months(start, 1) - timedelta(days=1)
        approved = submitted + timedelta(days=2) if status == "approved" and submitted else None
        report_rows.append(
            (
                report_id,
                monthly.pk,
                unit.id,
                start,
                end,
                monthly.deadline_for(end),
                status,
                submitted,
                submitted,
                approved,
                None,
                None,
                1,
                None,
                submitted or now,
                now,
            )
        )

    def value_rows() -> Any:
        # Streamed into COPY: a million and a half rows need not sit in memory.
        for report_id in ids:
            founded = rng.randint(0, 2)
            values = {
                "orgs_contacted": rng.randint(1, 15) if rng.random() > 0.02 else rng.randint(40, 80),
                "branches_founded": founded,
                "members": rng.randint(0, 12),
                "subsidy_first": Decimal(300 * founded),
                "subsidy_second": Decimal(300 * rng.randint(0, founded)),
                "coverage": Decimal(rng.randint(10, 90)),
                "narrative": rng.choice(demo.NARRATIVES),
            }
            for code, value in values.items():
                metric = metrics[code]
                yield (
                    report_id,
                    metric.pk,
                    value if metric.type == MetricType.INTEGER else None,
                    value if metric.type in (MetricType.MONEY, MetricType.PERCENT) else None,
                    value if metric.type == MetricType.TEXT else "",
                    "",
                )

    copy_rows(
        "reporting_report",
        [
            "id",
            "form_id",
            "unit_id",
            "period_start",
            "period_end",
            "deadline",
            "status",
            "first_submitted_at",
            "submitted_at",
            "approved_at",
            "approved_by_id",
            "unlocked_until",
            "version",
            "updated_by_id",
            "updated_at",
            "created_at",
        ],
        report_rows,
    )
    written = copy_rows(
        "reporting_reportvalue",
        ["report_id", "metric_id", "int_value", "decimal_value", "text_value", "file"],
        value_rows(),
    )
    context.report(f"monthly reports ({len(report_rows):,}) and their values", 0, written)
    from django.db import connection

    # Fresh statistics for everything loaded so far (the registry's and the other apps' COPYs
    # included: this module runs last), so that the tracking below plans its queries on
    # real row counts — autovacuum would analyse them only later.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time_module.perf_counter()
    demo.track_year(today.year, today)
    context.report(
        f"target snapshots of {today.year} (quarters tracked, past ones closed)",
        time_module.perf_counter() - started,
        TargetSnapshot.objects.count(),
    )
