"""The shared import reader: calamine and the streaming .xlsx reader give what openpyxl gives
(strings, rich text, numbers, booleans, dates by their format, cells placed by reference, empty
rows); a sheet calamine would hold as a huge grid goes to the streaming reader, which falls back
to openpyxl for what it does not know; reading stops after the row limit."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from hubportal.imports import (
    ImportFileError,
    _calamine_safe,
    _read_xlsx_calamine,
    _read_xlsx_fast,
    cell_text,
    read_table,
)


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def by_openpyxl(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def texts(rows: list[list[object]]) -> list[list[str]]:
    width = max(len(r) for r in rows)
    return [[cell_text(v) for v in row] + [""] * (width - len(row)) for row in rows]


def varied_workbook() -> bytes:
    """Strings, numbers, a boolean, dates, rich text, empty rows and cells."""
    book = Workbook()
    sheet = book.active
    sheet["A1"], sheet["C1"], sheet["D1"] = "卡号", 3.5, True
    sheet["A3"], sheet["B3"], sheet["E3"] = datetime.date(2019, 5, 4), datetime.datetime(2020, 1, 2, 3, 4), 12
    sheet["B4"], sheet["C4"], sheet["D4"] = 1.0, "0012", 1e20
    sheet["G5"] = CellRichText("粗", TextBlock(InlineFont(b=True), "体"))
    return saved(book)


def test_the_streaming_reader_reads_what_openpyxl_reads():
    content = varied_workbook()
    fast = _read_xlsx_fast(content, 100)
    assert fast is not None
    assert texts(fast) == by_openpyxl(content)
    assert fast[2][0] == datetime.datetime(2019, 5, 4) and fast[4][6] == "粗体" and fast[1] == []


def test_calamine_reads_what_openpyxl_reads():
    content = varied_workbook()
    rows = _read_xlsx_calamine(content, 100)
    assert rows is not None
    assert texts(rows) == by_openpyxl(content)
    assert rows[2][0] == datetime.date(2019, 5, 4) and rows[4][6] == "粗体"


@pytest.mark.parametrize(
    ("far_cell", "safe"),
    [("Q200001", True), ("XFD1048576", False), ("AA2", False), ("B300000", False), ("B1000000", False)],
)
def test_a_sheet_calamine_would_hold_as_a_huge_grid_goes_to_the_streaming_reader(far_cell, safe):
    """Calamine holds a sheet as a dense grid: A1 and XFD1048576 would ask for 512 GB and abort
    the process. Such a sheet is read by the streaming reader instead."""
    book = Workbook()
    book.active["A1"], book.active[far_cell] = "名称", "x"
    content = saved(book)
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert _calamine_safe(sheet, 200_000) is safe
    assert (_read_xlsx_calamine(content, 200_000) is not None) is safe
    rows = read_table("x.xlsx", content, max_rows=200_000)
    assert rows[0][0] == "名称"


def test_a_cell_without_its_reference_goes_to_the_streaming_reader():
    assert not _calamine_safe(b'<sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData>', 100)
    assert not _calamine_safe(
        b'<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>', 100
    )
    assert _calamine_safe(b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>', 100)


def test_a_write_only_workbook_with_inline_strings():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["卡号", "日期"])
    sheet.append(["ZS0001", datetime.date(2026, 3, 1)])
    content = saved(book)
    assert _read_xlsx_fast(content, 100) == [["卡号", "日期"], ["ZS0001", datetime.datetime(2026, 3, 1)]]


def test_reading_stops_after_the_row_limit():
    book = Workbook()
    for i in range(50):
        book.active.append([f"r{i}"])
    rows = read_table("x.xlsx", saved(book), max_rows=10)
    assert len(rows) == 12  # enough to tell the file has too many


def test_an_unknown_cell_type_falls_back_to_openpyxl():
    book = Workbook()
    book.active.append(["a", 1])
    source = zipfile.ZipFile(io.BytesIO(saved(book)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as rewritten:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # an ISO date cell (t="d"), which only openpyxl reads
                data = data.replace(b'r="B1" t="n"><v>1</v>', b'r="B1" t="d"><v>2026-03-01</v>', 1)
            rewritten.writestr(item, data)
    assert _read_xlsx_fast(buffer.getvalue(), 100) is None
    assert read_table("x.xlsx", buffer.getvalue())[0][1] == datetime.date(2026, 3, 1)


def test_a_broken_workbook_is_a_file_error():
    with pytest.raises(ImportFileError):
        read_table("x.xlsx", b"PK\x03\x04broken")
