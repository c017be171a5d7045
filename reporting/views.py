"""Cadre pages of the reporting app. Thin: read input, check access, call a service, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hubportal.generic import Column, ObjectDetailView, ObjectListView
from hubportal.history import history_of
from hubportal.jurisdiction import Action, user_can
from hubportal.models import Job
from hubportal.tasks import enqueue
from orgs.models import LeagueUnit

from . import documents, services
from .filters import ProgrammeFilterSet, ReportFilterSet, ReportFormFilterSet, SpotCheckFilterSet
from .forms import (
    AssignForm,
    OpenReportForm,
    OutcomeForm,
    PeriodScopeForm,
    ReportValuesForm,
    ReturnForm,
    SpotCheckDrawForm,
    UnlockDecisionForm,
    UnlockRequestForm,
    UploadForm,
)
from .metrics import registry
from .models import (
    Programme,
    Report,
    ReportForm,
    SpotCheck,
    SpotCheckItem,
    TargetSnapshot,
    UnlockRequest,
    programmes_readable_q,
)
from .tasks import track_targets_task
from .tracking import Quarter, window_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _home_unit(request: HttpRequest) -> LeagueUnit:
    user = request.user
    unit = user.primary_unit or (
        LeagueUnit.objects.filter(parent__isnull=True).first() if user.is_superuser else None
    )
    if unit is None:
        raise PermissionDenied(_("Only cadres of a league unit can use this page."))
    return unit


def _unit_param(request: HttpRequest, name: str = "unit") -> LeagueUnit:
    raw = request.GET.get(name)
    if not raw:
        return _home_unit(request)
    try:
        return LeagueUnit.objects.visible_to(request.user).get(pk=int(raw))
    except (ValueError, LeagueUnit.DoesNotExist) as exc:
        raise Http404(_("This unit does not exist or lies outside your jurisdiction.")) from exc


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
def open_report(request: HttpRequest) -> HttpResponse:
    """Open (creating on demand) the report of a unit and period."""
    form = OpenReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_for(
                request.user, form.cleaned_data["form"], form.cleaned_data["unit"], form.cleaned_data["day"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            return redirect(report)
    return render(request, "reporting/open_report.html", {"form": form, "title": _("File a report")})


def _report_or_404(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related(
            "form", "unit", "unit__parent", "updated_by", "approved_by"
        ),
        pk=pk,
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
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
        "decision_form": UnlockDecisionForm(),
        "upload_form": UploadForm(),
        "versions": _versions_with_labels(report, metrics),
        "returns": report.returns.select_related("returned_by"),
        "unlocks": report.unlocks.select_related("requested_by", "decided_by"),
        "can_decide_unlock": can_approve,
        "history": history_of(report),
    }
    return render(request, "reporting/report_detail.html", context)


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    if not user_can(request.user, report.unit, Action.CHANGE):
        raise PermissionDenied(_("You may view this report but not change it."))
    metrics = list(report.form.metrics.all())
    initial = {v.metric.code: v.value for v in report.values.select_related("metric")}
    form = ReportValuesForm(
        request.POST or None, request.FILES or None, report=report, metrics=metrics, initial_values=initial
    )
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.save_report_values(
                report.pk,
                request.user,
                request.POST,
                request.FILES,
                expected_version=form.cleaned_data["version"],
                submit=submit,
            )
        except ValidationError as exc:
            form.apply_errors(exc)
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
            "locked_reason": report.editable_reason(),
        },
    )


def _versions_with_labels(report: Report, metrics: list[Any]) -> list[Any]:
    """Submitted versions, each with `rows` of (metric label, value): the stored data is keyed
    by code, which means nothing to a reader."""
    labels = {m.code: m.label for m in metrics}
    versions: list[Any] = list(report.versions.select_related("created_by"))
    for version in versions:
        version.rows = [(labels.get(code, code), value) for code, value in version.data.items()]
    return versions


def _action(request: HttpRequest, pk: int, func: Any, success: str) -> HttpResponse:
    try:
        func()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return HttpResponseRedirect(reverse("reporting:report_detail", args=[pk]))


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("version")
    return _action(
        request,
        pk,
        lambda: services.submit_report(
            pk, request.user, int(version) if version and version.isdigit() else None
        ),
        _("The report was submitted."),
    )


@login_required
@require_POST
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda: services.approve_report(pk, request.user),
        _("The report was approved and is now locked."),
    )


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason for returning the report."))
        return HttpResponseRedirect(reverse("reporting:report_detail", args=[pk]))
    return _action(
        request,
        pk,
        lambda: services.return_report(
            pk, request.user, form.cleaned_data["code"], form.cleaned_data["comment"]
        ),
        _("The report was returned to its unit."),
    )


@login_required
@require_POST
def report_unlock_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda: services.request_unlock(pk, request.user, request.POST.get("reason", "")),
        _("Your request was sent to the parent unit."),
    )


@login_required
@require_POST
def unlock_decide(request: HttpRequest, pk: int) -> HttpResponse:
    unlock = get_object_or_404(UnlockRequest.objects.visible_to(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    form = UnlockDecisionForm(request.POST)
    hours = form.cleaned_data["hours"] if form.is_valid() else 0
    return _action(
        request,
        unlock.report_id,
        lambda: services.decide_unlock(pk, request.user, approve, hours if approve else 1),
        _("The report was unlocked.") if approve else _("The request was refused."),
    )


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _download(services.report_workbook(report), f"report-{report.pk}-{report.period_label}.xlsx", XLSX)


@login_required
@require_POST
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the Excel file to upload."))
        return HttpResponseRedirect(reverse("reporting:report_detail", args=[pk]))
    try:
        services.import_report_workbook(pk, request.user, form.cleaned_data["file"])
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.message_dict.items():
                prefix = "" if key == services.NON_FIELD else f"{key}: "
                for message in errors:
                    messages.error(request, prefix + message)
        else:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.success(request, _("The figures from the Excel file were saved."))
    return HttpResponseRedirect(reverse("reporting:report_detail", args=[pk]))


class ApprovalListView(ObjectListView):
    model = Report
    title = gettext_lazy("Reports awaiting my approval")
    default_ordering = "submitted_at"
    columns = ReportListView.columns

    def get_queryset(self):
        queryset = Report.objects.visible_to(self.request.user).awaiting_approval_by(self.request.user)
        self.filterset = None
        return queryset.select_related("unit", "form").order_by("submitted_at", "pk")


# Completeness and briefing -------------------------------------------------------


def _scope(request: HttpRequest) -> tuple[PeriodScopeForm, LeagueUnit, ReportForm | None, date]:
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
def completeness_view(request: HttpRequest) -> HttpResponse:
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
def briefing_view(request: HttpRequest) -> HttpResponse:
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
def spotcheck_create(request: HttpRequest) -> HttpResponse:
    form = SpotCheckDrawForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = services.draw_spot_check(
                request.user,
                data["unit"],
                data["period_start"],
                data["period_end"],
                data["sample_size"],
                seed=data["seed"],
                metric_code=data["metric"] or None,
                title=data["title"],
                source=data["source"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(n)s calls were drawn.") % {"n": check.sample_size})
            return redirect(check)
    return render(request, "reporting/spotcheck_form.html", {"form": form, "title": _("Draw a spot check")})


@login_required
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(
        SpotCheck.objects.visible_to(request.user).select_related("unit", "drawn_by"), pk=pk
    )
    items = (
        SpotCheckItem.objects.visible_to(request.user)
        .filter(spot_check=check)
        .select_related("unit", "assigned_to")
    )
    if request.method == "POST" and request.POST.get("action") == "assign":
        assign = AssignForm(request.POST, unit=check.unit)
        assign.set_items([i.pk for i in items])
        if assign.is_valid():
            try:
                count = services.assign_spot_check_items(
                    request.user, assign.cleaned_data["items"], assign.cleaned_data["assignee"].pk
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("%(n)s calls were assigned.") % {"n": count})
        else:
            messages.error(request, _("Choose the calls and the cadre who makes them."))
        return redirect(check)
    if request.method == "POST":
        item_id = request.POST.get("item")
        form = OutcomeForm(request.POST)
        if form.is_valid() and item_id and item_id.isdigit():
            try:
                services.record_spot_check_outcome(
                    request.user, int(item_id), form.cleaned_data["outcome"], form.cleaned_data["note"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The outcome was recorded."))
        else:
            messages.error(request, _("Choose the outcome of the call."))
        return redirect(check)
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
            "assign_form": AssignForm(unit=check.unit),
        },
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
        queryset = Programme.objects.select_related("owner").filter(programmes_readable_q(self.request.user))
        self.filterset = ProgrammeFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_bound else queryset


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not (request.user.is_cadre or request.user.is_superuser):
        raise Http404
    programme = get_object_or_404(
        Programme.objects.select_related("owner").filter(programmes_readable_q(request.user)), pk=pk
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


STATUS_COLOURS = {
    TargetSnapshot.Status.MET: "success",
    TargetSnapshot.Status.ON_TRACK: "info",
    TargetSnapshot.Status.BEHIND: "warning",
    TargetSnapshot.Status.OVERDUE: "danger",
    TargetSnapshot.Status.NO_DATA: "secondary",
}


def _period_param(request: HttpRequest) -> Quarter:
    try:
        return Quarter.parse(request.GET.get("period") or str(Quarter.containing(timezone.localdate())))
    except ValidationError:
        return Quarter.containing(timezone.localdate())


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Target status of every unit below the cadre's unit, by unit, by city and over quarters."""
    unit = _unit_param(request)
    quarter = _period_param(request)
    programme_id = request.GET.get("programme") or ""
    snapshots = TargetSnapshot.objects.visible_to(request.user).in_subtree(unit).filter(period=str(quarter))
    if programme_id.isdigit():
        snapshots = snapshots.filter(rule__programme_id=int(programme_id))
    status_filter = request.GET.get("status") or ""
    listed = (
        snapshots.filter(status=status_filter) if status_filter in TargetSnapshot.Status.values else snapshots
    )
    page = listed.select_related("unit", "rule", "rule__programme").order_by(
        "unit__path", "rule__programme_id", "rule__order"
    )
    from django.core.paginator import Paginator

    paginator = Paginator(page, 100)
    page_obj = paginator.get_page(request.GET.get("page"))
    totals = dict(snapshots.values_list("status").annotate(n=Count("pk")).order_by())
    # By child unit (cities under the province): one GROUP BY over the path prefix.
    from django.db.models.functions import Substr

    width = len(unit.path) + 9
    by_child_rows = (
        snapshots.exclude(unit=unit)
        .annotate(prefix=Substr("unit__path", 1, width))
        .values("prefix", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    children = {c.path: c.name for c in unit.children.all()}
    child_names = sorted({children[r["prefix"]] for r in by_child_rows if r["prefix"] in children})
    by_child: dict[str, dict[str, int]] = {name: {} for name in child_names}
    for row in by_child_rows:
        name = children.get(row["prefix"])
        if name:
            by_child[name][row["status"]] = by_child[name].get(row["status"], 0) + row["n"]
    over_time = (
        TargetSnapshot.objects.visible_to(request.user)
        .in_subtree(unit)
        .values("period")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=Q(status=TargetSnapshot.Status.MET)),
            measured=Count("pk", filter=~Q(status=TargetSnapshot.Status.NO_DATA)),
        )
        .order_by("period")
    )
    statuses = TargetSnapshot.Status
    chart = {
        "cities": child_names,
        "series": [
            {"name": str(label), "key": key, "data": [by_child[n].get(key, 0) for n in child_names]}
            for key, label in statuses.choices
        ],
        "periods": [r["period"] for r in over_time],
        "met_share": [round(100 * r["met"] / r["measured"], 1) if r["measured"] else 0 for r in over_time],
    }
    matrix = _matrix(snapshots, unit, int(programme_id)) if programme_id.isdigit() else None
    job_id = request.GET.get("job")
    job = (
        Job.objects.filter(pk=int(job_id), user=request.user).first() if job_id and job_id.isdigit() else None
    )
    return render(
        request,
        "reporting/dashboard.html",
        {
            "title": _("Targets of %(unit)s") % {"unit": unit.name},
            "unit": unit,
            "quarter": quarter,
            "page_obj": page_obj,
            "rows": [(s, STATUS_COLOURS[s.status]) for s in page_obj],
            "totals": [
                (key, label, totals.get(key, 0), STATUS_COLOURS[key]) for key, label in statuses.choices
            ],
            "chart": chart,
            "programmes": Programme.objects.filter(programmes_readable_q(request.user)).order_by("name"),
            "programme_id": programme_id,
            "status_filter": status_filter,
            "statuses": statuses.choices,
            "job": job,
            "comparison": _registry_vs_reports(unit, quarter),
            "matrix": matrix,
            "periods": [str(Quarter(quarter.year - 1, n)) for n in range(1, 5)]
            + [str(Quarter(quarter.year, n)) for n in range(1, 5)],
        },
    )


