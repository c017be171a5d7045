"""Excel the way cadres use it: every exported sheet has a title row (what, which unit, which
filters, when), a frozen bold header with an auto-filter, columns wide enough for their
Chinese headers, dates as dates, amounts as numbers with a number format, 是/否 for yes/no.

Cells are made safe on the way out: characters a workbook cannot hold (C0 control
characters) are dropped, and a text starting like a formula (= + - @) is written as text,
so a name typed with `=HYPERLINK(...)` never runs on the cadre's machine.

`write_sheet()` streams any number of rows through a write-only workbook into a temporary
file (constant memory); `list_export_response()` exports an `ObjectListView`'s filtered rows.
"""

from __future__ import annotations

import datetime
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_START = ("=", "+", "-", "@")
WIDTH_SAMPLE = 200  # rows read before the column widths are fixed
MAX_WIDTH = 60


def text_width(value: Any) -> int:
    """How many character cells Excel needs for the text (a Chinese character takes two)."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text.split("\n")[0])


def safe_text(value: str) -> str:
    """Drop characters a workbook cannot hold; keep a formula-like text as text."""
    value = ILLEGAL.sub("", value)
    if value[:1] in FORMULA_START and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def cell_value(value: Any) -> Any:
    """A Python value as the cell should hold it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.replace(tzinfo=None)
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    if isinstance(value, list | tuple):
        return safe_text("、".join(str(v) for v in value))
    return safe_text(str(value))


def _number_format(value: Any, money: bool) -> str | None:
    if isinstance(value, datetime.datetime):
        return DATETIME_FORMAT
    if isinstance(value, datetime.date):
        return DATE_FORMAT
    if money and isinstance(value, Decimal | int | float):
        return MONEY_FORMAT
    return None


def write_sheet(
    title: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "",
    money_columns: Iterable[int] = (),
) -> IO[bytes]:
    """A workbook of one sheet: the title row, the frozen, filterable header, then the rows
    (values are made safe and typed by `cell_value`). Returns a temporary file at its start."""
    money = set(money_columns)
    book = Workbook(write_only=True)
    sheet = book.create_sheet((sheet_name or _("Export"))[:31])
    iterator = iter(rows)
    sample = [[cell_value(v) for v in row] for row in itertools.islice(iterator, WIDTH_SAMPLE)]
    for index, header in enumerate(headers, start=1):
        widest = max([text_width(header), *(text_width(r[index - 1]) for r in sample if len(r) >= index)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, widest + 2)
    sheet.freeze_panes = "A3"
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A2:{last}2"

    title_cell = WriteOnlyCell(sheet, value=safe_text(str(title)))
    title_cell.font = Font(bold=True, size=12)
    sheet.append([title_cell])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_text(str(header)))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)

    def typed(row: Sequence[Any]) -> list[Any]:
        cells = []
        for index, value in enumerate(row):
            number_format = _number_format(value, index in money)
            if number_format is None:
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        return cells

    for first in sample:
        sheet.append(typed(first))
    for rest in iterator:
        sheet.append(typed([cell_value(v) for v in rest]))
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


def title_line(what: Any, unit: Any = None, filters: Iterable[tuple[Any, Any]] = ()) -> str:
    """`组织名录 · 中山市 · 筛选：类别 = 公益类 · 导出于 2026年12月1日 16:05`."""
    parts = [str(what)]
    if unit is not None:
        parts.append(str(unit))
    shown = [f"{label} = {value}" for label, value in filters]
    parts.append(_("Filters: %(filters)s") % {"filters": "; ".join(shown)} if shown else _("No filters"))
    parts.append(_("Exported at %(when)s") % {"when": date_format(timezone.localtime(), "DATETIME_FORMAT")})
    return " · ".join(parts)


def xlsx_response(handle: IO[bytes], filename: str) -> FileResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX)
