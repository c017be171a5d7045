"""Cadre pages of bulk import (upload → dry run → apply as a background job) and of export.

The import pages are the shared flow of `hubportal.import_views` over the registry's
importer; both read and write only within the cadre's jurisdiction: the import checks every
row's unit and every matched organization; the export reads through `visible_to()`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from hubportal.http import AuthenticatedHttpRequest
from hubportal.import_views import ImportFlow

from . import exporting, importing, services

IMPORT = ImportFlow(
    namespace="orgs_flow",
    title=gettext_lazy("Import organizations"),
    job_kind=services.IMPORT_JOB_KIND,
    check=importing.check_file,
    start=services.start_import,
    may_import=services.check_importer,
    template_xlsx=importing.build_template_xlsx,
    template_csv=importing.template_csv,
    template_stem="organizations-template",
    page_template="orgs/import/import.html",
    max_bytes=importing.MAX_IMPORT_BYTES,
    max_rows=importing.MAX_IMPORT_ROWS,
    nothing_to_do=gettext_lazy("Nothing to import: every row is already in the registry as it is."),
)


@login_required
@require_GET
def export_organizations(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The organization list as filtered by the query string, streamed as CSV or Excel."""
    rows = exporting.export_rows(exporting.export_queryset(request), request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(exporting.stream_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''organizations-{stamp}.csv"
        return response
    return FileResponse(
        exporting.write_xlsx(rows),
        as_attachment=True,
        filename=f"organizations-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