def _matrix(snapshots: Any, unit: LeagueUnit, programme_id: int) -> dict[str, Any] | None:
    """The units directly below `unit` against the programme's targets, one query."""
    rows = list(
        snapshots.filter(unit__parent=unit, rule__programme_id=programme_id)
        .select_related("unit", "rule")
        .order_by("unit__path", "rule__order", "rule_id")
    )
    if not rows:
        return None
    rules = sorted({(s.rule.order, s.rule_id): s.rule for s in rows}.items())
    by_unit: dict[int, dict[int, TargetSnapshot]] = {}
    units: dict[int, LeagueUnit] = {}
    for s in rows:
        units[s.unit_id] = s.unit
        by_unit.setdefault(s.unit_id, {})[s.rule_id] = s
    table = []
    for unit_id, child in units.items():
        cells = []
        for _key, rule in rules:
            s = by_unit[unit_id].get(rule.pk)
            cells.append((s, STATUS_COLOURS[s.status] if s else ""))
        table.append((child, cells))
    return {"rules": [rule for _key, rule in rules], "rows": table}


def _registry_vs_reports(unit: LeagueUnit, quarter: Quarter) -> list[dict[str, Any]]:
    """For metrics kept both in the registry and in reports: each child's two values."""
    children = list(unit.children.filter(is_active=True).order_by("path")) or [unit]
    rows = []
    year_start = date(quarter.year, 1, 1)
    for metric in registry.all():
        if not metric.report_metric or not metric.has_source:
            continue
        reported_metric = registry.get(f"report:{metric.report_metric}")
        kept = metric.compute(children, year_start, quarter.end) or {}
        reported = reported_metric.compute(children, year_start, quarter.end) if reported_metric else {}
        for child in children:
            a, b = kept.get(child.pk), (reported or {}).get(child.pk)
            rows.append(
                {
                    "metric": metric.label,
                    "unit": child,
                    "registry": a,
                    "reports": b,
                    "difference": (a or 0) - (b or 0),
                }
            )
    return rows


