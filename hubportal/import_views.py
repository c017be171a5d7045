"""The import pages every importing app shares: upload → dry run (every bad row and field,
or what would change) → a signed token for the checked file → the apply as a background job
(started by the app's service) → the job page with its progress bar; and the template.

An app declares an `ImportFlow` (its title, its check function, its job-starting service,
its template builders, its limits) and mounts `flow.urls()` under its namespace:

    CARD_IMPORT = ImportFlow(namespace="cards", title=_("Issue cards from Excel"), ...)
    urlpatterns += CARD_IMPORT.urls()

which gives the url names `import`, `import_apply`, `import_job`, `import_report` (the dry
run's result as a workbook), `import_template_xlsx` and `import_template_csv` in that namespace. A page of its own extends `imports/import.html`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import forms as hub
from .exports import XLSX
from .http import AuthenticatedHttpRequest
from .imports import (
    IMPORT_FILES,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportFileError,
    ImportReport,
    build_report_xlsx,
    size_error,
)
from .models import Job

TOKEN_MAX_AGE = 3600


class UploadForm(hub.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": gettext_lazy("Choose the file to import.")},
    )

    def __init__(
        self, *args: Any, max_bytes: int = MAX_IMPORT_BYTES, max_rows: int = MAX_IMPORT_ROWS, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)d MB and %(rows)s rows; the columns of the template."
        ) % {"mb": max_bytes // 1024 // 1024, "rows": f"{max_rows:,}"}


@dataclass(frozen=True)
class ImportFlow:
    """What an app's import pages need."""

    namespace: str  # the app's URL namespace, where the five url names live
    title: Any
    job_kind: str
    check: Callable[[str, bytes, Any], ImportReport]  # the dry run
    start: Callable[[Any, str, str], Job]  # the app's service: start_x_import(actor, stored, name)
    may_import: Callable[[Any], None]  # raises PermissionDenied for those who may not
    template_xlsx: Callable[[Any], bytes]
    template_csv: Callable[[], str]
    template_stem: str  # the template's file name, e.g. "organizations-template"
    page_template: str = "imports/import.html"
    job_template: str = "imports/job.html"
    max_bytes: int = MAX_IMPORT_BYTES
    max_rows: int = MAX_IMPORT_ROWS
    nothing_to_do: Any = gettext_lazy("Nothing to import: every row is already there as it is.")

    @property
    def token_salt(self) -> str:
        return f"{self.job_kind}.import"

    @property
    def report_salt(self) -> str:
        return f"{self.job_kind}.import-report"

    def url(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def urls(self) -> list[URLPattern]:
        get_post, get, post = require_http_methods(["GET", "POST"]), require_GET, require_POST
        template = login_required(get(self.template))
        return [
            path("import/", login_required(get_post(self.page)), name="import"),
            path("import/apply/", login_required(post(self.apply)), name="import_apply"),
            path("import/jobs/<int:pk>/", login_required(get(self.job)), name="import_job"),
            path("import/report.xlsx", login_required(get(self.report)), name="import_report"),
            path("import/template.xlsx", template, {"fmt": "xlsx"}, name="import_template_xlsx"),
            path("import/template.csv", template, {"fmt": "csv"}, name="import_template_csv"),
        ]

    def recent_jobs(self, user: Any) -> Any:
        return Job.objects.filter(user=user, kind=self.job_kind).order_by("-created_at")[:5]

    def links(self) -> dict[str, str]:
        """The flow's URLs for its templates."""
        names = ("import", "import_apply", "import_report", "import_template_xlsx", "import_template_csv")
        return {name: reverse(self.url(name)) for name in names}

    def context(self, request: AuthenticatedHttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            "title": self.title,
            "flow": self,
            "links": self.links(),
            "jobs": self.recent_jobs(request.user),
            **extra,
        }

    # The views (each behind login_required in urls()) ----------------------------------
    def page(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Upload a file and see the dry run: every bad row and field, or what would change."""
        self.may_import(request.user)
        form = UploadForm(
            request.POST or None, request.FILES or None, max_bytes=self.max_bytes, max_rows=self.max_rows
        )
        context = self.context(request, form=form)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            name = PurePath(upload.name or "").name
            try:
                if upload.size > self.max_bytes:
                    raise size_error(upload.size, self.max_bytes)
                content = upload.read()
                report = self.check(name, content, request.user)
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            else:
                context.update(report=report, file_name=name)
                with build_report_xlsx(report, name) as handle:
                    result = default_storage.save(
                        f"{IMPORT_FILES}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-check.xlsx",
                        ContentFile(handle.read()),
                    )
                context["report_token"] = signing.dumps(
                    {"report": result, "name": name, "user": request.user.pk}, salt=self.report_salt
                )
                if report.ok and report.writes:
                    stored = default_storage.save(
                        f"{IMPORT_FILES}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{PurePath(name).suffix.lower()}",
                        ContentFile(content),
                    )
                    context["token"] = signing.dumps(
                        {"file": stored, "name": name, "user": request.user.pk}, salt=self.token_salt
                    )
        return render(request, self.page_template, context)

    def apply(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Hand the checked file to the app's service; the job page shows the progress bar."""
        self.may_import(request.user)
        try:
            data = signing.loads(request.POST.get("token", ""), salt=self.token_salt, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            form = UploadForm(max_bytes=self.max_bytes, max_rows=self.max_rows)
            return render(
                request, self.page_template, self.context(request, form=form, expired=True), status=400
            )
        if data.get("user") != request.user.pk:
            raise PermissionDenied(_("This import was checked by another user."))
        job = self.start(request.user, data["file"], data["name"])
        return redirect(self.url("import_job"), pk=job.pk)

    def job(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(Job.objects.filter(user=request.user, kind=self.job_kind), pk=pk)
        return render(
            request, self.job_template, {"title": job.title, "job": job, "flow": self, "links": self.links()}
        )

    def report(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        """The dry run's result (every problem; every change before → after) as a workbook."""
        self.may_import(request.user)
        try:
            data = signing.loads(request.GET.get("t", ""), salt=self.report_salt, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            raise Http404(_("This check has expired; check the file again.")) from exc
        if data.get("user") != request.user.pk or not default_storage.exists(data["report"]):
            raise Http404(_("This check has expired; check the file again."))
        stem = PurePath(data.get("name") or "import").stem
        return FileResponse(
            default_storage.open(data["report"], "rb"),
            as_attachment=True,
            filename=f"{stem}-{_('check')}.xlsx",
            content_type=XLSX,
        )

    def template(self, request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
        """The template: .xlsx with drop-downs and instructions, or the same columns as CSV."""
        self.may_import(request.user)
        if fmt == "csv":
            response = HttpResponse(self.template_csv(), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                self.template_xlsx(request.user),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{self.template_stem}.{fmt}"
        return response
