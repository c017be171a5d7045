"""Cadre pages of the league-unit tree and the organization registry.

Thin views over `hubportal.generic`: a page reads its record with `get_for` (404 outside the
jurisdiction, 403 when only viewable), calls one service of `orgs.services` and renders; a
service's refusal is shown on the form next to its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from hubportal.access import get_for
from hubportal.files import file_response
from hubportal.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ServiceActionView,
)
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from hubportal.personal import Masked, may_see_personal

from . import metrics, services
from .filters import LeagueUnitFilterSet, OrganizationFilterSet, star_ratings
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
from .querysets import mark_league_building


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
        visible = LeagueUnit.objects.visible_to(self.actor)
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


# `form_class: Any` below: django-stubs types UpdateView.form_class as a django ModelForm,
# which the portal's `hubportal.forms.ModelForm` (a BaseModelForm with its own metaclass) is not.
class UnitEditView(ObjectEditView):
    model = LeagueUnit
    form_class: Any = LeagueUnitForm
    create_service = services.create_unit
    update_service = services.update_unit

    def get_initial(self):
        initial = super().get_initial()
        if "parent" in self.request.GET:
            initial["parent"] = self.request.GET["parent"]
        return initial


class UnitDeleteView(ObjectDeleteView):
    model = LeagueUnit
    success_url_name = "orgs:unit_list"
    delete_service = services.delete_unit


# Organizations -----------------------------------------------------------------------------
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
        return queryset.select_related("governing_unit").annotate_backbone()

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        mark_league_building(page.object_list)  # for the page's rows only (see there)
        return paginator, page, page.object_list, is_paginated

    def export_queryset(self):
        return super().export_queryset().annotate_flags()  # every row: one hashed lookup is best

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Both unit pickers offer the same units, drawn once from the cache
        # (`hubportal.forms.UnitChoiceIterator`): a province administrator sees 2,000 units.
        context["saved_filters"] = SavedFilter.objects.filter(user=self.actor).order_by("name")
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
        full = may_see_personal(self.request.user, org)
        context.update(
            ancestors=LeagueUnit.objects.ancestors_of(org.governing_unit, include_self=True),
            status_changes=org.status_changes.select_related("by").order_by("-at", "-pk"),
            # A unit's direct contacts are its records: only those of units the user may see,
            # as in the API (a town editor does not see its city's own list).
            direct_contacts=DirectContact.objects.visible_to(self.request.user)
            .filter(organization=org)
            .select_related("unit")
            .order_by("-since"),
            backbone_members=[
                Masked(member, self.request.user, full)
                for member in org.backbone_members.order_by("name", "pk")
            ],
            personal_full=full,
            league_buildings=org.league_buildings.select_related("lead_organization").prefetch_related(
                "organizations"
            ),
            contact_logs=org.contact_logs.select_related("cadre", "unit")[:50],
            documents=org.documents.select_related("uploaded_by"),
            evaluation_ratings=star_ratings(organization=org),
            representatives=org.representatives.all(),
            allowed_statuses=[
                (s, Organization.Status(s).label) for s in sorted(services.TRANSITIONS[org.status])
            ],
            awaiting_review=org.status == Organization.Status.PENDING or bool(org.pending_changes),
            pending_labels=[
                (str(getattr(Organization._meta.get_field(f), "verbose_name", f)), v)
                for f, v in org.pending_changes.items()
            ],
            duplicates=(
                services.find_possible_duplicates(
                    org.name, org.credit_code, org.governing_unit, exclude_pk=org.pk
                )
                if org.status == Organization.Status.PENDING
                else []
            ),
            document_form=DocumentForm(),
        )
        return context


class OrganizationEditView(ObjectEditView):
    model = Organization
    form_class: Any = OrganizationForm
    create_service = services.create_organization
    update_service = services.update_organization


class OrganizationDeleteView(ObjectDeleteView):
    model = Organization
    success_url_name = "orgs:organization_list"
    delete_service = services.delete_organization


class OrganizationStatusView(ServiceActionView):
    """Change the status (suspend, dissolve, reinstate...) with a reason."""

    model = Organization
    form_class = StatusForm
    service = services.change_status
    title = _("Change the status of %(object)s")
    submit_label = _("Change status")
    success_message = _("Status changed.")


class OrganizationReviewView(ServiceActionView):
    """Approve, return or reject a registration or a listed organization's key-field changes
    (the same decision, and the same message to the group, as from the review queue)."""

    model = Organization
    form_class = ReviewForm
    service = services.decide_registration
    title = _("Review %(object)s")
    submit_label = _("Record the review")
    success_message = _("Review recorded.")


# Records hanging from an organization ------------------------------------------------------
class ChildEditView(ObjectEditView):
    """Create (under /organizations/<org_pk>/...) or edit a record of an organization.

    A create calls `create_service(actor, organization_pk, data)`; the organization is read
    first with `parent_right` (404 outside the jurisdiction, 403 when only viewable)."""

    template_name = "orgs/child_form.html"
    parent_right = Action.CHANGE
    anchor = ""
    organization: Organization

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if obj is not None:
            self.organization = self.parent_of(obj)
        else:
            self.organization = get_for(self.actor, Organization, self.kwargs["org_pk"], self.parent_right)
        return obj

    def parent_of(self, obj: Any) -> Organization:
        return obj.organization

    def save_form(self, form):
        if self.object is not None:
            return super().save_form(form)
        create = type(self).create_service
        if create is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a create_service")
        return create(self.actor, self.organization.pk, self.service_data(form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        return context

    def get_success_url(self):
        return self.organization.get_absolute_url() + self.anchor


class BackboneMemberEditView(ChildEditView):
    model = BackboneMember
    form_class: Any = BackboneMemberForm
    anchor = "#backbone"
    create_service = services.add_backbone_member
    update_service = services.update_backbone_member


class LeagueBuildingEditView(ChildEditView):
    model = LeagueBuilding
    form_class: Any = LeagueBuildingForm
    anchor = "#league-building"
    create_service = services.record_league_building
    update_service = services.update_league_building

    def parent_of(self, obj: Any) -> Organization:
        return obj.lead_organization

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["lead"] = self.organization
        return kwargs


class ContactLogEditView(ChildEditView):
    model = ContactLog
    form_class: Any = ContactLogForm
    anchor = "#contact-log"
    # The default right, CHANGE: a contact log is a change (viewers only read), as in the service.
    create_service = services.log_contact
    update_service = services.update_contact_log

    def get_initial(self):
        # Defaults of a new entry only: an edit shows what is stored.
        return {"date": timezone.localdate(), "days": 1} if self.object is None else {}


class DirectContactEditView(ChildEditView):
    model = DirectContact
    form_class: Any = DirectContactForm
    anchor = "#direct-contacts"
    parent_right = Action.VIEW  # a unit may list any organization it can see
    create_service = services.add_direct_contact
    update_service = services.update_direct_contact

    def get_initial(self):
        return {"since": timezone.localdate()} if self.object is None else {}


class ChildDeleteView(ObjectDeleteView):
    """Delete a record of an organization through its service, back to the organization."""

    def get_success_url(self):
        parent = getattr(self.object, "organization", None) or self.object.lead_organization
        return parent.get_absolute_url()


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
    delete_service = services.delete_direct_contact


# Documents --------------------------------------------------------------------------------
class DocumentUploadView(ServiceActionView):
    model = Organization
    form_class = DocumentForm
    service = services.add_document
    title = _("Upload a document of %(object)s")
    submit_label = _("Upload")
    success_message = _("Document uploaded.")

    def get_success_url(self, result: Any) -> str:
        return self.object.get_absolute_url() + "#documents"


class DocumentDeleteView(ServiceActionView):
    model = OrganizationDocument
    service = services.delete_document
    success_message = _("Deleted.")

    def get_success_url(self, result: Any) -> str:
        return self.object.organization.get_absolute_url() + "#documents"


@login_required
def document_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Documents are served only here, after the jurisdiction check (never from /media/)."""
    document = get_for(request.user, OrganizationDocument, pk, Action.VIEW)
    return file_response(document.file, _("The file of this document is missing."), filename=str(document))


# Saved filters ----------------------------------------------------------------------------
@login_required
@require_POST
def saved_filter_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST, user=request.user)
    target = reverse("orgs:organization_list")
    if form.is_valid():
        try:
            saved = services.save_filter(request.user, form.cleaned_data["name"], form.cleaned_data["query"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Filter saved."))
            return redirect(saved.get_absolute_url())
    else:
        messages.error(request, _("Give the filter a name."))
    query = form.data.get("query", "")
    return HttpResponseRedirect(f"{target}?{query}" if query else target)


@login_required
@require_POST
def saved_filter_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        services.delete_filter(request.user, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deleted."))
    return redirect("orgs:organization_list")
