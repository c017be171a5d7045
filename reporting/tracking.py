"""Quarterly target tracking: every applicable unit's value, threshold and status on every
target, stored as one snapshot per (target, unit, quarter).

The run is set-based: the units are loaded once, grouped by which targets apply to them
(plain Python on loaded rows), and each metric is called once per counting window for all
its units. Re-running a quarter deletes and rewrites that quarter's snapshots inside one
transaction, so a run killed half-way leaves the previous snapshot intact and the next run
writes the whole quarter again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pgtrigger
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import LeagueUnit

from .metrics import REPORT_PREFIX, registry, report_metric_totals
from .models import Comparator, TargetRule, TargetSnapshot, Window, add_months

SNAPSHOT_TRIGGERS = ("reporting.TargetSnapshot:insert_insert", "reporting.TargetSnapshot:delete_delete")
PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = PERIOD_RE.match((text or "").strip().upper())
        # Years outside 2000–2099 are typing errors (and 9999Q4 would overflow its end date).
        if not match or not 2000 <= int(match.group(1)) <= 2099:
            raise ValidationError(_("“%(period)s” is not a quarter such as 2026Q3.") % {"period": text})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 3) - timedelta(days=1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def window_of(rule: TargetRule, quarter: Quarter) -> tuple[date | None, date, date]:
    """(start, end, deadline) of what a rule counts in a quarter; start None = since ever."""
    if rule.window == Window.QUARTER:
        return quarter.start, quarter.end, quarter.end
    if rule.window == Window.YEAR:
        year_end = date(quarter.year, 12, 31)
        return (
            date(quarter.year, 1, 1),
            quarter.end,
            min(rule.deadline, year_end) if rule.deadline.year == quarter.year else year_end,
        )
    start = None if rule.window == Window.TO_DATE else rule.programme.launch_on
    return start, min(quarter.end, rule.deadline), rule.deadline


def meets(comparator: str, value: Decimal, threshold: Decimal) -> bool:
    if comparator == Comparator.LTE:
        return value <= threshold
    if comparator == Comparator.EQ:
        return value == threshold
    return value >= threshold


def status_of(rule: TargetRule, value: Decimal | None, start: date, deadline: date, as_of: date) -> str:
    """met / overdue / on track / behind (pro-rata of the time elapsed), or no data."""
    Status = TargetSnapshot.Status
    if value is None:
        return Status.NO_DATA
    if meets(rule.comparator, value, rule.threshold):
        return Status.MET
    if as_of > deadline:
        return Status.OVERDUE
    if rule.comparator != Comparator.GTE or rule.threshold == 0:
        return Status.BEHIND
    span = max((deadline - start).days, 1)
    elapsed = min(max((as_of - start).days, 0), span) / span
    return Status.ON_TRACK if value / rule.threshold >= Decimal(str(elapsed)) else Status.BEHIND


def load_units(root: LeagueUnit | None = None) -> list[LeagueUnit]:
    qs = LeagueUnit.objects.filter(is_active=True).only(
        "pk", "path", "level", "kind", "region", "is_undergraduate", "parent_id", "name"
    )
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return list(qs.order_by("path"))


def track_targets(
    period: str,
    today: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    batch_size: int = 5000,
) -> dict[str, Any]:
    """Compute and store every (target, unit) snapshot of a quarter; returns a summary.

    Queries: the rules, the units, one metric call per (metric, window) — a fixed number
    set by the programmes, never by the number of units — then one DELETE and the INSERTs.
    """
    quarter = Quarter.parse(period)
    today = today or timezone.localdate()
    as_of = min(today, quarter.end)
    rules = list(
        TargetRule.objects.select_related("programme", "programme__owner")
        .filter(programme__start_year__lte=quarter.year, programme__end_year__gte=quarter.year)
        .order_by("programme_id", "order", "pk")
    )
    units = load_units()
    # Group the units each rule applies to, then the rules by what they must compute.
    jobs: dict[tuple[str, date | None, date], set[int]] = defaultdict(set)
    plan: list[tuple[TargetRule, list[LeagueUnit], date | None, date, date]] = []
    for rule in rules:
        if rule.programme.launch_on > quarter.end:
            continue  # not launched yet in this quarter
        applicable = [u for u in units if rule.applies_to(u)]
        start, end, deadline = window_of(rule, quarter)
        if not applicable:
            continue
        plan.append((rule, applicable, start, end, deadline))
        jobs[(rule.metric, start, end)].update(u.pk for u in applicable)
    by_pk = {u.pk: u for u in units}
    results: dict[tuple[str, date | None, date], dict[int, Decimal] | None] = {}
    confirmed: dict[tuple[str, date | None, date], dict[int, Decimal]] = {}
    total_steps = len(jobs) + 1
    for step, ((code, start, end), unit_ids) in enumerate(
        sorted(jobs.items(), key=lambda j: (j[0][0], j[0][1] or date.min, j[0][2]))
    ):
        metric = registry.get(code)
        job_units = [by_pk[pk] for pk in sorted(unit_ids)]
        results[(code, start, end)] = metric.compute(job_units, start, end) if metric is not None else None
        if code.startswith(REPORT_PREFIX):
            confirmed[(code, start, end)] = report_metric_totals(
                code[len(REPORT_PREFIX) :], job_units, start, end, exclude_false=True
            )
        if progress is not None:
            progress(step + 1, total_steps, _("Computed %(metric)s") % {"metric": code})
    now = timezone.now()
    snapshots = []
    counts: dict[str, int] = defaultdict(int)
    for rule, applicable, start, end, deadline in plan:
        values = results.get((rule.metric, start, end))
        checked = confirmed.get((rule.metric, start, end))
        for unit in applicable:
            value = values.get(unit.pk) if values is not None else None
            status = status_of(
                rule,
                value,
                start if rule.window in (Window.YEAR, Window.QUARTER) and start else rule.programme.launch_on,
                deadline,
                as_of,
            )
            counts[status] += 1
            snapshots.append(
                TargetSnapshot(
                    rule=rule,
                    unit_id=unit.pk,
                    period=str(quarter),
                    value=value,
                    confirmed_value=checked.get(unit.pk) if checked is not None else None,
                    threshold=rule.threshold,
                    status=status,
                    computed_at=now,
                )
            )
    # Snapshots are derived data rewritten whole every run: their per-row change events would
    # only repeat `computed_at`, so the history triggers are skipped for this rewrite.
    with transaction.atomic(), pgtrigger.ignore(*SNAPSHOT_TRIGGERS):
        # Replace the quarter exactly: a rule or unit that no longer applies loses its row.
        TargetSnapshot.objects.filter(period=str(quarter)).delete()
        TargetSnapshot.objects.bulk_create(snapshots, batch_size=batch_size)
    if progress is not None:
        progress(total_steps, total_steps, _("Saved %(n)s snapshots") % {"n": len(snapshots)})
    return {"period": str(quarter), "snapshots": len(snapshots), "rules": len(plan), "statuses": dict(counts)}