@login_required
def snapshot_drilldown(request: HttpRequest, pk: int) -> HttpResponse:
    """From a number on the dashboard to the records behind it."""
    snapshot = get_object_or_404(
        TargetSnapshot.objects.visible_to(request.user).select_related("rule", "rule__programme", "unit"),
        pk=pk,
    )
    metric = registry.get(snapshot.rule.metric)
    quarter = Quarter.parse(snapshot.period)
    start, end, _deadline = window_of(snapshot.rule, quarter)
    url = metric.drilldown_url(snapshot.unit, start, end) if metric is not None else ""
    if url:
        return HttpResponseRedirect(url)
    messages.info(request, _("The records behind this figure are not listed in the portal yet."))
    return HttpResponseRedirect(
        f"{reverse('reporting:dashboard')}?unit={snapshot.unit_id}&period={snapshot.period}"
    )


@login_required
@require_POST
def run_tracking(request: HttpRequest) -> HttpResponse:
    try:
        quarter = Quarter.parse(request.POST.get("period") or str(Quarter.containing(timezone.localdate())))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("reporting:dashboard")
    if not request.user.jurisdiction_paths(Action.CHANGE) and not request.user.is_superuser:
        raise PermissionDenied(_("Only cadres who may change records can start a tracking run."))
    job = Job.objects.create(
        kind="reporting.track_targets",
        title=_("Target tracking %(period)s") % {"period": quarter},
        user=request.user,
    )
    enqueue(track_targets_task, str(quarter), job=job, job_id=job.pk)
    url = f"{reverse('reporting:dashboard')}?period={quarter}&job={job.pk}"
    return HttpResponseRedirect(url)


@login_required
def inspection_export(request: HttpRequest) -> HttpResponse:
    """The December inspection sheet and ranking of the units below, as Excel or PDF."""
    unit = _unit_param(request)
    quarter = _period_param(request) if request.GET.get("period") else Quarter(timezone.localdate().year, 4)
    snapshots = (
        TargetSnapshot.objects.visible_to(request.user)
        .in_subtree(unit)
        .filter(period=str(quarter))
        .exclude(unit=unit)
    )
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
