"""Cadre pages of the incubation app: bases, residencies and funds.

Thin views: rows come through `visible_to()` (the generic bases), state changes through
`incubation.services`; a service's ValidationError is shown on the form it came from.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from hubportal.generic import Column, ObjectDetailView, ObjectEditView, ObjectListView
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
    add_service_errors,
)
from .models import FundMovement, IncubationBase, IncubationFund, Residency, ServiceDelivery

# Bases ----------------------------------------------------------------------------------


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
        )
        return context


class BaseEditView(ObjectEditView):
    model = IncubationBase
    form_class = BaseForm
    success_message = gettext_lazy("The base is saved.")

    def form_valid(self, form):
        try:
            self.object = services.save_base(self.request.user, form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.object.get_absolute_url())


def _changeable(request, model, pk):
    """The record if the user may change it: 404 outside their view, 403 if only viewable."""
    from django.core.exceptions import PermissionDenied

    obj = get_object_or_404(model.objects.visible_to(request.user, Action.VIEW), pk=pk)
    if not model.objects.visible_to(request.user, Action.CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("You may view this record but not change it."))
    return obj


class BaseChecklistView(LoginRequiredMixin, View):
    """Record how far the base meets the items of the standard manual."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.base = _changeable(request, IncubationBase, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def render(self, form):
        return render(
            self.request,
            "incubation/checklist_form.html",
            {
                "form": form,
                "base": self.base,
                "title": _("Standard checklist of %(base)s") % {"base": self.base},
            },
        )

    def get(self, request, pk):
        return self.render(ChecklistForm(base=self.base))

    def post(self, request, pk):
        form = ChecklistForm(request.POST, base=self.base)
        if form.is_valid():
            try:
                services.record_checklist(
                    request.user, self.base.pk, form.results(), form.cleaned_data["checked_on"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The checklist is saved."))
                return HttpResponseRedirect(self.base.get_absolute_url())
        return self.render(form)


class BasePhotoView(LoginRequiredMixin, View):
    def post(self, request, pk):
        base = _changeable(request, IncubationBase, pk)
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_photo(
                    request.user, base.pk, form.cleaned_data["image"], form.cleaned_data["caption"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
        if form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            messages.success(request, _("The photo is added."))
        return HttpResponseRedirect(base.get_absolute_url())


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


ACTIONS: dict[str, tuple[Any, Any]] = {
    # action: (form class, the statuses it applies to)
    "admit": (DateForm, [Residency.Status.APPLIED]),
    "decline": (ReasonForm, [Residency.Status.APPLIED]),
    "start": (DateForm, [Residency.Status.ADMITTED]),
    "graduate": (GraduateForm, [Residency.Status.INCUBATING]),
    "exit": (ReasonForm, list(Residency.RESIDENT)),
    "service": (ServiceDeliveryForm, list(Residency.RESIDENT)),
    "milestone": (MilestoneForm, list(Residency.INCUBATED)),
}
ACTION_LABELS = {
    "admit": gettext_lazy("Admit"),
    "decline": gettext_lazy("Decline"),
    "start": gettext_lazy("Start incubation"),
    "graduate": gettext_lazy("Graduate"),
    "exit": gettext_lazy("Exit"),
    "service": gettext_lazy("Log a service delivered"),
    "milestone": gettext_lazy("Record a milestone"),
}


def run_action(user: Any, residency: Residency, action: str, data: dict[str, Any]) -> Any:
    """Call the service of a residency action with the form's cleaned data."""
    pk = residency.pk
    if action == "admit":
        return services.admit(user, pk, data["on"])
    if action == "decline":
        return services.decline(user, pk, data["reason"], data["on"])
    if action == "start":
        return services.start(user, pk, data["on"])
    if action == "graduate":
        return services.graduate(user, pk, data["outcomes"], data["on"])
    if action == "exit":
        return services.exit_residency(user, pk, data["reason"], data["on"])
    if action == "service":
        return services.log_service(
            user, pk, data["service_type"], data["date"], data["hours"], data["description"]
        )
    return services.record_milestone(user, pk, data["kind"], data["date"], data["note"])


class ResidencyDetailView(ObjectDetailView):
    """A residency with its service log and milestones; the state actions are buttons whose
    forms post back here (`/residencies/<pk>/<action>/`)."""

    model = Residency
    template_name = "incubation/residency_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("organization", "base", "base__unit", "applied_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        residency = self.object
        bound = kwargs.get("bound")
        forms = []
        if context["can_change"]:
            for action, (form_class, statuses) in ACTIONS.items():
                if residency.status in statuses:
                    form = bound[1] if bound and bound[0] == action else form_class(prefix=action)
                    forms.append((action, ACTION_LABELS[action], form))
        context.update(
            action_forms=forms,
            deliveries=residency.deliveries.select_related("delivered_by"),
            milestones=residency.milestones.all(),
            title=str(residency),
        )
        return context

    def post(self, request, pk, action):
        self.object = self.get_object()
        _changeable(request, Residency, pk)  # 403 before any form is read
        if action not in ACTIONS:
            raise Http404
        form_class, _statuses = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        if form.is_valid():
            try:
                run_action(request.user, self.object, action, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
                return HttpResponseRedirect(self.object.get_absolute_url())
        self.object.refresh_from_db()
        if self.object.status not in ACTIONS[action][1]:
            # The step no longer applies (another cadre moved the residency on, or a stale
            # page): its form is not shown, so its errors go to the message area instead.
            for error in form.errors.get("__all__", []) or [
                e for errors in form.errors.values() for e in errors
            ]:
                messages.error(request, error)
        context = self.get_context_data(object=self.object, bound=(action, form))
        return self.render_to_response(context, status=400)


class ResidencyCreateView(LoginRequiredMixin, View):
    """A cadre applies to a base for an organization they are responsible for."""

    def render(self, form, status=200):
        return render(
            self.request,
            "generic/object_form.html",
            {"form": form, "title": _("New application to a Qinqing Home base")},
            status=status,
        )

    def get(self, request):
        initial = {"base": request.GET.get("base")} if request.GET.get("base") else {}
        return self.render(CadreApplyForm(user=request.user, initial=initial))

    def post(self, request):
        form = CadreApplyForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                residency = services.apply(
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
        Column(gettext_lazy("Raised (yuan)"), "raised", order_by="raised"),
        Column(gettext_lazy("Granted (yuan)"), "granted", order_by="granted"),
        Column(gettext_lazy("Balance (yuan)"), "balance", order_by="balance"),
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
    form_class = FundForm
    success_message = gettext_lazy("The fund is saved.")

    def form_valid(self, form):
        try:
            self.object = services.save_fund(self.request.user, form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.object.get_absolute_url())


class FundMoneyView(LoginRequiredMixin, View):
    """Money raised into a fund, or a grant out of it (`kind` in the URL)."""

    kind = "raise"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.fund = _changeable(request, IncubationFund, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None):
        return RaiseForm(data) if self.kind == "raise" else GrantForm(data, fund=self.fund)

    def render(self, form, status=200):
        title = _("Money raised into %(fund)s") if self.kind == "raise" else _("Grant from %(fund)s")
        return render(
            self.request,
            "incubation/fund_money_form.html",
            {"form": form, "fund": self.fund, "title": title % {"fund": self.fund}},
            status=status,
        )

    def get(self, request, pk):
        return self.render(self.make_form())

    def post(self, request, pk):
        form = self.make_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if self.kind == "raise":
                    services.raise_money(
                        request.user, self.fund.pk, data["amount"], data["date"], data["purpose"]
                    )
                else:
                    services.grant(
                        request.user,
                        self.fund.pk,
                        data["amount"],
                        data["date"],
                        data["purpose"],
                        grantee_base_id=data["grantee_base"].pk if data["grantee_base"] else None,
                        grantee_organization_id=data["grantee_organization"].pk
                        if data["grantee_organization"]
                        else None,
                        approved_by=data["approved_by"],
                        disbursed_on=data["disbursed_on"],
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The movement is recorded."))
                return HttpResponseRedirect(self.fund.get_absolute_url())
        return self.render(form, status=400)


class ReverseGrantView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.movement = _changeable(request, FundMovement, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, status=200):
        return render(
            self.request,
            "incubation/fund_money_form.html",
            {
                "form": form,
                "fund": self.movement.fund,
                "movement": self.movement,
                "title": _("Reverse the grant %(grant)s") % {"grant": self.movement},
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render(ReverseForm())

    def post(self, request, pk):
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                services.reverse_grant(
                    request.user, self.movement.pk, form.cleaned_data["date"], form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The grant is reversed."))
                return HttpResponseRedirect(self.movement.fund.get_absolute_url())
        return self.render(form, status=400)


class FundStatementView(LoginRequiredMixin, View):
    """The fund's statement as an Excel workbook: every movement with the running balance."""

    def get(self, request, pk):
        fund = get_object_or_404(
            IncubationFund.objects.visible_to(request.user, Action.VIEW).select_related("unit"), pk=pk
        )
        content = fund_statement_workbook(fund)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"fund-statement-{fund.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
