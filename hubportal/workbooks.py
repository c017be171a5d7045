"""Uploaded workbooks (.xlsx) checked before any XML parser sees them.

Every upload that reads a workbook — the shared import flow (`hubportal.imports.read_table`:
registry, cards), the report upload and the training sign-in sheet — calls
`check_workbook(content)` first. It reads the package's parts as a stream, a chunk at a time,
and refuses with a clear `WorkbookError`:

- a file that is not a zip package with a workbook part ("not a valid workbook");
- a DOCTYPE or entity declaration in any XML part (Excel never writes one: the billion-laughs
  and XXE shapes); openpyxl parses through defusedxml too (pinned), the streaming reader
  through expat, which never fetches external entities;
- more XML, unpacked, than `max_unzipped` bytes (a zip bomb);
- a text run longer than a cell can hold (Excel: 32,767 characters), before it is parsed, so
  a 150 MB cell costs a chunk of memory, not gigabytes.

Messages never echo more than a short excerpt of what was sent (`hubportal.text.excerpt`).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO, Any

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# A text node as bytes: four bytes a character at most, or an escaped “&amp;” (5) per byte.
MAX_TEXT_BYTES = MAX_CELL_CHARS * 5
DEFAULT_MAX_UNZIPPED = 128 * 1024 * 1024
CHUNK = 1024 * 1024
DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class WorkbookError(ValueError):
    """An uploaded workbook refused before reading it; `message` says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def not_a_workbook() -> WorkbookError:
    return WorkbookError(
        _("This file is not a valid Excel workbook (.xlsx); open it in Excel and save it again as .xlsx.")
    )


def check_workbook(source: bytes | IO[bytes], *, max_unzipped: int = DEFAULT_MAX_UNZIPPED) -> bytes:
    """The workbook's bytes, once its package passed the checks above; `WorkbookError` otherwise."""
    content = source if isinstance(source, bytes | bytearray) else source.read()
    content = bytes(content)
    if not content.startswith(XLSX_MAGIC):
        raise not_a_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            parts = package.infolist()
            names = {part.filename for part in parts}
            if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
                raise not_a_workbook()
            if sum(part.file_size for part in parts) > max_unzipped:
                raise too_large(max_unzipped)
            unpacked = 0
            for part in parts:
                if part.filename.endswith((".xml", ".rels", ".vml")):
                    with package.open(part) as stream:
                        unpacked = _scan(stream, unpacked, max_unzipped)
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise not_a_workbook() from None
    return content


def too_large(limit: int) -> WorkbookError:
    return WorkbookError(
        _("The workbook unpacks to more than %(mb)d MB of data; split it into smaller files.")
        % {"mb": limit // (1024 * 1024)}
    )


def too_long_cell() -> WorkbookError:
    return WorkbookError(
        _(
            "A cell of this workbook holds more than %(n)s characters, more than Excel allows; "
            "shorten it and upload the file again."
        )
        % {"n": f"{MAX_CELL_CHARS:,}"}
    )


def _scan(stream: Any, unpacked: int, limit: int) -> int:
    """Read one XML part a chunk at a time: no declarations, no overlong text run, and the
    whole package's unpacked size (the sizes a zip states may lie) within `limit`."""
    run = 0  # bytes since the last “<”, carried across chunks
    head = True
    while chunk := stream.read(CHUNK):
        unpacked += len(chunk)
        if unpacked > limit:
            raise too_large(limit)
        if head and DECLARATION.search(chunk[:4096]):
            raise not_a_workbook()
        head = False
        if b"<!" in chunk and DECLARATION.search(chunk):
            raise not_a_workbook()
        start = chunk.find(b"<")
        if start < 0:
            run += len(chunk)
        else:
            run += start
            if run > MAX_TEXT_BYTES:
                raise too_long_cell()
            pieces = chunk[start:].split(b"<")
            if max(map(len, pieces)) > MAX_TEXT_BYTES:  # map: ~8 million pieces for 100,000 rows
                raise too_long_cell()
            run = len(pieces[-1])
        if run > MAX_TEXT_BYTES:
            raise too_long_cell()
    return unpacked
