"""Bulk import from Excel (.xlsx) and CSV, shared by every app that imports (the registry's
organizations, the member and volunteer cards): reading a file into rows with safe limits,
the dry run's report of every bad row and field, the template workbook, and the
all-or-nothing apply run as a background job with a progress bar.

An app describes its file (its `Column`s, Chinese headers first) and writes two functions:
`check(name, content, user) -> ImportReport` (read, validate every row, plan; nothing
written) and `apply(name, content, user, progress) -> counts` (check again inside ONE
transaction, refuse with `ImportRejected` if a single row is wrong, then write through its
services). The page flow around them (upload → dry run → signed token → job → progress) is
`hubportal.import_views`; `run_import_job` is the body of the app's Celery task.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any
from xml.etree import ElementTree

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

from .history import history_context
from .jobs import ProgressReporter
from .models import Job
from .tasks import running_job
from .text import excerpt
from .workbooks import DEFAULT_MAX_UNZIPPED, WorkbookError, check_workbook

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# A template's example values start with this mark; a row carrying it is never imported, so
# an untouched template can never overwrite a real record with sample data.
EXAMPLE_MARK = "示例"
MAX_IMPORT_ROWS = 10_000
XLSX_MAGIC = b"PK\x03\x04"
DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1_000  # rows checked between two progress reports


@dataclass(frozen=True)
class Column:
    """A column of an import file: its key in the app's data, its (Chinese) header."""

    key: str
    header: str
    required: bool = False
    example: str = ""


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, size, empty, headers)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int  # as numbered in the spreadsheet (the header is row 1)
    column: str
    value: str
    message: str

    def __post_init__(self) -> None:
        # The page and the report echo the bad value: an excerpt, never a whole huge cell.
        self.value = excerpt(self.value)  # type: ignore[assignment]


