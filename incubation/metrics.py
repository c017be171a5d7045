"""The incubation counts the targets need, per unit subtree, for many units at once.

Every function has the metric signature `f(units, start, end) -> {unit_id: value}`: each
unit's value covers its whole subtree, and the answer for any number of units takes ONE
query (the registry's `rollup_by_unit`: rows grouped by owning path, expanded to ancestor
prefixes). `start=None` means "since the beginning".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orgs.models import LeagueUnit
from orgs.querysets import rollup_by_unit, rollup_rows

from .models import IncubationBase, IncubationFund, Residency


def _between(field: str, start: date | None, end: date) -> Q:
    condition = Q(**{f"{field}__lte": end})
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    return condition


def bases(units: Sequence[Any], start: date | None, end: date, level: str | None = None) -> dict[int, int]:
    """Bases opened in the period in each subtree; `level` keeps those owned at one level."""
    rows = IncubationBase.objects.filter(_between("opened_on", start, end))
    if level:
        rows = rows.filter(unit__level=level)
    return rollup_by_unit(units, rows, "unit__path")


def bases_by_level(units: Sequence[Any], start: date | None, end: date) -> dict[int, dict[str, int]]:
    """`{unit_id: {level: n}}`: bases in each subtree by the level of their owning unit, one query."""
    levels = list(LeagueUnit.Level.values)
    rows = IncubationBase.objects.filter(_between("opened_on", start, end))
    counts = rollup_rows(
        units,
        rows,
        "unit__path",
        [f"COUNT(*) FILTER (WHERE r0.level = '{level}')" for level in levels],
        {"level": F("unit__level")},
    )
    return {pk: dict(zip(levels, map(int, values), strict=True)) for pk, values in counts.items()}


def funds(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    """Incubation funds established in the period in each subtree."""
    return rollup_by_unit(
        units, IncubationFund.objects.filter(_between("established_on", start, end)), "unit__path"
    )


def orgs_incubated(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    """Distinct organizations admitted in the period to a base in each subtree (whatever
    became of them afterwards)."""
    rows = Residency.objects.incubated().filter(_between("admitted_on", start, end))
    return rollup_by_unit(units, rows, "base__unit__path", distinct="organization_id")


def orgs_graduated(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    """Distinct organizations that graduated in the period from a base in each subtree."""
    rows = Residency.objects.filter(status="graduated").filter(_between("ended_on", start, end))
    return rollup_by_unit(units, rows, "base__unit__path", distinct="organization_id")


def orgs_registered_after_incubation(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    """Distinct organizations that graduated in the period with “registered as an entity”
    among their outcomes."""
    rows = Residency.objects.filter(status="graduated", outcomes__contains=["registered"]).filter(
        _between("ended_on", start, end)
    )
    return rollup_by_unit(units, rows, "base__unit__path", distinct="organization_id")


METRICS = {
    "bases": (bases, _("Qinqing Home incubation bases")),
    "funds": (funds, _("Incubation funds")),
    "orgs_incubated": (orgs_incubated, _("Organizations incubated")),
    "orgs_graduated": (orgs_graduated, _("Organizations graduated from incubation")),
    "orgs_registered_after_incubation": (
        orgs_registered_after_incubation,
        _("Organizations registered after incubation"),
    ),
}


def register_with_reporting() -> None:
    """Provide these counts to the reporting app's metric registry by code."""
    from reporting.metrics import registry

    for code, (func, label) in METRICS.items():
        registry.register(code, func, label=label)
