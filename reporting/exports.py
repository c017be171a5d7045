"""The reporting lists as Excel, in the shared layout of `hubportal.exports` (title row naming
the unit, the filters and the time; frozen header with an auto-filter; widths for Chinese
headers; dates as dates; money as numbers): 报送情况 (completeness), the target snapshots of
the dashboard, and the monthly figures sheet — one row per child unit, one column per metric
of the period's report, the sheet district offices used to compile by hand.

Every builder takes the rows the page shows (the same scope and filters, read through
`visible_to()`), so an export never holds a row its page would not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from hubportal import exports
from orgs.models import LeagueUnit

from .models import MetricType, Report, ReportForm, ReportValue, SpotCheck, SpotCheckItem, TargetSnapshot
from .services import Completeness

FILING_LABELS = {
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "not_filed": gettext_lazy("Not filed"),
    "pending": gettext_lazy("Not yet due"),
}


def _period(form: ReportForm, start: date, end: date) -> list[tuple[Any, Any]]:
    return [(_("Report form"), form.name), (_("Period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}")]


def completeness_xlsx(result: Completeness, unit: LeagueUnit) -> IO[bytes]:
    """报送情况: every unit below `unit` that is due, how it filed, when, and its report's status."""
    labels = {key: str(label) for key, label in FILING_LABELS.items()}
    names = dict(
        LeagueUnit.objects.filter(pk__in={r.parent_id for r in result.rows}).values_list("pk", "name")
    )
    rows = (
        [
            row.unit_name,
            names.get(row.parent_id or 0, ""),
            labels.get(row.status, row.status),
            row.first_submitted_at,
            row.report_status_label,
        ]
        for row in result.rows
    )
    title = exports.title_line(
        _("Completeness and timeliness"),
        unit,
        [*_period(result.form, result.period_start, result.period_end), (_("Deadline"), result.deadline)],
    )
    headers = [_("Unit"), _("Parent unit"), _("Filing"), _("First submitted"), _("Report status")]
    return exports.write_sheet(title, headers, rows, sheet_name=_("Completeness"))


def snapshots_xlsx(
    snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit, filters: Iterable[tuple[Any, Any]]
) -> IO[bytes]:
    """The dashboard's target snapshots (every page of them) under its filters."""
    rows = (
        [
            s.unit.name,
            s.rule.programme.name,
            s.rule.label,
            s.period,
            s.value,
            s.confirmed_value if s.confirmed_value != s.value else None,
            f"{s.rule.get_comparator_display()} {s.threshold:g}",
            s.get_status_display(),
            s.compared_value if s.compared_metric else None,
            s.computed_at,
        ]
        for s in snapshots.select_related("unit", "rule", "rule__programme")
        .order_by("unit__path", "rule__programme_id", "rule__order", "pk")
        .iterator(chunk_size=2000)
    )
    headers = [
        _("Unit"),
        _("Programme"),
        _("Target"),
        _("Quarter"),
        _("Value reached"),
        _("After spot checks"),
        _("Threshold"),
        _("Status"),
        _("Other source"),
        _("Computed at"),
    ]
    title = exports.title_line(_("Targets"), unit, filters)
    return exports.write_sheet(title, headers, rows, sheet_name=_("Targets"))


def monthly_figures(
    user: Any, unit: LeagueUnit, form: ReportForm, day: date
) -> tuple[list[Any], list[list[Any]], list[int]]:
    """(headers, rows, money columns) of the figures sheet: one row per child unit of `unit`
    that files `form`, one column per metric of the period's report, a total row for whole
    numbers and money. Only filed reports count (a draft's figures are not the unit's yet).

    Four queries whatever the number of units and metrics: the metrics, the children, their
    reports of the period (through `visible_to()`), the values of those reports.
    """
    start, _end = form.period_for(day)
    metrics = [m for m in form.metrics.order_by("order", "pk") if m.type != MetricType.ATTACHMENT]
    children = list(
        LeagueUnit.objects.filter(form.due_units_q(), parent=unit, is_active=True).order_by("path")
    )
    reports = {
        r.unit_id: r
        for r in Report.objects.visible_to(user).filter(form=form, period_start=start, unit__in=children)
    }
    filed = [r.pk for r in reports.values() if r.status != Report.Status.DRAFT]
    values: dict[tuple[int, int], Any] = {}
    for unit_id, metric_id, whole, amount, text in ReportValue.objects.filter(
        report_id__in=filed
    ).values_list("report__unit_id", "metric_id", "int_value", "decimal_value", "text_value"):
        values[(unit_id, metric_id)] = whole if whole is not None else amount if amount is not None else text
    headers: list[Any] = [_("Unit"), _("Report status"), _("First submitted")]
    headers += [m.label for m in metrics]
    rows: list[list[Any]] = []
    totals: list[Any] = [None] * len(metrics)
    summed = [m.type in (MetricType.INTEGER, MetricType.MONEY) for m in metrics]
    for child in children:
        report = reports.get(child.pk)
        shown = report is not None and report.status != Report.Status.DRAFT
        row: list[Any] = [
            child.name,
            report.get_status_display() if report else _("Not filed"),
            report.first_submitted_at if shown and report else None,
        ]
        for index, metric in enumerate(metrics):
            value = values.get((child.pk, metric.pk)) if shown else None
            row.append(value if value != "" else None)
            if summed[index] and isinstance(value, int | Decimal):
                totals[index] = (totals[index] or 0) + value
        rows.append(row)
    if any(summed):
        rows.append([_("Total"), "", None, *totals])
    money = [3 + i for i, m in enumerate(metrics) if m.type == MetricType.MONEY]
    return headers, rows, money


def monthly_figures_xlsx(user: Any, unit: LeagueUnit, form: ReportForm, day: date) -> IO[bytes]:
    headers, rows, money = monthly_figures(user, unit, form, day)
    start, end = form.period_for(day)
    title = exports.title_line(_("Figures by unit"), unit, _period(form, start, end))
    return exports.write_sheet(title, headers, rows, sheet_name=_("Figures by unit"), money_columns=money)


def _record_kind(item: SpotCheckItem) -> str:
    """“League building”, not the content type's “registry | league building”."""
    model = item.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else str(item.content_type)


def spotcheck_xlsx(check: SpotCheck, items: Iterable[SpotCheckItem]) -> IO[bytes]:
    """A spot check's calls as the cadres who make them keep them: the fact, its unit, the
    weight it was drawn with, who calls, the outcome, the note and when it was recorded."""
    headers = [
        _("Unit"),
        _("Kind of record"),
        _("Fact"),
        _("Sampling weight"),
        _("Assigned to"),
        pgettext("spot-check call", "Outcome"),
        _("Note"),
        _("Checked at"),
    ]
    rows = (
        [
            item.unit.name,
            _record_kind(item),
            item.description,
            round(item.weight, 2),
            str(item.assigned_to) if item.assigned_to else "",
            item.get_outcome_display(),
            item.note,
            item.checked_at,
        ]
        for item in items
    )
    period = f"{check.period_start:%Y-%m-%d} – {check.period_end:%Y-%m-%d}"
    title = exports.title_line(check.title, check.unit, [(_("Period"), period), (_("Seed"), check.seed)])
    return exports.write_sheet(title, headers, rows, sheet_name=_("Spot check"))
