"""Quarterly target tracking: every applicable unit's value, threshold and status on every
target, stored as one snapshot per (target, unit, quarter), with the records behind it.

The run is set-based: the units are loaded once, grouped by which targets apply to them
(plain Python on loaded rows), and each metric is counted once per counting window for all
its units. For a metric with evidence (`reporting.metrics.Evidence`) the records are stored
(`EvidenceSet`/`EvidenceRow`) and every unit's value is aggregated from the stored rows in
the same statement, so every snapshot equals its drill-down, also after the records change.

A run replaces its quarter whole inside one transaction (a run killed half-way leaves the
previous snapshots), holds a per-quarter advisory lock (two runs of one quarter queue), and
refuses a quarter that has not started or that is closed: a closed quarter is frozen until
an administrator reopens it with a reason (`services.reopen_quarter`). Quarters close by the
province (`services.close_quarter`) or automatically after their last report deadline
(`close_due_quarters`, from the nightly task); closing runs the quarter one last time.

The status is judged on the value after spot checks where there is one (reported figures a
spot check found false are left out); registry facts found false do not count at all.
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
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import LeagueUnit

from .metrics import REPORT_PREFIX, Figures, Metric, registry, store_evidence
from .models import (
    Comparator,
    QuarterClosure,
    ReportForm,
    TargetRule,
    TargetSnapshot,
    Window,
    add_months,
)

SNAPSHOT_TRIGGERS = ("reporting.TargetSnapshot:insert_insert", "reporting.TargetSnapshot:delete_delete")
PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")
# Tables a run rewrites: their statistics are refreshed at its end (autovacuum may be late).
REWRITTEN_TABLES = ("reporting_targetsnapshot", "reporting_evidenceset", "reporting_evidencerow")


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

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def lock_key(self) -> int:
        # A constant namespace plus the quarter: the advisory lock of this quarter's runs.
        return 7_200_000 + self.year * 10 + self.number


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


def compared_code(code: str) -> tuple[str | None, Metric | None]:
    """The metric that measures the same fact from the other source (registry ↔ reports),
    and the registry metric whose tolerance decides the flag."""
    if code.startswith(REPORT_PREFIX):
        reported = code[len(REPORT_PREFIX) :]
        for metric in registry.all():
            if metric.report_metric == reported and metric.has_evidence:
                return metric.code, metric
        return None, None
    own = registry.get(code)
    if own is not None and own.report_metric and own.has_source:
        return f"{REPORT_PREFIX}{own.report_metric}", own
    return None, None


def refuse_untrackable(quarter: Quarter, today: date) -> None:
    if quarter.start > today:
        raise ValidationError(
            _("%(period)s has not started yet: it begins on %(start)s.")
            % {"period": quarter, "start": quarter.start}
        )


def is_closed(quarter: Quarter) -> bool:
    return QuarterClosure.objects.filter(period=str(quarter), closed=True).exists()


def refuse_closed(quarter: Quarter) -> None:
    if is_closed(quarter):
        raise ValidationError(
            _(
                "%(period)s is closed: its snapshots are frozen. An administrator must reopen it, "
                "with a reason, before it can be tracked again."
            )
            % {"period": quarter}
        )


Job = tuple[str, date | None, date]


@dataclass
class Plan:
    rules: list[tuple[TargetRule, list[LeagueUnit], date | None, date, date]]
    jobs: dict[Job, set[int]]
    comparisons: dict[Job, set[int]]


def plan_quarter(quarter: Quarter, units: list[LeagueUnit]) -> Plan:
    """Which units each rule applies to, and what must be counted (one query: the rules)."""
    rules = list(
        TargetRule.objects.select_related("programme", "programme__owner")
        .filter(programme__start_year__lte=quarter.year, programme__end_year__gte=quarter.year)
        .order_by("programme_id", "order", "pk")
    )
    plan = Plan([], defaultdict(set), defaultdict(set))
    for rule in rules:
        if rule.programme.launch_on > quarter.end:
            continue  # not launched yet in this quarter
        applicable = [u for u in units if rule.applies_to(u)]
        if not applicable:
            continue
        start, end, deadline = window_of(rule, quarter)
        plan.rules.append((rule, applicable, start, end, deadline))
        plan.jobs[(rule.metric, start, end)].update(u.pk for u in applicable)
        other, _metric = compared_code(rule.metric)
        if other is not None:
            plan.comparisons[(other, start, end)].update(u.pk for u in applicable)
    return plan


def _count_jobs(
    quarter: Quarter,
    plan: Plan,
    by_pk: dict[int, LeagueUnit],
    now: Any,
    progress: Callable[[int, int, str], None] | None,
) -> tuple[dict[Job, dict[int, Figures] | None], dict[Job, int | None], dict[Job, dict[int, Figures]]]:
    results: dict[Job, dict[int, Figures] | None] = {}
    sets: dict[Job, int | None] = {}
    compared: dict[Job, dict[int, Figures]] = {}
    total = len(plan.jobs) + len(plan.comparisons) + 1
    step = 0
    for key in sorted(plan.jobs, key=_job_order):
        code, start, end = key
        metric = registry.get(code)
        job_units = [by_pk[pk] for pk in sorted(plan.jobs[key])]
        sets[key] = None
        if metric is None or not metric.has_source:
            results[key] = None
        elif metric.evidence is not None:
            sets[key], results[key] = store_evidence(
                metric.evidence(start, end), job_units, str(quarter), code, start, end, now
            )
        else:
            results[key] = metric.figures(job_units, start, end)
        step += 1
        if progress is not None:
            progress(step, total, _("Computed %(metric)s") % {"metric": code})
    for key in sorted(plan.comparisons, key=_job_order):
        code, start, end = key
        metric = registry.get(code)
        job_units = [by_pk[pk] for pk in sorted(plan.comparisons[key])]
        found = metric.figures(job_units, start, end) if metric is not None else None
        if found is not None:
            compared[key] = found
        step += 1
        if progress is not None:
            progress(step, total, _("Compared %(metric)s") % {"metric": code})
    return results, sets, compared


def _job_order(job: Job) -> tuple[str, date, date]:
    return (job[0], job[1] or date.min, job[2])


SNAPSHOT_COLUMNS = (
    "rule_id",
    "unit_id",
    "period",
    "value",
    "confirmed_value",
    "threshold",
    "status",
    "computed_at",
    "evidence_set_id",
    "numerator",
    "denominator",
    "compared_metric",
    "compared_value",
    "compared_flag",
)


def _comparison(
    other: str | None,
    tolerance_metric: Metric | None,
    found: dict[int, Figures] | None,
    unit_id: int,
    value: Decimal | None,
) -> tuple[str, Decimal | None, bool]:
    """(other metric, its value, flagged) for one snapshot: the other source's value over the
    same window; a unit whose subtree filed no approved report shows no reported value."""
    if other is None or tolerance_metric is None:
        return "", None, False
    figures = (found or {}).get(unit_id)
    if figures is None:
        return other, None, False
    other_value = figures.value if (figures.rows or not other.startswith(REPORT_PREFIX)) else None
    return other, other_value, tolerance_metric.differs(value, other_value)


def _snapshot_rows(
    quarter: Quarter,
    plan: Plan,
    results: dict[Job, dict[int, Figures] | None],
    sets: dict[Job, int | None],
    compared: dict[Job, dict[int, Figures]],
    as_of: date,
    now: Any,
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """The snapshot rows to write (tuples in `SNAPSHOT_COLUMNS` order: thousands of them, so
    no model instances) and the count per status."""
    rows = []
    counts: dict[str, int] = defaultdict(int)
    for rule, applicable, start, end, deadline in plan.rules:
        key = (rule.metric, start, end)
        values = results.get(key)
        launch = start if rule.window in (Window.YEAR, Window.QUARTER) and start else rule.programme.launch_on
        other, tolerance_metric = compared_code(rule.metric)
        found = compared.get((other, start, end)) if other is not None else None
        for unit in applicable:
            figures = values.get(unit.pk) if values is not None else None
            value = figures.value if figures is not None else None
            confirmed = figures.confirmed if figures is not None else None
            status = status_of(rule, confirmed if confirmed is not None else value, launch, deadline, as_of)
            other_code, other_value, flagged = _comparison(other, tolerance_metric, found, unit.pk, value)
            counts[status] += 1
            rows.append(
                (
                    rule.pk,
                    unit.pk,
                    str(quarter),
                    value,
                    confirmed,
                    rule.threshold,
                    str(status),
                    now,
                    sets.get(key),
                    figures.numerator if figures is not None else None,
                    figures.denominator if figures is not None else None,
                    other_code,
                    other_value,
                    flagged,
                )
            )
    return rows, counts


def _write_snapshots(rows: list[tuple[Any, ...]]) -> None:
    """COPY the snapshots in (the run's transaction; the history triggers are ignored)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(f"COPY reporting_targetsnapshot ({', '.join(SNAPSHOT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _delete_quarter(quarter: Quarter) -> None:
    """The quarter's snapshots, evidence rows and evidence sets, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH snaps AS (DELETE FROM reporting_targetsnapshot WHERE period = %s),
                 sets AS (SELECT id FROM reporting_evidenceset WHERE period = %s),
                 ev AS (DELETE FROM reporting_evidencerow WHERE evidence_set_id IN (SELECT id FROM sets))
            DELETE FROM reporting_evidenceset WHERE period = %s
            """,
            [str(quarter)] * 3,
        )


