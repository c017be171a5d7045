"""Export of any filtered organization list to CSV and Excel, within jurisdiction.

The rows are read through `visible_to()` and the core `OrganizationFilterSet` (the same
query string as the list page), in chunks (`iterator(chunk_size=...)`) with the governing
unit joined, so the number of queries does not grow with the rows. The columns are the
import template's, so an export can be corrected and imported again.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hubportal.jurisdiction import Action
from hubportal.personal import shown

from .filters import OrganizationFilterSet
from .importing import COLUMNS, EXPORT_ONLY, choice_label, unit_path_names
from .models import Organization

CHUNK_SIZE = 2000
HEADERS = [c.header for c in COLUMNS + EXPORT_ONLY]


def export_queryset(request: Any) -> Any:
    """The organizations of the list page's query string that the user may see."""
    rows = Organization.objects.visible_to(request.user, Action.VIEW)
    filterset = OrganizationFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    elif filterset.is_bound:
        rows = rows.none()
    return rows.select_related("governing_unit").order_by("governing_unit__path", "name", "pk")


def export_rows(rows: Any, user: Any = None) -> Iterator[list[Any]]:
    """Header, then one list of cells per organization (one query per chunk of rows); the
    phone masked where `user` may not change the organization (`hubportal.personal`)."""
    paths = unit_path_names()
    service_labels = {v: choice_label(Organization.ServiceField, v) for v in Organization.ServiceField.values}
    yield HEADERS
    for org in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [
            org.name,
            paths.get(org.governing_unit_id, org.governing_unit.name),
            org.tier,
            choice_label(Organization.Body, org.body),
            choice_label(Organization.Kind, org.kind),
            choice_label(Organization.Category, org.category),
            "、".join(service_labels.get(f, f) for f in org.service_fields),
            choice_label(Organization.RegistrationStatus, org.registration_status),
            org.credit_code,
            org.founded_on,
            org.registered_on,
            org.youth_covered,
            org.contact_person,
            shown(org, "phone", user),
            org.email,
            org.address,
            org.description,
            choice_label(Organization.Status, org.status),
        ]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value: Any) -> str:
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    # A cell starting with = + - @ would be run as a formula by a spreadsheet.
    if text[:1] in ("=", "+", "-", "@") and not text.lstrip("+-").replace(".", "").isdigit():
        return "'" + text
    return text


def stream_csv(rows: Iterator[list[Any]]) -> Iterator[str]:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([_csv_safe(v) for v in row])


def write_xlsx(rows: Iterator[list[Any]]) -> Any:
    """A write-only workbook (rows are streamed to disk, not kept in memory); returns the
    temporary file, positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("组织")
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        if index == 0:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append([_xlsx_safe(v) for v in row])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] == "=":
        return "'" + value
    return value
