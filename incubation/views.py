"""Cadre pages of the incubation app: bases, residencies and funds.

Thin views: rows come through `visible_to()` and `get_for()` (the generic bases: 404
outside the jurisdiction, 403 when only viewable), every change through one service of
`incubation.services`, whose refusal is shown on the form it came from.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from hubportal.access import get_for
from hubportal.forms import add_service_errors
from hubportal.generic import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ServiceActionView,
)
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action

from . import services
from .exports import fund_statement_workbook
from .filters import BaseFilterSet, FundFilterSet, ResidencyFilterSet
from .forms import (
    BaseForm,
    CadreApplyForm,
    ChecklistForm,
    DateForm,
    FundForm,
    GraduateForm,
    GrantForm,
    MilestoneForm,
    PhotoForm,
    RaiseForm,
    ReasonForm,
    ReverseForm,
    ServiceDeliveryForm,
)
from .models import FundMovement, IncubationBase, IncubationFund, Residency, ServiceDelivery

# Bases ----------------------------------------------------------------------------------


def star_ratings(**target: Any) -> Any:
    """The evaluation app's rating history of a base or organization, when it is installed
    (None otherwise: the page then shows what it has on its own)."""
    from django.apps import apps

    if not apps.is_installed("evaluation"):
        return None
    from evaluation.panels import rating_history

    return rating_history(**target)


class BaseListView(ObjectListView):
    model = IncubationBase
    filterset_class = BaseFilterSet
    title = gettext_lazy("Qinqing Home bases")
    default_ordering = "name"
    create_url_name = "incubation:base_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Owning unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Type"), "base_type", order_by="base_type"),
        Column(gettext_lazy("Occupancy"), "occupancy_label"),
        Column(gettext_lazy("Stars"), "stars_label", order_by="stars"),
        Column(gettext_lazy("Standard checklist"), "checklist_label", order_by="checklist_score"),
        Column(gettext_lazy("Opening date"), "opened_on", order_by="opened_on"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit").with_stars().with_residents().with_checklist_score()


class BaseDetailView(ObjectDetailView):
    """The base's page and dashboard: occupancy, residents by stage, services this month."""

    model = IncubationBase
    template_name = "incubation/base_detail.html"
    edit_url_name = "incubation:base_edit"

    def optimize(self, queryset):
        return queryset.select_related("unit").with_stars().with_residents().with_checklist_score()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.object
        today = timezone.localdate()
        month_start = today.replace(day=1)
        by_status = dict(
            Residency.objects.filter(base=base).order_by().values_list("status").annotate(n=Count("pk"))
        )
        stages = [(label, by_status.get(value, 0), value) for value, label in Residency.Status.choices]
        deliveries = ServiceDelivery.objects.filter(residency__base=base)
        this_month = deliveries.filter(date__gte=month_start, date__lte=today).aggregate(
            n=Count("pk"), hours=Sum("hours")
        )
        year_ago = (month_start - datetime.timedelta(days=335)).replace(day=1)
        monthly = dict(
            deliveries.filter(date__gte=year_ago)
            .annotate(month=TruncMonth("date"))
            .order_by()
            .values_list("month")
            .annotate(n=Count("pk"))
        )
        months = []
        cursor = year_ago
        while cursor <= month_start:
            months.append(cursor)
            cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
        context.update(
            stages=stages,
            this_month=this_month,
            residents=Residency.objects.filter(base=base, status__in=Residency.OPEN)
            .select_related("organization")
            .order_by("status", "organization__name"),
            photos=list(base.photos.all()[:12]),
            ratings=list(base.ratings.all()),
            checklist=list(base.checklist_results.select_related("item").filter(item__active=True)),
            chart=(
                {
                    "stages": [[str(label), n] for label, n, _value in stages],
                    "months": [m.strftime("%Y-%m") for m in months],
                    "deliveries": [monthly.get(m, 0) for m in months],
                    "labels": {
                        "stages": _("Residents by stage"),
                        "deliveries": _("Services delivered per month"),
                    },
                }
            ),
            photo_form=PhotoForm(),
            evaluation_ratings=star_ratings(base=base),
        )
        return context


class BaseEditView(ObjectEditView):
    model = IncubationBase
    # Any: django-stubs types UpdateView.form_class as a django ModelForm, which the portal's
    # `hubportal.forms.ModelForm` (a BaseModelForm with its own metaclass) is not.
    form_class: Any = BaseForm
    success_message = gettext_lazy("The base is saved.")
    create_service = services.create_base
    update_service = services.update_base


