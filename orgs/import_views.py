"""Cadre pages of bulk import (upload → dry run → apply as a background job) and of export.

Both read and write only within the cadre's jurisdiction: the import checks every row's
unit and every matched organization; the export reads through `visible_to()`.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hubportal import forms as hub
from hubportal.http import AuthenticatedHttpRequest
from hubportal.models import Job

from . import exporting, importing, services

TOKEN_SALT = "orgs.import"  # noqa: S105 - a signing namespace for the dry-run token, not a secret
TOKEN_MAX_AGE = 3600
JOB_KIND = services.IMPORT_JOB_KIND


class UploadForm(hub.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel (.xlsx) or CSV file"),
        help_text=gettext_lazy("At most 5 MB and 10,000 rows; the columns of the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": gettext_lazy("Choose the file to import.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a file and see the dry run: every bad row and field, or what would change."""
    services.check_importer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"title": _("Import organizations"), "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        try:
            if upload.size > importing.MAX_IMPORT_BYTES:
                raise importing.ImportFileError(
                    _("The file is %(size).1f MB; at most %(limit)d MB can be imported at once.")
                    % {"size": upload.size / 1024 / 1024, "limit": importing.MAX_IMPORT_BYTES // 1024 // 1024}
                )
            content = upload.read()
            report = importing.check_file(name, content, request.user)
        except importing.ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            context.update(report=report, file_name=name)
            if report.ok and (report.count("create") or report.count("update")):
                stored = default_storage.save(
                    f"private/imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{PurePath(name).suffix.lower()}",
                    ContentFile(content),
                )
                context["token"] = signing.dumps(
                    {"file": stored, "name": name, "user": request.user.pk}, salt=TOKEN_SALT
                )
    context["jobs"] = Job.objects.filter(user=request.user, kind=JOB_KIND).order_by("-created_at")[:5]
    return render(request, "orgs/import/import.html", context)


@login_required
@require_POST
def import_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the checked file; the job page shows the progress bar."""
    services.check_importer(request.user)
    try:
        data = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return render(
            request,
            "orgs/import/import.html",
            {
                "title": _("Import organizations"),
                "form": UploadForm(),
                "expired": True,
                "jobs": Job.objects.filter(user=request.user, kind=JOB_KIND).order_by("-created_at")[:5],
            },
            status=400,
        )
    if data.get("user") != request.user.pk:
        raise PermissionDenied(_("This import was checked by another user."))
    job = services.start_import(request.user, data["file"], data["name"])
    return redirect("orgs_flow:import_job", pk=job.pk)


@login_required
@require_GET
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.filter(user=request.user, kind=JOB_KIND), pk=pk)
    return render(request, "orgs/import/job.html", {"title": job.title, "job": job})


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """The template: .xlsx with drop-downs and instructions, or the same columns as CSV."""
    services.check_importer(request.user)
    if fmt == "csv":
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = "attachment; filename*=UTF-8''organizations-template.csv"
        return response
    response = HttpResponse(
        importing.build_template_xlsx(request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''organizations-template.xlsx"
    return response


@login_required
@require_GET
def export_organizations(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The organization list as filtered by the query string, streamed as CSV or Excel."""
    rows = exporting.export_rows(exporting.export_queryset(request))
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