@dataclass
class RowPlan:
    row: int
    data: dict[str, Any]
    action: str = "create"  # create, update, unchanged
    target: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # the record as the user knows it (its name)
    # (column header, before, after) as the user reads them: every field an update changes
    diff: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)

    def summary(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged")} | {"errors": len(self.errors)}

    @property
    def writes(self) -> bool:
        """Whether applying the file would change anything."""
        return any(p.action in ("create", "update") for p in self.plans)

    @property
    def updates(self) -> list[RowPlan]:
        return [p for p in self.plans if p.action == "update"]


class ImportRejected(Exception):
    """The file did not pass validation when it was applied; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        first = report.errors[0]
        super().__init__(
            _("%(n)d error(s), nothing was imported; the first: row %(row)d, %(col)s: %(msg)s")
            % {"n": len(report.errors), "row": first.row, "col": first.column, "msg": first.message}
        )
        self.report = report


# Choices as people write them -------------------------------------------------------------


WHITESPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return WHITESPACE.sub("", str(text)).lower()


@functools.lru_cache(maxsize=1024)
def choice_label(choices: Any, value: str) -> str:
    """The Chinese label of a choice, as a template's drop-down offers it. Remembered: a
    100,000-row file's dry run asks for the same few labels again and again, and switching
    the language for each costs more than the rest of the row's check."""
    if not value:
        return ""
    with translation.override("zh-hans"):
        label = str(dict(choices.choices).get(value, value))
    return label


def choice_lookup(choices: Any) -> dict[str, str]:
    """Every spelling of each choice that a file may carry: the code, the Chinese label, the
    English label and the Chinese in its brackets (“Interest (兴趣类)” → 兴趣类)."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        spellings = {value, str(label)}
        with translation.override("zh-hans"):
            spellings.add(str(label))
        with translation.override("en"):
            english = str(label)
        spellings.add(english)
        bracket = re.search(r"[（(]([^)）]+)[)）]\s*$", english)
        if bracket:
            spellings.add(bracket.group(1))
            spellings.update(part for part in bracket.group(1).split("/") if part)
        for spelling in spellings:
            lookup[norm(spelling)] = value
    return lookup


# Reading files ----------------------------------------------------------------------------


def size_error(size: int, max_bytes: int) -> ImportFileError:
    return ImportFileError(
        _("The file is %(size).1f MB; at most %(limit)d MB can be imported at once.")
        % {"size": size / 1024 / 1024, "limit": max_bytes // 1024 // 1024}
    )


def read_table(
    name: str, content: bytes, *, max_bytes: int = MAX_IMPORT_BYTES, max_rows: int = MAX_IMPORT_ROWS
) -> list[list[Any]]:
    """The rows of an .xlsx or .csv file (the header first), checked by content, not name.

    At most `max_rows` + 2 rows are read (enough to tell that a file has too many), so a
    huge sheet cannot exhaust the memory.
    """
    extension = PurePath(name or "").suffix.lower()
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > max_bytes:
        raise size_error(len(content), max_bytes)
    if extension == ".xlsx":
        if not content.startswith(XLSX_MAGIC):
            raise ImportFileError(
                _("The file is named .xlsx but is not an Excel workbook; save it again from Excel as .xlsx.")
            )
        try:
            check_workbook(content, max_unzipped=max(DEFAULT_MAX_UNZIPPED, 10 * max_bytes))
        except WorkbookError as exc:
            raise ImportFileError(exc.message) from None
        return _read_xlsx(content, max_rows)
    if extension == ".csv":
        if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
            raise ImportFileError(_("The file is named .csv but is not a text file; save it as CSV (UTF-8)."))
        return _read_csv(content, max_rows)
    raise ImportFileError(
        _("Only Excel workbooks (.xlsx) and CSV files (.csv) can be imported; this file ends in “%(ext)s”.")
        % {"ext": extension or "—"}
    )


def _read_xlsx(content: bytes, max_rows: int) -> list[list[Any]]:
    """The first sheet's rows: by calamine when the sheet is of the shape it reads safely, else
    by the streaming reader, else by openpyxl (whatever either of them does not know)."""
    rows = _read_xlsx_calamine(content, max_rows)
    if rows is None:
        rows = _read_xlsx_fast(content, max_rows)
    if rows is not None:
        return rows
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, InvalidFileException) as exc:
        raise ImportFileError(_("The workbook cannot be read; save it again from Excel as .xlsx.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > max_rows + 1:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("The workbook cannot be read; save it again from Excel as .xlsx.")) from exc
    finally:
        workbook.close()


def _read_xlsx_calamine(content: bytes, max_rows: int) -> list[list[Any]] | None:
    """The first sheet's values read by calamine (Rust): about four times faster than the
    streaming reader below on a 100,000-row list (≈ 4 s instead of ≈ 16 s of CPU on this
    machine), the same texts through `cell_text` (an empty cell is "", a number a float, a
    date a `date`). At most `max_rows` + 2 rows are returned. None when the sheet is not of a
    shape calamine reads safely (`_calamine_safe`) or calamine refuses it: the streaming
    reader then reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            sheet, _date1904 = _first_sheet(book)
            if not _calamine_safe(book.read(sheet), max_rows):
                return None
        with CalamineWorkbook.from_filelike(io.BytesIO(content)) as workbook:
            values = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False, nrows=max_rows + 2)
    except (_Unsupported, CalamineError, zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError):
        return None
    return [list(row) for row in values]


def _calamine_safe(sheet: bytes, max_rows: int) -> bool:
    """Whether calamine can read this sheet's XML within a bounded memory. Calamine holds a
    sheet as a dense grid from its first to its last cell: two cells at A1 and XFD1048576
    ask for 512 GB and abort the process. So only a sheet whose every cell starts with its
    reference (`<c r="A1"`), without a namespace prefix, within the columns A–Z and below row
    10 × (`max_rows` + 2) goes to calamine: a grid of at most 26 columns and a few hundred
    thousand rows (≈ 250 MB for 200,000 rows). Excel, WPS and openpyxl write such sheets; a
    wider or stranger one is read by the streaming reader. A few scans of the bytes: ≈ 1 s
    for 100,000 rows of 17 columns."""
    limit = str(max_rows + 2)
    beyond = rf"\d{{{len(limit) + 1},}}"
    if limit[0] != "9":
        beyond += rf"|[{int(limit[0]) + 1}-9]\d{{{len(limit) - 1}}}"
    outside = re.compile(rb'<c r="(?:[^A-Z]|[A-Z]{2}|[A-Z](?:' + beyond.encode() + rb"))")
    without_reference = re.compile(rb'<c(?:[>/]|\s(?!r="))')
    prefixed = re.compile(rb":c[\s>/]")
    return not (outside.search(sheet) or without_reference.search(sheet) or prefixed.search(sheet))


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)$")


class _Unsupported(Exception):
    """Something the streaming reader does not handle: openpyxl reads the workbook instead."""