class BaseChecklistView(ServiceActionView):
    """Record how far the base meets the items of the standard manual."""

    model = IncubationBase
    form_class = ChecklistForm
    service = services.record_checklist
    template_name = "incubation/checklist_form.html"
    title = gettext_lazy("Standard checklist of %(object)s")
    success_message = gettext_lazy("The checklist is saved.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"base": self.object}

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return {
            "results": form.results(),
            "checked_on": form.cleaned_data["checked_on"],
            "version": form.cleaned_data.get("version"),
        }


class BasePhotoView(ServiceActionView):
    """Add a photo (the form sits on the base's page; a refused file is explained here)."""

    model = IncubationBase
    form_class = PhotoForm
    service = services.add_base_photo
    title = gettext_lazy("Add a photo of %(object)s")
    success_message = gettext_lazy("The photo is added.")
    submit_label = gettext_lazy("Upload")


# Residencies --------------------------------------------------------------------------


class ResidencyListView(ObjectListView):
    model = Residency
    filterset_class = ResidencyFilterSet
    title = gettext_lazy("Residencies")
    default_ordering = "-applied_on"
    create_url_name = "incubation:residency_create"
    columns = [
        Column(gettext_lazy("Organization"), "organization.name", link=True, order_by="organization__name"),
        Column(gettext_lazy("Base"), "base.name", order_by="base__name"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Applied on"), "applied_on", order_by="applied_on"),
        Column(gettext_lazy("Admitted on"), "admitted_on", order_by="admitted_on"),
        Column(gettext_lazy("Ended on"), "ended_on", order_by="ended_on"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("organization", "base")


class ResidencyStepView(ServiceActionView):
    """One step of a residency (`/residencies/<pk>/<slug>/`); its form is also shown on the
    residency's page, with the step's slug as prefix, while the step applies."""

    model = Residency
    slug = ""
    label: Any = ""
    statuses: tuple[str, ...] = ()

    def setup(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.success_message = _("Done: %(action)s.") % {"action": self.label}
        self.submit_label = self.label

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"prefix": self.slug}

    def get_title(self) -> Any:
        return f"{self.label} · {self.object}"


class AdmitView(ResidencyStepView):
    slug, label, statuses = "admit", gettext_lazy("Admit"), (Residency.Status.APPLIED,)
    form_class = DateForm
    service = services.admit_residency


class DeclineView(ResidencyStepView):
    slug, label, statuses = "decline", gettext_lazy("Decline"), (Residency.Status.APPLIED,)
    form_class = ReasonForm
    service = services.decline_residency


class StartView(ResidencyStepView):
    slug, label, statuses = "start", gettext_lazy("Start incubation"), (Residency.Status.ADMITTED,)
    form_class = DateForm
    service = services.start_residency


class GraduateView(ResidencyStepView):
    slug, label, statuses = "graduate", gettext_lazy("Graduate"), (Residency.Status.INCUBATING,)
    form_class = GraduateForm
    service = services.graduate_residency


class ExitView(ResidencyStepView):
    slug, label, statuses = "exit", gettext_lazy("Exit"), tuple(Residency.RESIDENT)
    form_class = ReasonForm
    service = services.exit_residency


class LogServiceView(ResidencyStepView):
    slug, label, statuses = "service", gettext_lazy("Log a service delivered"), tuple(Residency.RESIDENT)
    form_class = ServiceDeliveryForm
    service = services.log_service


class MilestoneView(ResidencyStepView):
    slug, label, statuses = "milestone", gettext_lazy("Record a milestone"), tuple(Residency.INCUBATED)
    form_class = MilestoneForm
    service = services.record_milestone


RESIDENCY_STEPS: dict[str, type[ResidencyStepView]] = {
    step.slug: step
    for step in (AdmitView, DeclineView, StartView, GraduateView, ExitView, LogServiceView, MilestoneView)
}
_STEP_VIEWS = {slug: step.as_view() for slug, step in RESIDENCY_STEPS.items()}


def residency_step(request: Any, pk: int, action: str) -> HttpResponseBase:
    """`/residencies/<pk>/<action>/`: the view of that step, or 404 for an unknown one."""
    view = _STEP_VIEWS.get(action)
    if view is None:
        raise Http404
    return view(request, pk=pk)


class ResidencyDetailView(ObjectDetailView):
    """A residency with its service log and milestones; the steps that apply now are
    buttons opening their forms, which post to the step's view (`/residencies/<pk>/<slug>/`)."""

    model = Residency
    template_name = "incubation/residency_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("organization", "base", "base__unit", "applied_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        residency = self.object
        forms = []
        if context["can_change"]:
            for slug, step in RESIDENCY_STEPS.items():
                if residency.status in step.statuses:
                    forms.append((slug, step.label, step.form_class(prefix=slug, user=self.request.user)))
        context.update(
            action_forms=forms,
            deliveries=residency.deliveries.select_related("delivered_by"),
            milestones=residency.milestones.all(),
            title=str(residency),
        )
        return context


class ResidencyCreateView(LoginRequiredMixin, View):
    """A cadre applies to a base for an organization they are responsible for."""

    def render(self, form: CadreApplyForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {"form": form, "title": _("New application to a Qinqing Home base")},
            status=status,
        )

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        initial = {"base": request.GET.get("base")} if request.GET.get("base") else {}
        return self.render(CadreApplyForm(user=request.user, initial=initial))

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CadreApplyForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                residency = services.apply_for_residency(
                    request.user, data["base"].pk, data["organization"].pk, data["note"], data["applied_on"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The application is recorded."))
                return HttpResponseRedirect(residency.get_absolute_url())
        return self.render(form, status=400)


# Funds --------------------------------------------------------------------------------


class FundListView(ObjectListView):
    model = IncubationFund
    filterset_class = FundFilterSet
    title = gettext_lazy("Incubation funds")
    default_ordering = "unit__path"
    create_url_name = "incubation:fund_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Owning unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Established on"), "established_on", order_by="established_on"),
        Column(gettext_lazy("Raised (yuan)"), "raised", order_by="raised", money=True),
        Column(gettext_lazy("Granted (yuan)"), "granted", order_by="granted", money=True),
        Column(gettext_lazy("Balance (yuan)"), "balance", order_by="balance", money=True),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit").with_totals()


class FundDetailView(ObjectDetailView):
    """A fund: balance, totals, every movement with the running balance, and the actions."""

    model = IncubationFund
    template_name = "incubation/fund_detail.html"
    edit_url_name = "incubation:fund_edit"

    def optimize(self, queryset):
        return queryset.select_related("unit").with_totals()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["movements"] = (
            FundMovement.objects.filter(fund=self.object)
            .with_running_balance()
            .select_related("grantee_base", "grantee_organization", "created_by", "reverses")
            .annotate(reversed_by=Count("reversal"))
            .order_by("date", "pk")
        )
        return context


class FundEditView(ObjectEditView):
    model = IncubationFund
    form_class: Any = FundForm  # see BaseEditView
    success_message = gettext_lazy("The fund is saved.")
    create_service = services.create_fund
    update_service = services.update_fund


class RaiseMoneyView(ServiceActionView):
    """Money raised into a fund."""

    model = IncubationFund
    form_class: Any = RaiseForm
    service = services.raise_money
    template_name = "incubation/fund_money_form.html"
    title = gettext_lazy("Money raised into %(object)s")
    success_message = gettext_lazy("The movement is recorded.")
    submit_label = gettext_lazy("Save")


class GrantMoneyView(RaiseMoneyView):
    """A grant out of a fund to a base or an organization within its unit."""

    form_class = GrantForm
    service = services.grant_money
    title = gettext_lazy("Grant from %(object)s")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"fund": self.object}

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return form.grant_kwargs()


class ReverseGrantView(ServiceActionView):
    model = FundMovement
    form_class = ReverseForm
    service = services.reverse_grant
    template_name = "incubation/fund_money_form.html"
    title = gettext_lazy("Reverse the grant %(object)s")
    success_message = gettext_lazy("The grant is reversed.")
    submit_label = gettext_lazy("Save")


class FundStatementView(LoginRequiredMixin, View):
    """The fund's statement as an Excel workbook: every movement with the running balance."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        fund = get_for(request.user, IncubationFund.objects.select_related("unit"), pk, Action.VIEW)
        content = fund_statement_workbook(fund)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"fund-statement-{fund.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
