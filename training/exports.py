"""The sign-in sheet of a session (签到表) as an Excel workbook: one row per confirmed
trainee with their check-in code, and an empty column to tick. The signed sheet is read
back by `services.import_attendance_sheet` (the code in column D, the mark in column F)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hubportal.exports import title_line, write_sheet

from .compliance import Board, Row
from .models import CampSession, Enrolment


def sign_in_sheet(session: CampSession) -> bytes:
    """Two queries: the session's camp (already read) and the trainees in name order."""
    people = (
        Enrolment.objects.filter(camp=session.camp, status__in=Enrolment.CHECKS_IN)
        .select_related("trainee", "organization")
        .order_by("trainee__name", "pk")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = _("Sign-in sheet")[:31]
    start = timezone.localtime(session.starts_at)
    sheet.append([f"{session.camp.title} · {session.title} · {start:%Y-%m-%d %H:%M} · {_('Sign-in sheet')}"])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = [
        _("No."),
        _("Full name"),
        _("Organization"),
        _("Check-in code"),
        _("Signature"),
        _("Present (✓)"),
    ]
    sheet.append(headers)
    thin = Side(style="thin", color="999999")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for number, enrolment in enumerate(people, start=1):
        sheet.append(
            [
                number,
                enrolment.trainee.name,
                enrolment.organization.name if enrolment.organization else "",
                enrolment.code_label,
                "",
                "",
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(vertical="center")
        sheet.row_dimensions[sheet.max_row].height = 24
    for index, width in enumerate([6, 14, 30, 14, 18, 10], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def compliance_xlsx(board: Board) -> IO[bytes]:
    """The compliance board as cadres file it: the province, then every city followed by its
    counties, with the camps per quarter, the people trained against the plan and the share
    of organization heads trained. Reads nothing more than the board already holds."""
    headers = [
        _("Unit"),
        _("Level"),
        _("Pearl River Delta"),
        *(f"Q{n}" for n in range(1, 5)),
        _("Camps this year"),
        _("Quarters without a camp"),
        _("Trained this year"),
        _("Plan"),
        _("Share of the plan (%)"),
        _("Plan met"),
        _("Organization heads trained"),
        _("Organization heads"),
    ]

    def line(row: Row) -> list[Any]:
        hit, total = row.heads
        missed = ", ".join(f"Q{n}" for n in row.missed_quarters)
        return [
            row.unit.name,
            row.unit.get_level_display(),
            row.unit.region == "prd",
            *row.camps,
            row.camps_year,
            missed,
            row.people,
            row.people_target,
            row.people_share,
            row.people_met,
            hit,
            total,
        ]

    def rows() -> Iterator[list[Any]]:
        if board.province is not None:
            yield line(board.province)
        for city in board.cities:
            yield line(city)
            yield from (line(county) for county in city.children)
        listed = {county.unit.pk for city in board.cities for county in city.children}
        yield from (line(county) for county in board.counties if county.unit.pk not in listed)

    what = _("Training compliance board")
    title = title_line(what, board.root, [(_("Year"), board.year), (_("Quarter"), f"Q{board.quarter}")])
    return write_sheet(title, headers, rows(), sheet_name=what)
