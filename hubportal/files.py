"""Uploaded files answered by the portal itself, after the checks of the view that asks.

Nothing is served from MEDIA_URL: a report's attachment, an activity's photo, a document
belongs to a unit's jurisdiction, and the storage (the local folder or an S3-compatible store)
knows nothing of it. Each file has its view, which reads the record through the jurisdiction
scope (or a public queryset) and answers the file through `file_response`.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404


def file_response(
    field_file: Any, missing: Any, *, filename: str = "", attachment: bool = True
) -> FileResponse:
    """The stored file of `field_file` (a FileField's value): downloaded under `filename`, or
    shown in the page (a photo) with `attachment=False`; 404 with `missing` (a message, lazy or
    not) when it is gone."""
    if not field_file:
        raise Http404(missing)
    try:
        handle = field_file.open("rb")
    except OSError as exc:  # a missing file (FileNotFoundError), a store that fails
        raise Http404(missing) from exc
    name = filename or field_file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=attachment, filename=name)
