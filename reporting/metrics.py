"""The metric registry: every number a target can be measured with, by code.

A metric function is set-based: `f(units, start, end) -> {unit_id: value}` answers for many
units at once, each unit's value covering its whole subtree, in a fixed number of queries.
Apps that hold the facts register their functions here by code (the registry app's
`orgs.metrics`, later incubation and training); a metric that is declared but has no
function yet has no data source, and targets on it say so instead of showing a number.

Every report metric is a metric too: `report:<metric code>` sums the approved values of
that report metric over the subtree in the period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MetricFunc = Callable[[Sequence[Any], date | None, date], dict[int, Any]]
DrilldownFunc = Callable[[Any, date | None, date], str]
EARLIEST = date(1900, 1, 1)  # "since the beginning" for report sums
REPORT_PREFIX = "report:"


@dataclass(frozen=True)
class Metric:
    """A measurable number. `func` is None while no app provides the facts."""

    code: str
    label: Any
    func: MetricFunc | None = None
    drilldown: DrilldownFunc | None = None
    # The report metric that reports the same fact, so registry and reports can be compared.
    report_metric: str | None = None
    source: str = "registry"

    @property
    def has_source(self) -> bool:
        return self.func is not None

    def compute(self, units: Sequence[Any], start: date | None, end: date) -> dict[int, Decimal] | None:
        if self.func is None:
            return None
        raw = self.func(units, start, end)
        return {unit.pk: Decimal(str(raw.get(unit.pk) or 0)) for unit in units}

    def drilldown_url(self, unit: Any, start: date | None, end: date) -> str:
        return self.drilldown(unit, start, end) if self.drilldown is not None else ""


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def declare(self, code: str, label: Any, report_metric: str | None = None) -> None:
        """Name a metric the targets may use before any app can compute it."""
        if code not in self._metrics:
            self._metrics[code] = Metric(code, label, report_metric=report_metric)

    def register(
        self,
        code: str,
        func: MetricFunc,
        label: Any = None,
        drilldown: DrilldownFunc | None = None,
        report_metric: str | None = None,
    ) -> None:
        """Provide (or replace) the function of a metric; other apps call this in ready()."""
        current = self._metrics.get(code)
        if current is None:
            current = Metric(code, label or code)
        self._metrics[code] = replace(
            current,
            func=func,
            label=label or current.label,
            drilldown=drilldown or current.drilldown,
            report_metric=report_metric or current.report_metric,
        )

    def get(self, code: str) -> Metric | None:
        if code.startswith(REPORT_PREFIX):
            metric_code = code[len(REPORT_PREFIX) :]
            if not metric_code:
                return None
            return Metric(
                code,
                _("Reported: %(code)s") % {"code": metric_code},
                func=lambda units, start, end: report_metric_totals(metric_code, units, start, end),
                drilldown=lambda unit, start, end: report_drilldown(metric_code, unit, start, end),
                source="reports",
            )
        return self._metrics.get(code)

    def all(self) -> list[Metric]:
        return sorted(self._metrics.values(), key=lambda m: m.code)

    def choices(self) -> list[tuple[str, Any]]:
        return [(m.code, m.label) for m in self.all()]


registry = MetricRegistry()


def report_metric_totals(
    metric_code: str,
    units: Sequence[Any],
    start: date | None,
    end: date,
    exclude_false: bool = False,
) -> dict[int, Decimal]:
    """Sum of the approved values of one report metric over each unit's subtree, one query.

    The filed values are first summed per filing unit (a few thousand rows at most), then
    every requested unit takes the sum of the rows whose path starts with its own.
    `exclude_false` leaves out values a spot check found false.
    """
    if not units:
        return {}
    spot_filter = ""
    params: list[Any] = [metric_code, start or EARLIEST, end]
    if exclude_false:
        from django.contrib.contenttypes.models import ContentType

        from .models import ReportValue

        spot_filter = (
            "AND NOT EXISTS (SELECT 1 FROM reporting_spotcheckitem s WHERE s.content_type_id = %s "
            "AND s.object_id = v.id AND s.outcome = 'false')"
        )
        params.append(ContentType.objects.get_for_model(ReportValue).pk)
    params += [[u.pk for u in units], [u.path for u in units]]
    sql = f"""
        WITH filed AS (
            SELECT ru.path AS path,
                   SUM(COALESCE(v.int_value, 0) + COALESCE(v.decimal_value, 0)) AS total
            FROM reporting_reportvalue v
            JOIN reporting_reportmetric m ON m.id = v.metric_id
            JOIN reporting_report r ON r.id = v.report_id
            JOIN orgs_leagueunit ru ON ru.id = r.unit_id
            WHERE m.code = %s AND r.status = 'approved'
              AND r.period_start >= %s AND r.period_end <= %s {spot_filter}
            GROUP BY ru.path
        )
        SELECT u.id, COALESCE(SUM(f.total), 0)
        FROM unnest(%s::bigint[], %s::text[]) AS u(id, path)
        LEFT JOIN filed f ON starts_with(f.path, u.path)
        GROUP BY u.id
    """  # noqa: S608 - only the fixed spot-check clause is interpolated; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: Decimal(row[1]) for row in cursor.fetchall()}


def report_drilldown(metric_code: str, unit: Any, start: date | None, end: date) -> str:
    """The approved reports behind a reported figure; no start date means since ever (not
    "period_from=None", which the filter would refuse)."""
    query: dict[str, Any] = {"subtree": unit.pk, "metric": metric_code}
    if start is not None:
        query["period_from"] = start
    query.update(period_to=end, status="approved")
    return f"{reverse('reporting:report_list')}?{urlencode(query)}"


# Metrics the targets of SPEC §5 are measured with. The registry app provides the first
# group through `orgs.metrics`; incubation and training register theirs when they exist.
DECLARED = [
    ("orgs_governed", _("Organizations in the registry"), None),
    ("orgs_contacted", _("Organizations directly contacted"), "orgs_contacted"),
    ("orgs_league_built", _("Organizations with league building"), "branches_founded"),
    ("orgs_listed", _("Organizations listed in the registry"), None),
    ("orgs_registered", _("Organizations registered (实体化)"), None),
    ("backbone_orgs", _("Backbone organizations (≥ 1,000 youth)"), None),
    ("league_building_coverage", _("League-building coverage (%)"), None),
    ("cadre_visit_days", _("Cadre days in youth organizations"), None),
    ("orgs_incubated", _("Organizations incubated"), None),
    ("bases", _("亲青家园 incubation bases"), None),
    ("bases_star_rated", _("Star-rated 亲青家园 (%)"), None),
    ("funds", _("Incubation funds"), None),
    ("people_trained", _("Backbone members trained"), None),
    ("camps_held", _("Training camps held"), None),
    ("in_system_associations", _("New in-system associations"), None),
    ("community_colleges", _("Youth community colleges"), None),
    ("social_enterprises", _("Social enterprises"), None),
    ("ngos_brought_in", _("NGOs brought in"), None),
    ("member_cards", _("Member cards issued"), None),
    ("cobuilding_committees", _("Co-building committees"), None),
    ("cobuilding_venues", _("Co-building venues"), None),
    ("cobuilding_cadres", _("Co-building committee cadres"), None),
    ("cobuilding_social_workers", _("Youth social workers of co-building committees"), None),
    ("cobuilding_external_members", _("External members of co-building committees"), None),
    ("cobuilding_funding", _("Co-building funding (yuan)"), None),
]

# The registry's metrics (`orgs.metrics.METRICS`, by its names) under our codes, with the
# organization-list filters that show the records behind a value.
ORGS_METRICS = {
    "orgs_governed": ("organizations_governed", {}),
    "orgs_contacted": ("organizations_directly_contacted", {"contacted_by": "{unit}"}),
    "orgs_listed": ("organizations_listed", {"status": "listed"}),
    "orgs_registered": (
        "organizations_registered",
        {"registered_after": "{start}", "registered_before": "{end}"},
    ),
    "backbone_orgs": ("backbone_organizations", {"status": "listed", "backbone": "true"}),
    "orgs_league_built": (
        "organizations_with_league_building",
        {"status": "listed", "league_building": "true"},
    ),
    "league_building_coverage": ("league_building_coverage", {"status": "listed", "league_building": "true"}),
    "cadre_visit_days": ("cadre_visit_days", {}),
}


def _organization_list_drilldown(params: dict[str, str]) -> DrilldownFunc:
    def url(unit: Any, start: date | None, end: date) -> str:
        try:
            base = reverse("orgs:organization_list")
        except NoReverseMatch:
            return ""
        values = {"start": start or "", "end": end, "unit": unit.pk}
        query = {k: v.format(**values) for k, v in params.items()}
        if "contacted_by" not in query:
            query["subtree"] = str(unit.pk)
        return f"{base}?{urlencode({k: v for k, v in query.items() if v})}"

    return url


def register_orgs_metrics() -> None:
    try:
        module = import_module("orgs.metrics")
    except ImportError:
        return
    functions = getattr(module, "METRICS", {})
    for code, (name, params) in ORGS_METRICS.items():
        func = functions.get(name)
        if callable(func):
            registry.register(code, func, drilldown=_organization_list_drilldown(params))


def register_builtin_metrics() -> None:
    for code, label, report_metric in DECLARED:
        registry.declare(code, label, report_metric=report_metric)
    register_orgs_metrics()
