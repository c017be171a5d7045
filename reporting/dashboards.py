"""What the targets dashboard shows, computed apart from the view: totals by status, the
units below by status (one GROUP BY over the path prefix), the share met over quarters, the
matrix of the units below against a programme's targets and the registry-vs-reports
comparison. Each is a fixed number of queries whatever the size of the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from orgs.models import LeagueUnit
from orgs.models.units import PATH_SEGMENT_WIDTH

from .metrics import registry
from .models import TargetSnapshot
from .tracking import Quarter

Status = TargetSnapshot.Status

STATUS_COLOURS: dict[str, str] = {
    Status.MET: "success",
    Status.ON_TRACK: "info",
    Status.BEHIND: "warning",
    Status.OVERDUE: "danger",
    Status.NO_DATA: "secondary",
}


def colour_of(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@dataclass
class Overview:
    """The dashboard's figures for one unit and quarter."""

    totals: list[tuple[str, Any, int, str]]
    chart: dict[str, Any]


def totals_by_status(snapshots: QuerySet[TargetSnapshot]) -> list[tuple[str, Any, int, str]]:
    """(status, label, count, colour) for every status, one GROUP BY."""
    counts = dict(snapshots.values_list("status").annotate(n=Count("pk")).order_by())
    return [(key, label, counts.get(key, 0), colour_of(key)) for key, label in Status.choices]


def by_child(
    snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Statuses of the snapshots below each child of `unit` (cities under the province):
    one GROUP BY over the path prefix, one query for the children's names."""
    width = len(unit.path) + PATH_SEGMENT_WIDTH + 1
    rows = (
        snapshots.exclude(unit=unit)
        .annotate(prefix=Substr("unit__path", 1, width))
        .values("prefix", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    children = {c.path: c.name for c in LeagueUnit.objects.filter(parent=unit)}
    names = sorted({children[r["prefix"]] for r in rows if r["prefix"] in children})
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    for row in rows:
        name = children.get(row["prefix"])
        if name:
            counts[name][row["status"]] = counts[name].get(row["status"], 0) + row["n"]
    return names, counts


def met_share_over_time(snapshots: QuerySet[TargetSnapshot]) -> tuple[list[str], list[float]]:
    """Per quarter, the share of measured targets that were met (one GROUP BY)."""
    rows = (
        snapshots.values("period")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=Q(status=Status.MET)),
            measured=Count("pk", filter=~Q(status=Status.NO_DATA)),
        )
        .order_by("period")
    )
    periods, shares = [], []
    for row in rows:
        periods.append(row["period"])
        shares.append(round(100 * row["met"] / row["measured"], 1) if row["measured"] else 0)
    return periods, shares


def overview(
    quarter_snapshots: QuerySet[TargetSnapshot], all_snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit
) -> Overview:
    """Totals of the quarter, its units below by status and the share met over time."""
    names, counts = by_child(quarter_snapshots, unit)
    periods, shares = met_share_over_time(all_snapshots)
    chart = {
        "cities": names,
        "series": [
            {"name": str(label), "key": key, "data": [counts[n].get(key, 0) for n in names]}
            for key, label in Status.choices
        ],
        "periods": periods,
        "met_share": shares,
    }
    return Overview(totals_by_status(quarter_snapshots), chart)


def matrix(snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit, programme_id: int) -> dict[str, Any] | None:
    """The units directly below `unit` against the programme's targets, one query."""
    rows = list(
        snapshots.filter(unit__parent=unit, rule__programme_id=programme_id)
        .select_related("unit", "rule")
        .order_by("unit__path", "rule__order", "rule_id")
    )
    if not rows:
        return None
    rules = sorted({(s.rule.order, s.rule_id): s.rule for s in rows}.items())
    by_unit: dict[int, dict[int, TargetSnapshot]] = {}
    units: dict[int, LeagueUnit] = {}
    for s in rows:
        units[s.unit_id] = s.unit
        by_unit.setdefault(s.unit_id, {})[s.rule_id] = s
    table = []
    for unit_id, child in units.items():
        cells = []
        for _key, rule in rules:
            found = by_unit[unit_id].get(rule.pk)
            cells.append((found, colour_of(found.status) if found else ""))
        table.append((child, cells))
    return {"rules": [rule for _key, rule in rules], "rows": table}


def registry_vs_reports(unit: LeagueUnit, quarter: Quarter) -> list[dict[str, Any]]:
    """For metrics kept both in the registry and in reports: each child's two values."""
    children = list(unit.children.filter(is_active=True).order_by("path")) or [unit]
    rows = []
    year_start = date(quarter.year, 1, 1)
    for metric in registry.all():
        if not metric.report_metric or not metric.has_source:
            continue
        reported_metric = registry.get(f"report:{metric.report_metric}")
        kept = metric.compute(children, year_start, quarter.end) or {}
        reported = reported_metric.compute(children, year_start, quarter.end) if reported_metric else {}
        for child in children:
            a, b = kept.get(child.pk), (reported or {}).get(child.pk)
            rows.append(
                {
                    "metric": metric.label,
                    "unit": child,
                    "registry": a,
                    "reports": b,
                    "difference": (a or 0) - (b or 0),
                }
            )
    return rows
