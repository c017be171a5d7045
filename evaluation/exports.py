"""A round's results and scores as Excel workbooks.

Results: one row per subject (total, spread, stars, where it stands) and, on a second
sheet, one row per subject and scored indicator (aggregate, lowest, highest, number of
scores, flag and moderation). Scores: the scores the reader may see — for the round's
cadres, those of submitted assignments only (a draft is the assessor's own).

Text from users is written as text: a name starting like a formula never runs in Excel.
Each workbook costs a fixed number of queries whatever the round's size.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import IndicatorResult, Round, Score, Subject

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = ILLEGAL.sub("", value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value


def _sheet(
    book: Workbook, title: str, heading: list[Any], headers: list[Any], rows: Any, widths: list[int]
) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(v) for v in heading])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(headers))}{max(sheet.max_row, 3)}"


def _bytes(book: Workbook) -> bytes:
    del book[book.sheetnames[0]]  # the empty default sheet
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def results_workbook(round_obj: Round) -> bytes:
    """Three queries: the subjects, the indicator results (with their indicators)."""
    heading = [_("Results of %(round)s") % {"round": round_obj.name}, f"{timezone.localdate():%Y-%m-%d}"]
    subjects = (
        Subject.objects.filter(round=round_obj, status="entered")
        .select_related("owner_unit")
        .order_by("-total", "name", "pk")
    )
    book = Workbook()
    _sheet(
        book,
        _("Results"),
        heading,
        [
            _("Subject"),
            _("Owning unit"),
            _("Result"),
            _("Total"),
            _("Stars"),
            _("Lowest assessor total"),
            _("Highest assessor total"),
            _("Indicators awaiting moderation"),
            _("Public notice until"),
        ],
        (
            [
                s.name,
                s.owner_unit.name,
                s.get_result_display(),
                s.total,
                round_obj.grade(s.stars),
                s.total_low,
                s.total_high,
                s.open_flags,
                s.notice_until,
            ]
            for s in subjects
        ),
        [36, 24, 16, 10, 10, 14, 14, 14, 14],
    )
    results = (
        IndicatorResult.objects.filter(subject__round=round_obj, attempt=F("subject__attempt"))
        .select_related("subject", "indicator")
        .order_by("subject__name", "subject_id", "indicator__order", "indicator_id")
    )
    _sheet(
        book,
        _("Indicators"),
        heading,
        [
            _("Subject"),
            _("Number"),
            _("Indicator"),
            _("Maximum points"),
            _("Scores"),
            _("Aggregate"),
            _("Lowest score"),
            _("Highest score"),
            _("Flagged for moderation"),
            _("Moderated value"),
            _("Moderation note"),
        ],
        (
            [
                r.subject.name,
                r.indicator.code,
                r.indicator.name,
                r.indicator.max_points,
                r.scores,
                r.value,
                r.low,
                r.high,
                _("Yes") if r.flagged else _("No"),
                r.moderated_value,
                r.moderation_note,
            ]
            for r in results
        ),
        [30, 8, 40, 10, 8, 10, 10, 10, 10, 10, 40],
    )
    return _bytes(book)


def scores_workbook(round_obj: Round, user: Any) -> bytes:
    """The scores of the round the user may read (`Score.visible_to`: submitted ones), one
    query whatever their number."""
    heading = [_("Scores of %(round)s") % {"round": round_obj.name}, f"{timezone.localdate():%Y-%m-%d}"]
    scores = (
        Score.objects.visible_to(user)
        .filter(assignment__subject__round=round_obj)
        .select_related("assignment__subject", "assignment__assessor", "indicator")
        .order_by("assignment__subject__name", "assignment__subject_id", "assignment_id", "indicator__order")
    )
    book = Workbook()
    _sheet(
        book,
        _("Scores"),
        heading,
        [
            _("Subject"),
            _("Rating attempt"),
            _("Assessor"),
            _("Number"),
            _("Indicator"),
            _("Maximum points"),
            _("Points"),
            _("Comment"),
        ],
        (
            [
                s.assignment.subject.name,
                s.assignment.attempt,
                str(s.assignment.assessor),
                s.indicator.code,
                s.indicator.name,
                s.max_points,
                s.points,
                s.comment,
            ]
            for s in scores
        ),
        [30, 8, 14, 8, 40, 10, 8, 40],
    )
    return _bytes(book)
