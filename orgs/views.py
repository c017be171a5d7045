"""Cadre pages of the league-unit tree and the organization registry.

Views read input, check access through `visible_to()`, call one service function and render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from hubportal.generic import Column, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from hubportal.jurisdiction import Action

from . import metrics, services
from .filters import LeagueUnitFilterSet, OrganizationFilterSet
from .forms import (
    BackboneMemberForm,
    ContactLogForm,
    DirectContactForm,
    DocumentForm,
    LeagueBuildingForm,
    LeagueUnitForm,
    OrganizationForm,
    ReviewForm,
    SavedFilterForm,
    StatusForm,
)
from .models import (
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
    OrganizationDocument,
    SavedFilter,
)


class UnitListView(ObjectListView):
    model = LeagueUnit
    filterset_class = LeagueUnitFilterSet
    title = _("League units")
    default_ordering = "path"
    create_url_name = "orgs:unit_create"
    columns = [
        Column(pgettext_lazy("league unit", "Name"), "name", link=True, order_by="name"),
        Column(_("Division code"), "code", order_by="code"),
        Column(_("Level"), "level", order_by="depth"),
        Column(_("Kind"), "kind"),
        Column(_("Region"), "region"),
        Column(_("Parent unit"), "parent.name"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("parent")


class UnitDetailView(ObjectDetailView):
    model = LeagueUnit
    template_name = "orgs/unit_detail.html"
    edit_url_name = "orgs:unit_edit"
    delete_url_name = "orgs:unit_delete"
    fields = ["name", "code", "level", "kind", "region", "is_undergraduate", "address", "phone", "is_active"]

    def optimize(self, queryset):
        return queryset.select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        visible = LeagueUnit.objects.visible_to(self.request.user)
        context["ancestors"] = visible.ancestors_of(unit)
        context["children"] = visible.filter(parent=unit).order_by("path")
        context["subtree_size"] = visible.descendants_of(unit, include_self=False).count()
        # The registry per unit: this unit and each child, three set-based queries in all.
        rows = [unit, *context["children"]]
        today = timezone.localdate()
        governed = metrics.organizations_governed(rows, None, today)
        listed = metrics.organizations_listed(rows, None, today)
        coverage = metrics.league_building_coverage(rows, None, today)
        context["registry_rows"] = [(u, governed[u.pk], listed[u.pk], coverage[u.pk]) for u in rows]
        return context


class UnitEditView(ObjectEditView):
    model = LeagueUnit
    form_class = LeagueUnitForm

    def get_initial(self):
        initial = super().get_initial()
        if "parent" in self.request.GET:
            initial["parent"] = self.request.GET["parent"]
        return initial


class UnitDeleteView(ObjectDeleteView):
    model = LeagueUnit

    def get_success_url(self):
        return reverse("orgs:unit_list")


# Organizations -----------------------------------------------------------------------------
def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if visible else None, errors)
    else:
        form.add_error(None, error.messages)


class ServiceEditView(ObjectEditView):
    """An edit page whose save is a service function; its ValidationError goes to the form."""

    def form_valid(self, form):
        try:
            self.object = self.save_form(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message or _("Saved."))
        return HttpResponseRedirect(self.get_success_url())


def unit_select(name: str, selected: str, units: list[tuple[int, str, int]], top: int) -> str:
    """A <select> of units indented by depth, built as one string (fast for thousands)."""
    parts = [f'<select name="{name}" id="id_{name}" class="form-select"><option value="">---------</option>']
    for pk, unit_name, depth in units:
        mark = " selected" if str(pk) == selected else ""
        indent = "\u3000" * (depth - top)
        parts.append(f'<option value="{pk}"{mark}>{indent}{escape(unit_name)}</option>')
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or an integer


class OrganizationListView(ObjectListView):
    model = Organization
    filterset_class = OrganizationFilterSet
    title = _("Organization registry")
    template_name = "orgs/organization_list.html"
    default_ordering = "name"
    create_url_name = "orgs:organization_create"
    columns = [
        Column(pgettext_lazy("organization", "Name"), "name", link=True, order_by="name"),
        Column(_("Tier"), "tier_label", order_by="tier"),
        Column(_("Category"), "category", order_by="category"),
        Column(_("Registration status"), "registration_status", order_by="registration_status"),
        Column(_("Status"), "status", order_by="status"),
        Column(_("Governing unit"), "governing_unit.name", order_by="governing_unit__path"),
        Column(_("Founded on"), "founded_on", order_by="founded_on"),
        Column(_("Youth covered"), "youth_covered", order_by="youth_covered"),
        Column(_("League building"), "league_building_label"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("governing_unit").annotate_flags()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The unit pickers are built once from one query: a province administrator sees
        # 2,000 units, which Django's widget rendering would take a second to draw twice.
        units = list(
            LeagueUnit.objects.visible_to(self.request.user)
            .order_by("path")
            .values_list("pk", "name", "depth")
        )
        top = min((depth for _pk, _name, depth in units), default=0)
        context["unit_selects"] = {
            name: unit_select(name, self.request.GET.get(name, ""), units, top)
            for name in ("subtree", "contacted_by")
        }
        context["saved_filters"] = SavedFilter.objects.filter(user=self.request.user).order_by("name")
        context["saved_filter_form"] = SavedFilterForm(initial={"query": context["querystring"]})
        return context


class OrganizationDetailView(ObjectDetailView):
    model = Organization
    template_name = "orgs/organization_detail.html"
    edit_url_name = "orgs:organization_edit"
    delete_url_name = "orgs:organization_delete"
    fields = [
        "name",
        "registration_status",
        "credit_code",
        "founded_on",
        "registered_on",
        "youth_covered",
        "contact_person",
        "phone",
        "email",
        "address",
        "submitted_at",
        "version",
    ]

    def optimize(self, queryset):
        return queryset.select_related("governing_unit", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.object
        context.update(
            ancestors=LeagueUnit.objects.ancestors_of(org.governing_unit, include_self=True),
            status_changes=org.status_changes.select_related("by").order_by("-at", "-pk"),
            direct_contacts=org.direct_contacts.select_related("unit").order_by("-since"),
            backbone_members=org.backbone_members.order_by("name", "pk"),
            league_buildings=org.league_buildings.select_related("lead_organization").prefetch_related(
                "organizations"
            ),
            contact_logs=org.contact_logs.select_related("cadre", "unit")[:50],
            documents=org.documents.select_related("uploaded_by"),
            representatives=org.representatives.all(),
            allowed_statuses=[
                (s, Organization.Status(s).label) for s in sorted(services.TRANSITIONS[org.status])
            ],
            awaiting_review=org.status == Organization.Status.PENDING or bool(org.pending_changes),
            pending_labels=[
                (Organization._meta.get_field(f).verbose_name, v) for f, v in org.pending_changes.items()
            ],
            duplicates=(
                services.find_possible_duplicates(
                    org.name, org.credit_code, org.governing_unit, exclude_pk=org.pk
                )
                if org.status == Organization.Status.PENDING
                else []
            ),
            status_form=StatusForm(),
            review_form=ReviewForm(),
            document_form=DocumentForm(),
        )
        return context


class OrganizationEditView(ServiceEditView):
    model = Organization
    form_class = OrganizationForm

    def save_form(self, form):
        data = form.service_data()
        if self.object is None:
            return services.create_organization(self.request.user, data)
        return services.update_organization(
            self.request.user, self.object.pk, data, form.cleaned_data.get("version")
        )


class OrganizationDeleteView(ObjectDeleteView):
    model = Organization
    success_url_name = "orgs:organization_list"

    def form_valid(self, form):
        try:
            services.delete_organization(self.request.user, self.object.pk)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted."))
        return HttpResponseRedirect(self.get_success_url())


def _organization_or_404(request, pk: int) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def organization_status(request, pk: int):
    """Change the status (suspend, dissolve, reinstate...) with a reason."""
    org = _organization_or_404(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(request.user, org.pk, form.cleaned_data["to"], form.cleaned_data["reason"])
            messages.success(request, _("Status changed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect(org)


@login_required
@require_POST
def organization_review(request, pk: int):
    """Approve, return or reject a registration or a listed organization's key-field changes."""
    org = _organization_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect(org)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    action = {
        "approve": services.approve_registration,
        "return": services.return_registration,
        "reject": services.reject_registration,
    }[decision]
    try:
        action(request.user, org.pk, reason)
        messages.success(request, _("Review recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(org)


# Records hanging from an organization ------------------------------------------------------
class ChildEditView(ServiceEditView):
    """Create (under /organizations/<org_pk>/...) or edit a record of an organization."""

    template_name = "orgs/child_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.organization = None
        return super().dispatch(request, *args, **kwargs)

    def get_parent(self) -> Organization:
        if self.object is not None:
            return (
                self.object.organization
                if hasattr(self.object, "organization")
                else self.object.lead_organization
            )
        if self.organization is None:
            org = _organization_or_404(self.request, self.kwargs["org_pk"])
            if (
                not Organization.objects.visible_to(self.request.user, Action.CHANGE)
                .filter(pk=org.pk)
                .exists()
            ):
                raise PermissionDenied(_("You may view this record but not change it."))
            self.organization = org
        return self.organization

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.get_parent()
        return context

    def get_success_url(self):
        return self.get_parent().get_absolute_url() + self.anchor

    anchor = ""


class BackboneMemberEditView(ChildEditView):
    model = BackboneMember
    form_class = BackboneMemberForm
    anchor = "#backbone"

    def save_form(self, form):
        if self.object is None:
            return services.add_backbone_member(self.request.user, self.get_parent(), form.cleaned_data)
        return services.update_backbone_member(self.request.user, self.object.pk, form.cleaned_data)


class LeagueBuildingEditView(ChildEditView):
    model = LeagueBuilding
    form_class = LeagueBuildingForm
    anchor = "#league-building"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["lead"] = self.get_parent()
        return kwargs

    def save_form(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "organizations"}
        others = list(form.cleaned_data.get("organizations") or [])
        if self.object is None:
            return services.record_league_building(self.request.user, self.get_parent(), data, others)
        return services.update_league_building(
            self.request.user, self.object.pk, data, [self.object.lead_organization, *others]
        )


class ContactLogEditView(ChildEditView):
    model = ContactLog
    form_class = ContactLogForm
    anchor = "#contact-log"

    def get_object(self, queryset=None):
        # Any cadre who may see the organization may log a contact with it.
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def get_parent(self) -> Organization:
        if self.object is not None:
            return self.object.organization
        if self.organization is None:
            self.organization = _organization_or_404(self.request, self.kwargs["org_pk"])
        return self.organization

    def get_initial(self):
        return {"date": timezone.localdate(), "days": 1}

    def save_form(self, form):
        if self.object is None:
            return services.log_contact(self.request.user, self.get_parent(), form.cleaned_data)
        return services.update_contact_log(self.request.user, self.object.pk, form.cleaned_data)


class DirectContactEditView(ChildEditView):
    model = DirectContact
    form_class = DirectContactForm
    anchor = "#direct-contacts"

    def get_parent(self) -> Organization:
        if self.object is not None:
            return self.object.organization
        if self.organization is None:
            self.organization = _organization_or_404(self.request, self.kwargs["org_pk"])
        return self.organization

    def get_initial(self):
        return {"since": timezone.localdate()}

    def save_form(self, form):
        data = form.cleaned_data
        if self.object is None:
            return services.add_direct_contact(
                self.request.user, data["unit"], self.get_parent(), data["since"], data.get("note", "")
            )
        return services.update_direct_contact(self.request.user, self.object.pk, data)


class ChildDeleteView(ObjectDeleteView):
    """Delete a record of an organization through its service function."""

    delete_service: Any = None

    def get_success_url(self):
        parent = getattr(self.object, "organization", None) or self.object.lead_organization
        return parent.get_absolute_url()

    def form_valid(self, form):
        success_url = self.get_success_url()
        type(self).delete_service(self.request.user, self.object.pk)
        messages.success(self.request, _("Deleted."))
        return HttpResponseRedirect(success_url)


class BackboneMemberDeleteView(ChildDeleteView):
    model = BackboneMember
    delete_service = services.delete_backbone_member


class LeagueBuildingDeleteView(ChildDeleteView):
    model = LeagueBuilding
    delete_service = services.delete_league_building


class ContactLogDeleteView(ChildDeleteView):
    model = ContactLog
    delete_service = services.delete_contact_log


class DirectContactDeleteView(ChildDeleteView):
    model = DirectContact
    delete_service = services.remove_direct_contact


# Documents --------------------------------------------------------------------------------
@login_required
@require_POST
def document_upload(request, org_pk: int):
    org = _organization_or_404(request, org_pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(request.user, org, form.cleaned_data["doc_type"], form.cleaned_data["file"])
            messages.success(request, _("Document uploaded."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(org.get_absolute_url() + "#documents")


@login_required
def document_download(request, pk: int):
    """Documents are served only here, after the jurisdiction check (never from /media/)."""
    document = get_object_or_404(OrganizationDocument.objects.visible_to(request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file of this document is missing.")) from exc
    return FileResponse(handle, as_attachment=True, filename=document.original_name or None)


@login_required
@require_POST
def document_delete(request, pk: int):
    document = get_object_or_404(OrganizationDocument.objects.visible_to(request.user), pk=pk)
    org = document.organization
    services.delete_document(request.user, document.pk)
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(org.get_absolute_url() + "#documents")


# Saved filters ----------------------------------------------------------------------------
@login_required
@require_POST
def saved_filter_create(request):
    form = SavedFilterForm(request.POST)
    target = reverse("orgs:organization_list")
    if form.is_valid():
        try:
            saved = services.save_filter(request.user, form.cleaned_data["name"], form.cleaned_data["query"])
            messages.success(request, _("Filter saved."))
            return redirect(saved.get_absolute_url())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Give the filter a name."))
    query = form.data.get("query", "")
    return redirect(f"{target}?{query}" if query else target)


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    try:
        services.delete_filter(request.user, pk)
        messages.success(request, _("Deleted."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("orgs:organization_list")
