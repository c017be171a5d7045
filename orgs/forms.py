from django import forms
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import Action

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


class LeagueUnitForm(forms.ModelForm):
    """Create or edit a unit; the parent can only be a unit the cadre may change."""

    class Meta:
        model = LeagueUnit
        fields = [
            "name",
            "code",
            "parent",
            "level",
            "kind",
            "region",
            "is_undergraduate",
            "address",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        parents = LeagueUnit.objects.visible_to(user, Action.CHANGE)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents.order_by("path")
        self.fields["parent"].required = not user.is_superuser
        self.fields["region"].help_text = _("Only for cities; the units below a city inherit its tag.")

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if self.instance.pk and self.instance.parent_id and parent is None and not self.user.is_superuser:
            raise forms.ValidationError(_("Choose the parent unit."))
        return parent


class OrganizationForm(forms.ModelForm):
    """A cadre's form for an organization; saving goes through `services`. `version` carries
    the optimistic lock through the round trip."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    service_fields = forms.MultipleChoiceField(
        label=_("Service fields"),
        choices=Organization.ServiceField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "tier",
            "body",
            "kind",
            "category",
            "service_fields",
            "registration_status",
            "credit_code",
            "founded_on",
            "registered_on",
            "youth_covered",
            "description",
            "contact_person",
            "phone",
            "email",
            "address",
            "governing_unit",
        ]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "registered_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["governing_unit"].queryset = LeagueUnit.objects.visible_to(user, Action.CHANGE).order_by(
            "path"
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        self.fields["registered_on"].help_text = _(
            "Filled in automatically when an unregistered organization becomes registered."
        )

    def clean_credit_code(self):
        value = (self.cleaned_data.get("credit_code") or "").strip().upper()
        if value:
            validate_credit_code(value)
        return value

    def _post_clean(self):
        # Model validation (uniqueness, constraints) runs in the service, with the lock held.
        pass

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Organization.Status.choices)
    reason = forms.CharField(
        label=_("Reason or comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for correction")), ("reject", _("Reject"))],
    )
    reason = forms.CharField(
        label=_("Reason or comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChildForm(forms.ModelForm):
    """Forms of the records hanging from an organization: model checks run in the service."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _post_clean(self):
        pass


class BackboneMemberForm(ChildForm):
    class Meta:
        model = BackboneMember
        fields = ["name", "gender", "birth_year", "birth_date", "phone", "id_number", "role"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value:
            validate_id_number(value)
        return value


class LeagueBuildingForm(ChildForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Other organizations sharing the branch"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("For a joint branch (联合建团): the other organizations that share it."),
    )

    class Meta:
        model = LeagueBuilding
        fields = ["branch_name", "mode", "form", "founded_on", "member_count"]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        lead = lead or (self.instance.lead_organization if self.instance.pk else None)
        candidates = Organization.objects.visible_to(self.user).exclude(status__in=["rejected", "dissolved"])
        if lead is not None:
            # Organizations of the same governing unit: a joint branch gathers neighbours.
            candidates = candidates.filter(governing_unit_id=lead.governing_unit_id).exclude(pk=lead.pk)
            if self.instance.pk:
                self.fields["organizations"].initial = [
                    o.pk for o in self.instance.organizations.all() if o.pk != lead.pk
                ]
        self.fields["organizations"].queryset = candidates.order_by("name")


class ContactLogForm(ChildForm):
    class Meta:
        model = ContactLog
        fields = ["date", "kind", "days", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 3})}


class DirectContactForm(ChildForm):
    class Meta:
        model = DirectContact
        fields = ["unit", "since", "note"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE).order_by(
            "path"
        )
        if self.instance.pk:
            self.fields["unit"].disabled = True


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Type"), choices=OrganizationDocument.Type.choices)
    file = forms.FileField(
        label=_("File"), validators=[validate_document_file], help_text=_("PDF, JPG or PNG, at most 10 MB.")
    )


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
