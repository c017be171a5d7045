"""Forms of the cadre pages of the registry. They check the shape of the input only: the
services re-read every unit and organization within the actor's jurisdiction and run the
model's own validation with the row locked. Dates, units and text areas get the portal's
shared widgets from `hubportal.forms.ModelForm`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hubportal import forms as hub
from hubportal.jurisdiction import Action

from . import services
from .models import (
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
    OrganizationDocument,
)
from .validators import validate_credit_code, validate_document_file, validate_id_number


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A model-choice field of the form (typed so that its queryset can be narrowed)."""
    return cast(forms.ModelChoiceField, form.fields[name])


class LeagueUnitForm(hub.VersionedForm):
    """Create or edit a unit; the parent can only be a unit the cadre may change (or the one
    it already has), never the unit itself or one below it."""

    class Meta:
        model = LeagueUnit
        fields = list(services.UNIT_FIELDS)  # what the service accepts, no more

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)
        if self.instance.pk:
            if self.instance.parent_id:
                parents = parents | LeagueUnit.objects.filter(pk=self.instance.parent_id)
            parents = parents.exclude(path__startswith=self.instance.path)
        parent = _model_choice(self, "parent")
        parent.queryset = parents
        is_root = bool(self.instance.pk) and self.instance.parent_id is None
        parent.required = not (is_root or getattr(self.user, "is_superuser", False))
        self.fields["region"].help_text = _("Only for cities; the units below a city inherit its tag.")


class OrganizationForm(hub.VersionedForm):
    """A cadre's form for an organization; saving goes through `services`. `version` carries
    the optimistic lock through the round trip (checked by the service, so a missing or
    garbled one is a message on the form, never an error page)."""

    service_fields = forms.MultipleChoiceField(
        label=_("Service fields"),
        choices=Organization.ServiceField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Organization
        fields = list(services.ORGANIZATION_FIELDS)  # what the service accepts, no more

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "governing_unit").queryset = LeagueUnit.objects.visible_to(
            self.user, Action.CHANGE
        )
        self.fields["registered_on"].help_text = _(
            "Filled in automatically when an unregistered organization becomes registered."
        )

    def clean_credit_code(self) -> str:
        value = (self.cleaned_data.get("credit_code") or "").strip().upper()
        if value:
            validate_credit_code(value)
        return value


class StatusForm(hub.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Organization.Status.choices)
    reason = forms.CharField(
        label=_("Reason or comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(hub.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for correction")), ("reject", _("Reject"))],
    )
    reason = forms.CharField(
        label=_("Reason or comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BackboneMemberForm(hub.VersionedForm):
    class Meta:
        model = BackboneMember
        fields = ["name", "gender", "birth_year", "birth_date", "phone", "id_number", "role"]

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value:
            validate_id_number(value)
        return value


class LeagueBuildingForm(hub.VersionedForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Other organizations sharing the branch"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("For a joint branch (联合建团): the other organizations that share it."),
    )

    class Meta:
        model = LeagueBuilding
        fields = ["branch_name", "mode", "form", "founded_on", "member_count"]

    def __init__(self, *args: Any, lead: Organization | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = lead or (self.instance.lead_organization if self.instance.pk else None)
        candidates = Organization.objects.visible_to(self.user).exclude(
            status__in=[Organization.Status.REJECTED, Organization.Status.DISSOLVED]
        )
        if lead is not None:
            # Organizations of the same governing unit: a joint branch gathers neighbours.
            candidates = candidates.filter(governing_unit_id=lead.governing_unit_id).exclude(pk=lead.pk)
            if self.instance.pk:
                self.fields["organizations"].initial = [
                    o.pk for o in self.instance.organizations.all() if o.pk != lead.pk
                ]
        _model_choice(self, "organizations").queryset = candidates.order_by("name")


class ContactLogForm(hub.VersionedForm):
    class Meta:
        model = ContactLog
        fields = ["date", "kind", "days", "note"]


class DirectContactForm(hub.VersionedForm):
    class Meta:
        model = DirectContact
        fields = ["unit", "since", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "unit").queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)
        if self.instance.pk:
            self.fields["unit"].disabled = True


class DocumentForm(hub.Form):
    doc_type = forms.ChoiceField(label=_("Type"), choices=OrganizationDocument.Type.choices)
    file = forms.FileField(
        label=_("File"), validators=[validate_document_file], help_text=_("PDF, JPG or PNG, at most 10 MB.")
    )


class SavedFilterForm(hub.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