def analyze_rewritten() -> None:
    """Fresh planner statistics for what a run (or a bulk load) rewrote: right after a big
    rewrite autovacuum has not analysed yet, and the dashboard's plans would go wrong."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(REWRITTEN_TABLES)}")


def track_targets(
    period: str,
    today: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    batch_size: int = 5000,  # kept for callers of the former bulk insert; COPY needs none
    *,
    analyze: bool = True,
) -> dict[str, Any]:
    """Compute and store every (target, unit) snapshot of a quarter; returns a summary.

    Refuses (ValidationError) a quarter that has not started or is closed. Queries: the lock,
    the closed check, the rules, the units, the delete, ONE statement per (metric, window) —
    storing the evidence and aggregating it — and one per compared metric, then the INSERTs
    of the snapshots and an ANALYZE: a fixed number set by the programmes, never by the units.
    """
    quarter = Quarter.parse(period)
    today = today or timezone.localdate()
    refuse_untrackable(quarter, today)
    with transaction.atomic(), pgtrigger.ignore(*SNAPSHOT_TRIGGERS):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [quarter.lock_key])
        refuse_closed(quarter)
        summary = _run(quarter, today, progress)
    if analyze:
        analyze_rewritten()
    return summary


def _run(
    quarter: Quarter,
    today: date,
    progress: Callable[[int, int, str], None] | None,
) -> dict[str, Any]:
    as_of = min(today, quarter.end)
    units = load_units()
    plan = plan_quarter(quarter, units)
    by_pk = {u.pk: u for u in units}
    now = timezone.now()
    # Replace the quarter exactly: a rule or unit that no longer applies loses its row.
    _delete_quarter(quarter)
    results, sets, compared = _count_jobs(quarter, plan, by_pk, now, progress)
    snapshots, counts = _snapshot_rows(quarter, plan, results, sets, compared, as_of, now)
    _write_snapshots(snapshots)
    total = len(plan.jobs) + len(plan.comparisons) + 1
    if progress is not None:
        progress(total, total, _("Saved %(n)s snapshots") % {"n": len(snapshots)})
    return {
        "period": str(quarter),
        "snapshots": len(snapshots),
        "rules": len(plan.rules),
        "statuses": dict(counts),
    }


def last_report_deadline(quarter: Quarter) -> date:
    """The last day a report about the quarter is due: the latest deadline day of the forms
    active in the quarter, in the month after it (the quarter's last day without forms)."""
    day = (
        ReportForm.objects.active_on(quarter.end).aggregate(day=Max("deadline_day"))["day"]
        if ReportForm.objects.exists()
        else None
    )
    if not day:
        return quarter.end
    return (quarter.end + timedelta(days=1)).replace(day=day)


def close_due_quarters(today: date | None = None) -> list[str]:
    """Close automatically every ended quarter whose last report deadline has passed and that
    nobody closed or reopened yet (a reopened quarter waits for an administrator to close it
    again); each is tracked one last time first. Returns the quarters closed."""
    today = today or timezone.localdate()
    closed = []
    quarter = Quarter.containing(today).previous()
    # The last two quarters: the nightly run may have missed one night, never a year.
    for candidate in (quarter.previous(), quarter):
        if today <= last_report_deadline(candidate):
            continue
        if QuarterClosure.objects.filter(period=str(candidate)).exists():
            continue
        if not TargetRule.objects.filter(
            programme__start_year__lte=candidate.year, programme__end_year__gte=candidate.year
        ).exists():
            continue
        with transaction.atomic():
            track_targets(str(candidate), today, analyze=False)
            QuarterClosure.objects.create(period=str(candidate), closed=True, closed_at=timezone.now())
        closed.append(str(candidate))
    if closed:
        analyze_rewritten()
    return closed