def _read_xlsx_fast(content: bytes, max_rows: int) -> list[list[Any]] | None:
    """The first sheet's values, streamed straight from its XML: about three times faster
    than openpyxl's read-only mode on a 100,000-row list, with the same values (shared and
    inline strings, numbers as int or float, booleans, dates by their number format, cells
    placed by their reference). None when the workbook has anything unusual; the caller
    then reads it with openpyxl. At most `max_rows` + 2 rows are read.

    ElementTree's expat (≥ 2.4.1) refuses entity amplification and never fetches external
    entities, so a crafted workbook cannot expand or reach out while being read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            sheet, date1904 = _first_sheet(book)
            shared = _shared_strings(book)
            dates = _date_styles(book)
            return _sheet_rows(book, sheet, shared, dates, date1904, max_rows)
    except (_Unsupported, zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError):
        return None


def _parse(handle: Any) -> Any:
    return ElementTree.iterparse(handle, events=("end",))  # noqa: S314 - see _read_xlsx_fast


def _first_sheet(book: zipfile.ZipFile) -> tuple[str, bool]:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))  # noqa: S314 - see _read_xlsx_fast
    pr = workbook.find(f"{SHEET_NS}workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    first = workbook.find(f"{SHEET_NS}sheets/{SHEET_NS}sheet")
    if first is None:
        raise _Unsupported
    rel_id = first.get(f"{REL_NS}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 - see _read_xlsx_fast
    for rel in rels.iter(f"{PACKAGE_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            return (target.lstrip("/") if target.startswith("/") else f"xl/{target}"), date1904
    raise _Unsupported


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    strings = []
    for _event, element in _parse(book.open("xl/sharedStrings.xml")):
        if element.tag == f"{SHEET_NS}si":
            strings.append(_text_of(element))
            element.clear()
    return strings


def _text_of(element: Any) -> str:
    """The text of a string item: its runs, without phonetic guides (rPh)."""
    parts = []
    for child in element:
        if child.tag == f"{SHEET_NS}t":
            parts.append(child.text or "")
        elif child.tag == f"{SHEET_NS}r":
            parts.extend(t.text or "" for t in child.iter(f"{SHEET_NS}t"))
    return "".join(parts)


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """The cell styles (their index) whose number format shows a date or a time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if "xl/styles.xml" not in book.namelist():
        return set()
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))  # noqa: S314 - see _read_xlsx_fast
    formats = dict(BUILTIN_FORMATS)
    for fmt in styles.iter(f"{SHEET_NS}numFmt"):
        formats[int(fmt.get("numFmtId") or 0)] = fmt.get("formatCode") or ""
    cell_xfs = styles.find(f"{SHEET_NS}cellXfs")
    if cell_xfs is None:
        return set()
    return {
        index
        for index, xf in enumerate(cell_xfs.findall(f"{SHEET_NS}xf"))
        if is_date_format(formats.get(int(xf.get("numFmtId") or 0), ""))
    }


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _cell_value(cell: Any, shared: list[str], dates: set[int], date1904: bool) -> Any:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    kind = cell.get("t")
    if kind == "inlineStr":
        found = cell.find(f"{SHEET_NS}is")
        return _text_of(found) if found is not None else ""
    raw = cell.find(f"{SHEET_NS}v")
    text = raw.text if raw is not None else None
    if text is None:
        return None
    if kind == "s":
        return shared[int(text)]
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text == "1"
    if kind not in (None, "n"):
        raise _Unsupported  # "d" (ISO dates) and anything newer: openpyxl knows them
    number: int | float = float(text) if any(ch in text for ch in ".eE") else int(text)
    if int(cell.get("s") or 0) in dates:
        return from_excel(number, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    return number


def _sheet_rows(
    book: zipfile.ZipFile, sheet: str, shared: list[str], dates: set[int], date1904: bool, max_rows: int
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for _event, element in _parse(book.open(sheet)):
        if element.tag != f"{SHEET_NS}row":
            continue
        number = int(element.get("r") or len(rows) + 1)
        while len(rows) < number - 1:
            rows.append([])  # a row the sheet leaves out is an empty row
        cells: list[Any] = []
        for cell in element.iter(f"{SHEET_NS}c"):
            reference = CELL_REF.match(cell.get("r") or "")
            position = _column_index(reference.group(1)) if reference else len(cells)
            while len(cells) < position:
                cells.append(None)
            cells.append(_cell_value(cell, shared, dates, date1904))
        rows.append(cells)
        element.clear()
        if len(rows) > max_rows + 1:
            break
    return rows


def _read_csv(content: bytes, max_rows: int) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The CSV file's characters cannot be read; save it as CSV (UTF-8)."))
    rows = []
    try:
        for values in csv.reader(io.StringIO(text)):
            rows.append(values)
            if len(rows) > max_rows + 1:
                break
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(e)s") % {"e": exc}) from exc
    return rows


def cell_text(value: Any) -> str:
    """A cell as text: dates as 2019-05-04, whole numbers without “.0”, stripped."""
    if type(value) is str:  # most cells: first, it runs for every cell of a 100,000-row file
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@functools.lru_cache(maxsize=4096)  # a file's rows repeat their dates
def parse_date(text: str) -> datetime.date:
    """A date as people type it (2019-05-04, 2019/5/4, 2019.05.04, 2019年5月4日, 20190504)."""
    for pattern in DATE_PATTERNS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    if re.fullmatch(r"\d{8}", text):
        try:
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise ValueError(text)


def cell_date(value: Any) -> datetime.date | None:
    """A date cell (a real date, or text as `parse_date` reads it); None when empty.
    `ValueError` when the text is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    return parse_date(text) if text else None


def header_keys(
    header: Sequence[Any], columns: Sequence[Column], ignored: Iterable[Column] = ()
) -> list[str | None]:
    """Column keys by position; unknown, repeated or missing required headers are a file
    error. A header may be the Chinese header (with or without its “*”) or the key."""
    known = {c.header: c.key for c in columns} | {c.key: c.key for c in columns}
    skipped = {c.header for c in ignored} | {c.key for c in ignored}
    keys: list[str | None] = []
    unknown = []
    cells = list(header)
    while cells and not cell_text(cells[-1]):  # a sheet pads rows to its widest one
        cells.pop()
    for cell in cells:
        text = cell_text(cell).rstrip("*").strip()
        if not text or text in skipped:
            keys.append(None)
            continue
        key = known.get(text)
        if key is None:
            unknown.append(text)
        elif key in keys:
            raise ImportFileError(_("The column “%(h)s” appears twice in the header.") % {"h": excerpt(text)})
        keys.append(key)
    if unknown:
        raise ImportFileError(
            _("Unknown column(s) in the header: %(cols)s. Use the columns of the template.")
            % {"cols": "、".join(str(excerpt(u)) for u in unknown[:10])}
        )
    missing = [c.header for c in columns if c.required and c.key not in keys]
    if missing:
        raise ImportFileError(_("The header lacks the column(s) %(cols)s.") % {"cols": "、".join(missing)})
    return keys


ErrorFunc = Callable[[str, Any, str], None]  # error(column key, value, message)
CleanFunc = Callable[[dict[str, Any], ErrorFunc], dict[str, Any]]


def check_rows(
    table: list[list[Any]],
    columns: Sequence[Column],
    report: ImportReport,
    clean: CleanFunc,
    *,
    ignored: Iterable[Column] = (),
    max_rows: int = MAX_IMPORT_ROWS,
    nothing_below: str = "",
    progress: Progress | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Read the header, then clean every non-empty row below it with `clean(raw, error)`.

    `raw` maps each column key to its cell; `clean` reports each problem with
    `error(key, value, message)` and returns the row's data. The errors land in `report`
    (row numbered as in the spreadsheet, column by its header); the rows without any error
    are returned as (row number, data) for the app to plan. `progress(done, rows)` follows
    the rows checked (an apply's bar and its job's sign of life).
    """
    rows = [r for r in table if any(cell_text(v) for v in r)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    header_index = table.index(rows[0])
    keys = header_keys(rows[0], columns, ignored)
    body = [
        (header_index + i + 2, r)
        for i, r in enumerate(table[header_index + 1 :])
        if any(cell_text(v) for v in r)
    ]
    if not body:
        raise ImportFileError(nothing_below or _("The file has a header but no rows below it."))
    if len(body) > max_rows:
        raise ImportFileError(
            _("The file has more than %(n)d rows; split it into smaller files.") % {"n": max_rows}
        )
    headers = {c.key: c.header for c in columns}
    marked = [c.key for c in columns if c.example.startswith(EXAMPLE_MARK) and c.key in keys]
    width = len(keys)
    parsed: list[tuple[int, dict[str, Any]]] = []
    for index, (number, cells) in enumerate(body):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index, len(body))
        errors_before = len(report.errors)

        def error(key: str, value: Any, message: str, number: int = number) -> None:
            report.errors.append(RowError(number, headers.get(key, key), cell_text(value), message))

        extra = [v for v in cells[width:] if cell_text(v)]
        if extra:
            report.errors.append(
                RowError(
                    number,
                    "—",
                    "、".join(cell_text(v) for v in extra),
                    _("This row has more cells than the header has columns (%(n)d).") % {"n": width},
                )
            )
        raw = {key: cells[i] if i < len(cells) else None for i, key in enumerate(keys) if key}
        example = next((k for k in marked if cell_text(raw.get(k)).startswith(EXAMPLE_MARK)), None)
        if example is not None:
            error(
                example,
                raw.get(example),
                _(
                    "This is the template's example row (it starts with “%(mark)s”); delete it before importing."
                )
                % {"mark": EXAMPLE_MARK},
            )
            continue
        data = clean(raw, error)
        if len(report.errors) == errors_before:
            parsed.append((number, data))
    if progress is not None:
        progress(len(body), len(body))
    return parsed


class ApplyProgress:
    """One bar over an apply's two phases: the file checked again, row by row (inside the
    apply's transaction, so a clean dry run and the apply judge the same register), then the
    plans written. Until the plans are known, the writing is counted as one step per row."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.rows = 0

    def checking(self, done: int, rows: int) -> None:
        self.rows = rows
        if self.progress is not None:
            self.progress(done, 2 * rows)

    def writing(self, done: int, plans: int) -> None:
        if self.progress is not None:
            self.progress(self.rows + done, self.rows + plans)


# The template -------------------------------------------------------------------------------


def template_rows(columns: Sequence[Column]) -> Iterator[list[str]]:
    yield [f"{c.header}*" if c.required else c.header for c in columns]
    yield [c.example for c in columns]


def template_csv(columns: Sequence[Column]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in template_rows(columns):
        writer.writerow(row)
    return "\ufeff" + out.getvalue()


def build_template_xlsx(
    sheet_title: str,
    columns: Sequence[Column],
    options: dict[str, list[str]],
    instructions: Iterable[tuple[str, str]],
    *,
    max_rows: int = MAX_IMPORT_ROWS,
) -> bytes:
    """An import template: the Chinese header in bold, an example row (grey italics; a value
    marked “示例” makes it one the dry run refuses), a drop-down for each column in `options`
    (the lists on a hidden sheet 选项), and the sheet 填写说明 with `instructions` (column, how
    to fill it), which says that row 2 is an example to delete."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in template_rows(columns):
        sheet.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2 + 4)
    grey = Font(italic=True, color="808080")
    for cell in sheet[2]:
        cell.font = grey
    sheet.freeze_panes = "A2"
    lists = workbook.create_sheet("选项")
    by_key = {c.key: c for c in columns}
    position = {c.key: i for i, c in enumerate(columns, start=1)}
    for index, (key, values) in enumerate(options.items(), start=1):
        letter = lists.cell(row=1, column=index).column_letter
        lists.cell(row=1, column=index, value=by_key[key].header)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=index, value=value)
        if not values:
            continue
        target = sheet.cell(row=1, column=position[key]).column_letter
        validation = DataValidation(
            type="list",
            formula1=f"='选项'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=not by_key[key].required,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose a value from the drop-down list."),
        )
        validation.add(f"{target}2:{target}{max_rows + 1}")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"
    guide = workbook.create_sheet("填写说明")
    if any(c.example.startswith(EXAMPLE_MARK) for c in columns):
        guide.append(
            [
                _("Example row"),
                _(
                    "Row 2 of the sheet %(sheet)s is an example (marked “%(mark)s”): it is never imported; delete it and write your own rows from row 2."
                )
                % {"sheet": sheet_title, "mark": EXAMPLE_MARK},
            ]
        )
        guide["A1"].font = guide["B1"].font = Font(bold=True, color="C00000")
    guide.append([_("Column"), _("How to fill it")])
    for cell in guide[guide.max_row]:
        cell.font = bold
    for line in instructions:
        guide.append(list(line))
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The dry run's result as a workbook ------------------------------------------------------


