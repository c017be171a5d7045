"""Documents the reporting app produces: the briefing (工作简报) as PDF and Word, and the
December inspection sheet and ranking as Excel and PDF.

PDFs embed the portal's CJK font (`hubportal.pdf`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from hubportal import pdf
from orgs.models import LeagueUnit

from .dashboards import RANKING_FORMULA, ranking
from .models import MetricType, Report, ReportForm, ReportValue
from .services import completeness


@dataclass
class Briefing:
    unit: LeagueUnit
    form: ReportForm
    period_start: date
    period_end: date
    figures: list[tuple[str, str, Decimal]]
    narratives: list[tuple[str, str, str]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _("%(unit)s work briefing, %(start)s – %(end)s") % {
            "unit": self.unit.name,
            "start": self.period_start,
            "end": self.period_end,
        }


def compile_briefing(unit: LeagueUnit, form: ReportForm, day: date) -> Briefing:
    """The subtree's filed figures summed per metric, and every narrative its units wrote.

    Three queries: the sums (one GROUP BY), the narratives, and the completeness counts.
    """
    start, end = form.period_for(day)
    filed = Q(
        report__form=form,
        report__period_start=start,
        report__first_submitted_at__isnull=False,
        report__unit__path__startswith=unit.path,
    )
    sums = (
        ReportValue.objects.filter(
            filed, metric__type__in=[MetricType.INTEGER, MetricType.MONEY, MetricType.PERCENT]
        )
        .values("metric__code", "metric__label", "metric__order", "metric__type")
        .annotate(
            total=Coalesce(Sum("int_value"), 0) + Coalesce(Sum("decimal_value"), Decimal(0)), n=Count("pk")
        )
        .order_by("metric__order")
    )
    figures = []
    for row in sums:
        total = Decimal(row["total"])
        if row["metric__type"] == MetricType.PERCENT:
            # Percentages are averaged over the units that reported them, not added up.
            total = (total / row["n"]).quantize(Decimal("0.01")) if row["n"] else Decimal(0)
        figures.append((row["metric__code"], row["metric__label"], total))
    narratives = list(
        ReportValue.objects.filter(filed, metric__type=MetricType.TEXT)
        .exclude(text_value="")
        .order_by("report__unit__path", "metric__order")
        .values_list("report__unit__name", "metric__label", "text_value")
    )
    counts = completeness(unit, form, start).counts
    return Briefing(unit, form, start, end, figures, narratives, counts)


def _count_line(counts: dict[str, int]) -> str:
    return _("Due: %(due)s · on time: %(on_time)s · late: %(late)s · not filed: %(not_filed)s") % {
        "due": counts.get("due", 0),
        "on_time": counts.get("on_time", 0),
        "late": counts.get("late", 0),
        "not_filed": counts.get("not_filed", 0) + counts.get("pending", 0),
    }


def briefing_pdf(briefing: Briefing) -> bytes:
    from django.utils.html import escape
    from reportlab.platypus import Paragraph, Spacer

    styles = pdf.styles()
    flow: list[Any] = [Paragraph(escape(briefing.title), styles["title"])]
    flow.append(Paragraph(escape(_count_line(briefing.counts)), styles["p"]))
    flow.append(Paragraph(escape(_("Figures of the units below")), styles["h"]))
    rows: list[list[Any]] = [[_("Metric"), _("Total")]]
    rows += [[label, f"{total:,}"] for _code, label, total in briefing.figures]
    flow.append(pdf.table(rows, [300, 150]))
    flow.append(Spacer(1, 10))
    flow.append(Paragraph(escape(_("What the units report")), styles["h"]))
    for unit_name, label, text in briefing.narratives:
        flow.append(Paragraph(f"<b>{escape(unit_name)}</b> · {escape(label)}", styles["p"]))
        flow.append(Paragraph(escape(text).replace("\n", "<br/>"), styles["p"]))
        flow.append(Spacer(1, 4))
    return pdf.build_pdf(briefing.title, flow)


def briefing_docx(briefing: Briefing) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = briefing.title
    document.add_heading(briefing.title, level=1)
    document.add_paragraph(_count_line(briefing.counts))
    document.add_heading(_("Figures of the units below"), level=2)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("Metric"), _("Total")
    for _code, label, total in briefing.figures:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, f"{total:,}"
    document.add_heading(_("What the units report"), level=2)
    for unit_name, label, text in briefing.narratives:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{unit_name} · {label}: ").bold = True
        paragraph.add_run(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Inspection sheet and ranking ------------------------------------------------------


def _inspection_rows(snapshots: Any) -> list[list[Any]]:
    """One line per snapshot: the value as counted and after spot checks (the status is
    judged on the latter), and the same fact from the other source with the flag."""
    lines = []
    for s in snapshots.select_related("unit", "rule", "rule__programme").order_by(
        "unit__path", "rule__programme", "rule__order"
    ):
        lines.append(
            [
                s.unit.name,
                s.rule.programme.name,
                s.rule.label,
                s.value,
                s.confirmed_value,
                s.threshold,
                s.get_status_display(),
                s.compared_value,
                s.difference,
                _("differs") if s.compared_flag else "",
            ]
        )
    return lines


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def inspection_xlsx(title: str, snapshots: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Inspection")[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            _("Unit"),
            _("Programme"),
            _("Target"),
            _("Value reached"),
            _("Value after spot checks"),
            _("Threshold"),
            _("Status (after spot checks)"),
            _("Other source"),
            _("Difference"),
            _("Registry and reports"),
        ]
    )
    for line in _inspection_rows(snapshots):
        sheet.append([_number(v) for v in line])
    ranks = book.create_sheet(_("Ranking")[:31])
    ranks.append([str(RANKING_FORMULA)])
    ranks["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ranks.merge_cells("A1:G1")
    ranks.row_dimensions[1].height = 120
    for group in ranking(snapshots):
        ranks.append([])
        ranks.append([group.label])
        ranks.cell(row=ranks.max_row, column=1).font = Font(bold=True)
        ranks.append(
            [_("Rank"), _("Unit"), _("Targets"), _("Met"), _("Overdue"), _("No data source yet"), _("Score")]
        )
        for row in group.rows:
            ranks.append([row.rank, row.unit_name, row.targets, row.met, row.overdue, row.no_data, row.score])
    for ws in (sheet, ranks):
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 28
        ws.column_dimensions["C"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def inspection_pdf(title: str, snapshots: Any) -> bytes:
    from django.utils.html import escape
    from reportlab.platypus import PageBreak, Paragraph

    styles = pdf.styles()
    para = styles["p"]
    flow: list[Any] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(_("Ranking")), styles["h"]),
        Paragraph(escape(str(RANKING_FORMULA)), para),
    ]
    for group in ranking(snapshots):
        flow.append(Paragraph(escape(group.label), styles["h"]))
        rank_rows: list[list[Any]] = [
            [_("Rank"), _("Unit"), _("Targets"), _("Met"), _("No data source yet"), _("Score")]
        ]
        for row in group.rows:
            rank_rows.append([row.rank, row.unit_name, row.targets, row.met, row.no_data, row.score])
        flow.append(pdf.table(rank_rows))
    flow.append(PageBreak())
    flow.append(Paragraph(escape(_("Inspection sheet")), styles["h"]))
    rows: list[list[Any]] = [
        [
            _("Unit"),
            _("Target"),
            _("Value reached"),
            _("After spot checks"),
            _("Threshold"),
            _("Status"),
            _("Other source"),
        ]
    ]
    for unit, _programme, label, value, confirmed, threshold, status, other, _diff, flag in _inspection_rows(
        snapshots
    ):
        rows.append(
            [
                Paragraph(escape(unit), para),
                Paragraph(escape(label), para),
                "—" if value is None else value,
                "" if confirmed is None else confirmed,
                threshold,
                status,
                Paragraph(escape(("" if other is None else f"{other}") + (f" {flag}" if flag else "")), para),
            ]
        )
    flow.append(pdf.table(rows, [110, 270, 65, 65, 60, 70, 80]))
    return pdf.build_pdf(title, flow, landscape_page=True)


__all__ = [
    "Report",
    "briefing_docx",
    "briefing_pdf",
    "compile_briefing",
    "inspection_pdf",
    "inspection_xlsx",
    "ranking",
]
