"""Cadre pages of the reporting app. Thin: read input, read the record with
`hubportal.access.get_for` (404 outside the jurisdiction, 403 when only viewable), call one
service, render. Domain actions on one record are `ServiceActionView`s; a service's refusal
is shown on the form (`add_service_errors`) with what the user typed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hubportal import exports as hub_exports
from hubportal.access import get_for
from hubportal.files import file_response
from hubportal.forms import add_service_errors
from hubportal.generic import Column, ObjectDetailView, ObjectListView, ServiceActionView
from hubportal.history import history_of
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action, user_can
from hubportal.models import Job
from hubportal.pagecache import cached_page
from hubportal.replica import reads_from_replica
from orgs.models import LeagueUnit
from orgs.models.units import PATH_SEGMENT_WIDTH

from . import dashboards, documents, evidence, services
from . import exports as reporting_exports
from .filters import ProgrammeFilterSet, ReportFilterSet, ReportFormFilterSet, SpotCheckFilterSet
from .forms import (
    AssignForm,
    OpenReportForm,
    OutcomeForm,
    PeriodScopeForm,
    QuarterForm,
    ReopenQuarterForm,
    ReportValuesForm,
    ReturnForm,
    SpotCheckDrawForm,
    UnlockDecisionForm,
    UnlockRequestForm,
    UploadForm,
    VersionForm,
)
from .metrics import registry
from .models import (
    Programme,
    QuarterClosure,
    Report,
    ReportForm,
    ReportMetric,
    ReportValue,
    SpotCheck,
    SpotCheckItem,
    TargetSnapshot,
    UnlockRequest,
    programmes_readable_q,
)
from .tracking import Quarter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _home_unit(request: AuthenticatedHttpRequest) -> LeagueUnit:
    user = request.user
    unit = user.primary_unit or (
        LeagueUnit.objects.filter(parent__isnull=True).first() if user.is_superuser else None
    )
    if unit is None:
        raise PermissionDenied(_("Only cadres of a league unit can use this page."))
    return unit


def _unit_param(request: AuthenticatedHttpRequest, name: str = "unit") -> LeagueUnit:
    raw = request.GET.get(name)
    if not raw:
        return _home_unit(request)
    return get_for(request.user, LeagueUnit, raw, Action.VIEW)


# Forms ----------------------------------------------------------------------------


class FormListView(ObjectListView):
    model = ReportForm
    filterset_class = ReportFormFilterSet
    title = gettext_lazy("Report forms")
    default_ordering = "code"
    columns = [
        Column(gettext_lazy("Name"), "name", order_by="name"),
        Column(gettext_lazy("Code"), "code", order_by="code"),
        Column(gettext_lazy("Version"), "version"),
        Column(gettext_lazy("Period"), "period_type"),
        Column(gettext_lazy("Deadline day"), "deadline_day"),
        Column(gettext_lazy("Issued by"), "owner.name"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("owner")


class FormDetailView(ObjectDetailView):
    model = ReportForm
    template_name = "reporting/form_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["metrics"] = self.object.metrics.all()
        context["rules"] = self.object.rules.all()
        return context


# Reports --------------------------------------------------------------------------


class ReportListView(ObjectListView):
    model = Report
    filterset_class = ReportFilterSet
    title = gettext_lazy("Reports")
    default_ordering = "-period_start"
    template_name = "reporting/report_list.html"
    extra_actions = [(gettext_lazy("Figures by unit (Excel)"), "reporting:report_list_figures")]
    columns = [
        Column(gettext_lazy("Unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Form"), "form.name"),
        Column(gettext_lazy("Period"), "period_label", order_by="period_start"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Deadline"), "deadline", order_by="deadline"),
        Column(gettext_lazy("First submitted"), "first_submitted_at", order_by="first_submitted_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit", "form")


@login_required
def open_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open (creating on demand) the report of a unit and period."""
    form = OpenReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.open_report(request.user, data["form"].pk, data["unit"].pk, data["day"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(report)
    return render(
        request,
        "reporting/open_report.html",
        {"form": form, "title": _("File a report")},
        status=400 if form.errors else 200,
    )


def _report(request: AuthenticatedHttpRequest, pk: Any, action: Action = Action.VIEW) -> Report:
    reports = Report.objects.select_related("form", "unit", "unit__parent", "updated_by", "approved_by")
    return get_for(request.user, reports, pk, action)


@login_required
def report_attachment(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A report's attachment, for whoever may read the report (never from /media/)."""
    value = get_for(request.user, ReportValue.objects.select_related("report"), pk, Action.VIEW)
    return file_response(value.file, _("The attachment of this report is missing."))


@login_required
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    metrics = list(report.form.metrics.all())
    values = {v.metric_id: v for v in report.values.all()}
    can_change = user_can(request.user, report.unit, Action.CHANGE)
    can_approve = services.can_approve(request.user, report)
    context = {
        "report": report,
        "title": str(report),
        "rows": [(m, values.get(m.pk)) for m in metrics],
        "can_change": can_change,
        "can_edit": can_change and report.editable_reason() is None,
        "locked_reason": report.editable_reason(),
        "can_approve": can_approve and report.status in Report.AWAITING_APPROVAL,
        "return_form": ReturnForm(),
        "unlock_form": UnlockRequestForm(),
        "upload_form": UploadForm(),
        "versions": _versions_with_labels(report, metrics),
        "returns": report.returns.select_related("returned_by"),
        "unlocks": report.unlocks.select_related("requested_by", "decided_by"),
        "can_decide_unlock": can_approve,
        "history": history_of(report),
    }
    return render(request, "reporting/report_detail.html", context)


@login_required
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Fill in a report. The raw input goes to `save_report`, which checks it exactly like
    the API and the workbook; a refusal is shown next to each field, keeping what was typed."""
    report = _report(request, pk, Action.CHANGE)
    metrics = list(report.form.metrics.all())
    locked_reason = report.editable_reason()
    if locked_reason:
        return _locked_report(request, report, metrics, locked_reason)
    initial = {v.metric.code: v.value for v in report.values.select_related("metric")}
    form = ReportValuesForm(
        request.POST or None, request.FILES or None, report=report, metrics=metrics, initial_values=initial
    )
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.save_report(
                request.user,
                report.pk,
                request.POST,
                request.FILES,
                version=request.POST.get("version"),
                submit=submit,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report was submitted.") if submit else _("The draft was saved."))
            return redirect(report)
    return render(
        request,
        "reporting/report_edit.html",
        {
            "report": report,
            "form": form,
            "title": _("Fill in %(report)s") % {"report": report},
        },
        status=400 if form.errors else 200,
    )


def _locked_report(
    request: AuthenticatedHttpRequest, report: Report, metrics: list[ReportMetric], reason: str
) -> HttpResponse:
    """A report that cannot be changed now (submitted, approved, past its deadline): its
    values read-only, why, and the unlock request instead of fields the save would refuse."""
    values = {v.metric_id: v for v in report.values.all()}
    awaiting = report.status in (Report.Status.SUBMITTED, Report.Status.RESUBMITTED)
    pending = report.unlocks.filter(status=UnlockRequest.Status.PENDING).first()
    return render(
        request,
        "reporting/report_locked.html",
        {
            "report": report,
            "title": _("Fill in %(report)s") % {"report": report},
            "locked_reason": reason,
            "rows": [(m, values.get(m.pk)) for m in metrics],
            "pending_unlock": pending,
            "unlock_form": None if awaiting or pending else UnlockRequestForm(),
        },
        status=409 if request.method == "POST" else 200,
    )


def _versions_with_labels(report: Report, metrics: list[ReportMetric]) -> list[Any]:
    """Submitted versions, each with `rows` of (metric label, value): the stored data is keyed
    by code, which means nothing to a reader."""
    labels = {m.code: m.label for m in metrics}
    versions: list[Any] = list(report.versions.select_related("created_by"))
    for version in versions:
        version.rows = [(labels.get(code, code), value) for code, value in version.data.items()]
    return versions


class ReportSubmitView(ServiceActionView):
    """Submit the saved values as they are (the button on the report's page)."""

    model = Report
    form_class = VersionForm
    service = services.submit_report
    title = gettext_lazy("Submit %(object)s")
    submit_label = gettext_lazy("Submit")
    success_message = gettext_lazy("The report was submitted.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"initial": {"version": self.object.version}}


class ReportApproveView(ServiceActionView):
    """Approve a submitted report: read with VIEW, the service decides (parent unit only, 403)."""

    model = Report
    right = Action.VIEW
    service = services.approve_report
    success_message = gettext_lazy("The report was approved and is now locked.")


class ReportReturnView(ServiceActionView):
    model = Report
    right = Action.VIEW
    form_class = ReturnForm
    service = services.return_report
    title = gettext_lazy("Return %(object)s")
    submit_label = gettext_lazy("Return to the unit")
    success_message = gettext_lazy("The report was returned to its unit.")


class ReportUnlockRequestView(ServiceActionView):
    model = Report
    form_class = UnlockRequestForm
    service = services.request_unlock
    title = gettext_lazy("Ask to unlock %(object)s")
    submit_label = gettext_lazy("Send the request")
    success_message = gettext_lazy("Your request was sent to the parent unit.")


class UnlockDecideView(ServiceActionView):
    """The parent unit unlocks a report for some hours, or refuses."""

    model = UnlockRequest
    right = Action.VIEW
    form_class = UnlockDecisionForm
    service = services.decide_unlock
    title = gettext_lazy("Decide on %(object)s")

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        approve = form.cleaned_data["decision"] == "approve"
        self.success_message = _("The report was unlocked.") if approve else _("The request was refused.")
        return {"approve": approve, "hours": form.cleaned_data["hours"]}


class ReportUploadView(ServiceActionView):
    """Read a filled-in workbook back into the report."""

    model = Report
    form_class = UploadForm
    service = services.import_report_workbook
    title = gettext_lazy("Upload the filled-in Excel file for %(object)s")
    submit_label = gettext_lazy("Upload")
    success_message = gettext_lazy("The figures from the Excel file were saved.")

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return {"fileobj": form.cleaned_data["file"]}


@login_required
def report_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return _download(services.report_workbook(report), f"report-{report.pk}-{report.period_label}.xlsx", XLSX)


class ApprovalListView(ObjectListView):
    model = Report
    title = gettext_lazy("Reports awaiting my approval")
    default_ordering = "submitted_at"
    columns = ReportListView.columns

    def get_queryset(self):
        queryset = Report.objects.visible_to(self.actor).awaiting_approval_by(self.actor)
        self.filterset = None
        return queryset.select_related("unit", "form").order_by("submitted_at", "pk")


# Completeness and briefing -------------------------------------------------------


def _scope(request: AuthenticatedHttpRequest) -> tuple[PeriodScopeForm, LeagueUnit, ReportForm | None, date]:
    form = PeriodScopeForm(request.GET or None, user=request.user)
    unit, report_form, day = None, None, None
    if form.is_bound and form.is_valid():
        unit, report_form, day = (
            form.cleaned_data["unit"],
            form.cleaned_data["form"],
            form.cleaned_data["day"],
        )
    unit = unit or _home_unit(request)
    if not user_can(request.user, unit, Action.VIEW):
        raise Http404(_("This unit does not exist or lies outside your jurisdiction."))
    report_form = (
        report_form or ReportForm.objects.visible_to(request.user).order_by("period_type", "code").first()
    )
    if day is None:
        day = timezone.localdate()
        if report_form is not None:
            # By default the latest period whose deadline has passed or is near.
            start, _end = report_form.period_for(day)
            day = report_form.period_for(start - timedelta(days=1))[0]
    if not form.is_bound:
        # Show what is displayed, so the cadre changes one thing at a time.
        initial = {"unit": unit.pk, "form": report_form.pk if report_form else None, "day": day}
        form = PeriodScopeForm(user=request.user, initial=initial)
    return form, unit, report_form, day


@login_required
def completeness_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, unit, report_form, day = _scope(request)
    result = services.completeness(unit, report_form, day) if report_form else None
    chart = None
    if result is not None:
        chart = {
            "categories": [child.name for child, _c in result.by_child],
            "series": [
                {"key": key, "name": label, "data": [counts[key] for _child, counts in result.by_child]}
                for key, label in (
                    ("on_time", _("On time")),
                    ("late", _("Late")),
                    ("not_filed", _("Not filed")),
                    ("pending", _("Not yet due")),
                )
            ],
        }
    return render(
        request,
        "reporting/completeness.html",
        {
            "title": _("Completeness and timeliness"),
            "form": form,
            "unit": unit,
            "result": result,
            "chart": chart,
        },
    )


@login_required
def briefing_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, unit, report_form, day = _scope(request)
    if report_form is None:
        raise Http404(_("There is no report form yet."))
    briefing = documents.compile_briefing(unit, report_form, day)
    export = request.GET.get("export")
    if export == "pdf":
        return _download(
            documents.briefing_pdf(briefing),
            f"briefing-{unit.pk}-{briefing.period_start}.pdf",
            "application/pdf",
        )
    if export == "docx":
        return _download(
            documents.briefing_docx(briefing), f"briefing-{unit.pk}-{briefing.period_start}.docx", DOCX
        )
    return render(
        request, "reporting/briefing.html", {"title": briefing.title, "form": form, "briefing": briefing}
    )


# Spot checks ----------------------------------------------------------------------


class SpotCheckListView(ObjectListView):
    model = SpotCheck
    filterset_class = SpotCheckFilterSet
    title = gettext_lazy("Spot checks")
    default_ordering = "-created_at"
    create_url_name = "reporting:spotcheck_create"
    columns = [
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Unit"), "unit.name"),
        Column(gettext_lazy("Calls"), "sample_size"),
        Column(gettext_lazy("Drawn at"), "created_at", order_by="created_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit")


@login_required
def spotcheck_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SpotCheckDrawForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = services.draw_spot_check(
                request.user,
                data["unit"].pk,
                data["period_start"],
                data["period_end"],
                data["sample_size"],
                seed=data["seed"],
                metric_code=data["metric"] or None,
                title=data["title"],
                source=data["source"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(n)s calls were drawn.") % {"n": check.sample_size})
            return redirect(check)
    return render(
        request,
        "reporting/spotcheck_form.html",
        {"form": form, "title": _("Draw a spot check")},
        status=400 if form.errors else 200,
    )


@login_required
def spotcheck_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    check, items = _spotcheck_items(request, pk)
    return render(
        request,
        "reporting/spotcheck_detail.html",
        {
            "title": check.title,
            "check": check,
            "items": items,
            "outcome_form": OutcomeForm(),
            "rates": services.confirmation_rates(items),
            "can_change": user_can(request.user, check.unit, Action.CHANGE),
            "assign_form": AssignForm(spot_check=check),
        },
    )


@login_required
@require_GET
def report_list_figures(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The report list's figures button: its filters (within unit, form, period from) become
    the scope of the figures sheet 报送情况 exports, so both give the same sheet."""
    scope = {"unit": "subtree", "form": "form", "day": "period_from"}
    query = {key: request.GET.get(name, "") for key, name in scope.items()}
    target = reverse("reporting:monthly_figures_xlsx")
    return redirect(f"{target}?{urlencode({k: v for k, v in query.items() if v})}")


@login_required
@require_GET
def spotcheck_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The calls the page lists, as Excel."""
    check, items = _spotcheck_items(request, pk)
    return hub_exports.xlsx_response(
        reporting_exports.spotcheck_xlsx(check, items.select_related("content_type")), "spot-check"
    )


def _spotcheck_items(request: AuthenticatedHttpRequest, pk: int) -> tuple[SpotCheck, Any]:
    """The spot check the user may see and its calls within the user's jurisdiction."""
    check = get_for(request.user, SpotCheck.objects.select_related("unit", "drawn_by"), pk)
    items = (
        SpotCheckItem.objects.visible_to(request.user)
        .filter(spot_check=check)
        .select_related("unit", "assigned_to")
    )
    return check, items


class SpotCheckAssignView(ServiceActionView):
    """Give the ticked calls to a cadre who makes them."""

    model = SpotCheck
    form_class = AssignForm
    service = services.assign_spot_check_items
    title = gettext_lazy("Assign calls of %(object)s")
    submit_label = gettext_lazy("Assign")
    success_message = gettext_lazy("The calls were assigned.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"spot_check": self.object}

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return {"item_pks": form.cleaned_data["items"], "assignee_pk": form.cleaned_data["assignee"].pk}


class SpotCheckOutcomeView(ServiceActionView):
    """Record the outcome of one call: the unit's cadres and the cadre it was assigned to."""

    model = SpotCheckItem
    form_class = OutcomeForm
    service = services.record_spot_check_outcome
    title = gettext_lazy("Outcome of the call: %(object)s")
    submit_label = gettext_lazy("Record")
    success_message = gettext_lazy("The outcome was recorded.")

    def get_object(self) -> Any:
        return get_for(
            self.request.user,
            SpotCheckItem,
            self.kwargs["pk"],
            Action.CHANGE,
            also=Q(assigned_to=self.request.user.pk),
        )


# Programmes, targets and dashboards -----------------------------------------------


class ProgrammeListView(ObjectListView):
    model = Programme
    filterset_class = ProgrammeFilterSet
    title = gettext_lazy("Programmes")
    default_ordering = "-start_year"
    columns = [
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("First year"), "start_year", order_by="start_year"),
        Column(gettext_lazy("Last year"), "end_year"),
        Column(gettext_lazy("Issued by"), "owner.name"),
    ]

    def get_queryset(self):
        # Programmes issued above a cadre's unit apply to it; a neighbouring city's plan does not.
        queryset = Programme.objects.select_related("owner").filter(programmes_readable_q(self.actor))
        self.filterset = ProgrammeFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_bound else queryset


@login_required
def programme_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Programmes issued above the cadre's unit apply to it too: readable beyond jurisdiction.
    programme = get_for(
        request.user, Programme.objects.select_related("owner"), pk, also=programmes_readable_q(request.user)
    )
    rules = list(programme.rules.all())
    metric_names = {r.metric: registry.get(r.metric) for r in rules}
    return render(
        request,
        "reporting/programme_detail.html",
        {
            "title": programme.name,
            "programme": programme,
            "rules": [(r, metric_names[r.metric]) for r in rules],
            "phase": programme.phase_on(timezone.localdate()),
        },
    )


def _period_param(request: AuthenticatedHttpRequest) -> Quarter:
    try:
        return Quarter.parse(request.GET.get("period") or str(Quarter.containing(timezone.localdate())))
    except ValidationError:
        return Quarter.containing(timezone.localdate())


def _is_province_admin(user: Any, unit: LeagueUnit) -> bool:
    """Administrators of the root unit (the first segment of any unit's path) close quarters."""
    root = LeagueUnit(path=unit.path[: PATH_SEGMENT_WIDTH + 1])
    return user_can(user, root, Action.MANAGE)


class _KnownCount(Paginator):
    """A paginator told its count (the dashboard knows it from the status totals): no COUNT query."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _dashboard_scope(
    request: AuthenticatedHttpRequest,
) -> tuple[LeagueUnit, Quarter, str, QuerySet[TargetSnapshot], QuerySet[TargetSnapshot], str]:
    """The dashboard's unit, quarter, programme and status filter, the unit's snapshots (all
    quarters) and the quarter's: what the page and its Excel export both read."""
    unit = _unit_param(request)
    quarter = _period_param(request)
    programme_id = request.GET.get("programme") or ""
    in_unit = TargetSnapshot.objects.visible_to(request.user).in_subtree(unit)
    if programme_id.isdigit():
        in_unit = in_unit.filter(rule__programme_id=int(programme_id))
    snapshots = in_unit.filter(period=str(quarter))
    status_filter = request.GET.get("status") or ""
    return unit, quarter, programme_id, in_unit, snapshots, status_filter


@login_required
@reads_from_replica
@cached_page
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Target status of every unit below the cadre's unit, by unit, by child and over quarters.

    Queries (a city's dashboard): session, user, memberships, [the unit when named], the
    statuses per quarter, the statuses per child, the page of snapshots, the programmes, the
    quarter's closure, [the matrix when a programme is chosen] — at most 10.
    """
    unit, quarter, programme_id, in_unit, snapshots, status_filter = _dashboard_scope(request)
    figures = dashboards.overview(snapshots, in_unit, unit, str(quarter))
    if status_filter in TargetSnapshot.Status.values:
        listed, count = snapshots.filter(status=status_filter), figures.counts.get(status_filter, 0)
    else:
        listed, count = snapshots, sum(figures.counts.values())
    page_obj = _KnownCount(
        listed.select_related("unit", "rule", "rule__programme").order_by(
            "unit__path", "rule__programme_id", "rule__order", "pk"
        ),
        100,
        count,
    ).get_page(request.GET.get("page"))
    rows = [(s, dashboards.colour_of(s.status), registry.get(s.rule.metric)) for s in page_obj]
    job_id = request.GET.get("job") or ""
    return render(
        request,
        "reporting/dashboard.html",
        {
            "title": _("Targets of %(unit)s") % {"unit": unit.name},
            "unit": unit,
            "quarter": quarter,
            "page_obj": page_obj,
            "rows": rows,
            "snapshot_rows": dashboards.snapshot_rows_html(rows, quarter),
            "definitions": sorted(
                {(str(m.label), str(m.definition)) for _s, _c, m in rows if m is not None and m.definition}
            ),
            "totals": figures.totals,
            "chart": figures.chart,
            "programmes": Programme.objects.filter(programmes_readable_q(request.user)).order_by("name"),
            "programme_id": programme_id,
            "status_filter": status_filter,
            "statuses": TargetSnapshot.Status.choices,
            "job": Job.objects.filter(pk=int(job_id), user=request.user).first()
            if job_id.isdigit()
            else None,
            "closure": QuarterClosure.objects.filter(period=str(quarter)).first(),
            "can_close": _is_province_admin(request.user, unit),
            "matrix": dashboards.matrix(snapshots, unit, int(programme_id))
            if programme_id.isdigit()
            else None,
            "periods": [str(Quarter(quarter.year - 1, n)) for n in range(1, 5)]
            + [str(Quarter(quarter.year, n)) for n in range(1, 5)],
        },
    )


@login_required
def snapshot_drilldown(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """From a number on the dashboard to the records behind it: the rows its tracking run
    stored (the same list as `GET /api/reporting/snapshots/<id>/records/`)."""
    snapshot = get_for(
        request.user,
        TargetSnapshot.objects.select_related(
            "rule", "rule__programme", "unit", "evidence_set", "evidence_set__content_type"
        ),
        pk,
    )
    rows = evidence.evidence_rows(snapshot)
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page")) if rows is not None else None
    return render(
        request,
        "reporting/snapshot_detail.html",
        {
            "title": _("%(target)s · %(unit)s · %(period)s")
            % {"target": snapshot.rule.label, "unit": snapshot.unit.name, "period": snapshot.period},
            "snapshot": snapshot,
            "summary": evidence.summary(snapshot),
            "colour": dashboards.colour_of(snapshot.status),
            "headings": evidence.headings(evidence.evidence_of(snapshot)),
            "lines": evidence.lines(snapshot, list(page_obj)) if page_obj is not None else [],
            "page_obj": page_obj,
            "message": evidence.no_evidence_message(snapshot) if rows is None else "",
            "closure": QuarterClosure.objects.filter(period=snapshot.period, closed=True).first(),
        },
    )


@login_required
@require_POST
def run_tracking(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a tracking run (`start_tracking` starts the job); the dashboard shows its progress."""
    try:
        job = services.start_tracking(request.user, request.POST.get("period"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        period = request.POST.get("period", "")
        return HttpResponseRedirect(f"{reverse('reporting:dashboard')}?{urlencode({'period': period})}")
    period = job.result.get("period", "")
    return HttpResponseRedirect(f"{reverse('reporting:dashboard')}?period={period}&job={job.pk}")


@login_required
def quarters(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Closed and reopened quarters with their history; the province's administrators close
    and reopen them here (a reopening needs a reason)."""
    # Queries: the quarters (with who closed and reopened them), their history events and the
    # events' users — whatever the number of quarters.
    closures = list(QuarterClosure.objects.select_related("closed_by", "reopened_by").order_by("-period"))
    unit = _home_unit(request)
    today = timezone.localdate()
    current = Quarter.containing(today)
    ended = [current.previous(), current.previous().previous()]
    known = {c.period for c in closures if c.closed}
    return render(
        request,
        "reporting/quarters.html",
        {
            "title": _("Closed quarters"),
            "rows": dashboards.quarter_history(closures),
            "can_close": _is_province_admin(request.user, unit),
            "closable": [str(q) for q in ended if str(q) not in known],
            "close_form": QuarterForm(),
            "reopen_form": ReopenQuarterForm(),
        },
    )


@login_required
@require_POST
def close_quarter(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Close a quarter (the province's administrators); refusals come back as messages."""
    period = request.POST.get("period", "")
    try:
        services.close_quarter(request.user, period)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(period)s is closed: its snapshots are frozen.") % {"period": period})
    return redirect("reporting:quarters")


@login_required
def reopen_quarter(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reopen a quarter with a reason; a refusal is shown on the form with what was typed."""
    form = ReopenQuarterForm(request.POST or None, initial={"period": request.GET.get("period", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_quarter(request.user, form.cleaned_data["period"], form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(period)s is open again: a tracking run may rewrite it.")
                % {"period": form.cleaned_data["period"]},
            )
            return redirect("reporting:quarters")
    return render(
        request,
        "reporting/reopen_quarter.html",
        {"title": _("Reopen a closed quarter"), "form": form},
        status=400 if form.errors else 200,
    )


def _inspection_scope(request: AuthenticatedHttpRequest) -> tuple[LeagueUnit, Quarter, Any]:
    unit = _unit_param(request)
    quarter = _period_param(request) if request.GET.get("period") else Quarter(timezone.localdate().year, 4)
    snapshots = (
        TargetSnapshot.objects.visible_to(request.user)
        .in_subtree(unit)
        .filter(period=str(quarter))
        .exclude(unit=unit)
    )
    return unit, quarter, snapshots


@login_required
def ranking_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The December ranking of the units below, by peer group, with its formula."""
    unit, quarter, snapshots = _inspection_scope(request)
    return render(
        request,
        "reporting/ranking.html",
        {
            "title": _("Ranking of the units below %(unit)s, %(period)s")
            % {"unit": unit.name, "period": quarter},
            "unit": unit,
            "quarter": quarter,
            "groups": dashboards.ranking(snapshots),
            "formula": dashboards.RANKING_FORMULA,
            "periods": [str(Quarter(quarter.year - 1, n)) for n in range(1, 5)]
            + [str(Quarter(quarter.year, n)) for n in range(1, 5)],
        },
    )


@login_required
def inspection_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The December inspection sheet and ranking of the units below, as Excel or PDF."""
    unit, quarter, snapshots = _inspection_scope(request)
    title = _("%(unit)s target inspection %(period)s") % {"unit": unit.name, "period": quarter}
    if request.GET.get("format") == "pdf":
        return _download(
            documents.inspection_pdf(title, snapshots),
            f"inspection-{unit.pk}-{quarter}.pdf",
            "application/pdf",
        )
    return _download(
        documents.inspection_xlsx(title, snapshots), f"inspection-{unit.pk}-{quarter}.xlsx", XLSX
    )


# Excel of the lists that are not ObjectListViews (same scope and filters as their pages) ---------


@login_required
@require_GET
def completeness_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """报送情况 as Excel: the page's unit, form and period."""
    _form, unit, report_form, day = _scope(request)
    if report_form is None:
        raise Http404(_("There is no report form yet."))
    result = services.completeness(unit, report_form, day)
    return hub_exports.xlsx_response(reporting_exports.completeness_xlsx(result, unit), "completeness")


@login_required
@require_GET
def monthly_figures_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The figures sheet of the page's unit, form and period: a row per child unit, a column
    per metric."""
    _form, unit, report_form, day = _scope(request)
    if report_form is None:
        raise Http404(_("There is no report form yet."))
    handle = reporting_exports.monthly_figures_xlsx(request.user, unit, report_form, day)
    return hub_exports.xlsx_response(handle, "figures")


@login_required
@require_GET
@reads_from_replica
def dashboard_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Every target snapshot the dashboard lists under its filters (all pages) as Excel."""
    unit, quarter, programme_id, _in_unit, snapshots, status_filter = _dashboard_scope(request)
    filters: list[tuple[Any, Any]] = [(_("Quarter"), str(quarter))]
    if programme_id.isdigit():
        programme = Programme.objects.filter(
            programmes_readable_q(request.user), pk=int(programme_id)
        ).first()
        filters.append((_("Programme"), programme.name if programme else "—"))
    if status_filter in TargetSnapshot.Status.values:
        snapshots = snapshots.filter(status=status_filter)
        filters.append((_("Status"), TargetSnapshot.Status(status_filter).label))
    handle = reporting_exports.snapshots_xlsx(snapshots, unit, filters)
    return hub_exports.xlsx_response(handle, "targets")