def report_rows(report: ImportReport) -> Iterator[list[Any]]:
    """One line per problem and per changed field, in row order: (row, outcome, record,
    column, before, after or problem). New and unchanged rows get one line each."""
    outcome = {"create": _("New"), "update": _("Changed"), "unchanged": _("Unchanged")}
    lines: list[tuple[int, int, list[Any]]] = []
    for order, e in enumerate(report.errors):
        lines.append((e.row, order, [e.row, _("Error"), "", e.column, e.value, e.message]))
    for plan in report.plans:
        if plan.action == "update" and plan.diff:
            for order, (column, before, after) in enumerate(plan.diff):
                lines.append(
                    (plan.row, order, [plan.row, outcome["update"], plan.label, column, before, after])
                )
        else:
            lines.append(
                (plan.row, 0, [plan.row, outcome.get(plan.action, plan.action), plan.label, "", "", ""])
            )
    lines.sort(key=lambda line: (line[0], line[1]))
    for _row, _order, values in lines:
        yield values


def build_report_xlsx(report: ImportReport, file_name: str) -> IO[bytes]:
    """The dry run as the cadre downloads it: every problem, and for every row it would
    change each field before → after; the shared export layout (title, frozen header, filter)."""
    from .exports import title_line, write_sheet

    summary = report.summary()
    title = title_line(
        _("Check of %(name)s: %(new)d new, %(changed)d changed, %(same)d unchanged, %(errors)d problem(s)")
        % {
            "name": file_name,
            "new": summary["create"],
            "changed": summary["update"],
            "same": summary["unchanged"],
            "errors": summary["errors"],
        }
    )
    headers = [_("Row"), _("Outcome"), _("Record"), _("Column"), _("Before / value"), _("After / problem")]
    return write_sheet(title, headers, report_rows(report), sheet_name=_("Check"))


# The apply as a background job --------------------------------------------------------------

ApplyFunc = Callable[[str, bytes, Any, Progress], dict[str, int]]


def run_import_job(
    job_id: int,
    apply: ApplyFunc,
    done_message: Callable[[dict[str, int]], str],
    analyze: Sequence[type[models.Model]] = (),
) -> dict[str, int]:
    """The body of an app's import task: apply the checked file stored at
    `job.result["file"]` for `job.user`, with the progress bar moving, in ONE transaction.

    Idempotent: a job that already succeeded is left alone (and an app's apply skips rows
    already written). A refusal or a failed write marks the job failed with its message and
    writes nothing; the stored file is deleted once the import succeeded. After a large
    import the tables of `analyze` get fresh planner statistics (`analyze_after`).
    """
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return job.result.get("counts", {})
    stored, name = job.result["file"], job.result["name"]
    user = get_user_model().objects.filter(pk=job.user_id).first() if job.user_id is not None else None
    if user is None:
        with running_job(job_id) as running:
            running.fail(_("The account that started this import no longer exists; nothing was imported."))
        return {}
    with default_storage.open(stored, "rb") as handle:
        content = handle.read()
    with running_job(job_id) as running:
        reporter = ProgressReporter(running)
        try:
            with history_context(user=user.pk, actor=f"import:{name}"):
                counts = apply(name, content, user, reporter)
        except (ImportRejected, ImportFileError) as exc:
            running.fail(getattr(exc, "message", None) or str(exc))
            return {}
        except (ValidationError, PermissionDenied) as exc:
            running.fail(
                _("Nothing was imported: %(e)s") % {"e": " ".join(getattr(exc, "messages", [str(exc)]))}
            )
            return {}
        finally:
            reporter.close()
        running.refresh_from_db(fields=["total"])
        running.succeed({**job.result, "counts": counts}, done_message(counts))
    default_storage.delete(stored)
    analyze_after(analyze, counts.get("create", 0) + counts.get("update", 0))
    return counts


ANALYZE_FROM = 10_000  # rows written from which an import refreshes its tables' statistics


def analyze_after(tables: Sequence[type[models.Model]], written: int) -> bool:
    """VACUUM and ANALYZE the tables a bulk write just grew, when it wrote at least
    ANALYZE_FROM rows: autovacuum waits until a tenth (analyse) or a fifth (vacuum) of a table
    changed, and until then the planner misjudges the lists over the new rows and every
    index-only scan over them reads the heap. Runs after the commit; inside a transaction
    (a test's) VACUUM cannot run, and the statistics alone are refreshed."""
    if written < ANALYZE_FROM or not tables:
        return False
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} {names}")
    return True


IMPORT_FILES = "private/imports"


def sweep_import_files(hours: int = 48) -> int:
    """Delete the files under IMPORT_FILES (`<year>/<month>/<uuid>…`) last modified more than
    `hours` ago; empty month folders are left to the storage. Returns how many went."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(hours=hours)
    deleted = 0
    pending = [IMPORT_FILES]
    while pending:
        folder = pending.pop()
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        pending.extend(f"{folder}/{name}" for name in folders)
        for name in files:
            path = f"{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
    return deleted
