"""Forms of the incubation pages. They check the shape of the input; the rules that need
the database (capacity, balance, jurisdiction) live in the services they feed.

Dates, money and units use the shared fields of `hubportal.forms` (an `<input type="date">`
always gets `YYYY-MM-DD`, money is shown `5,000,000.00` and read with or without the
separators), so every form survives a round trip through the browser in any language.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Field, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.forms import (
    DateField,
    Form,
    MoneyField,
    UnitChoiceField,
    VersionedForm,
    add_version,
)
from hubportal.jurisdiction import Action
from hubportal.widgets import FastSelect
from orgs.models import LeagueUnit, Organization

from .models import ChecklistItem, IncubationBase, IncubationFund, Milestone, Residency, Service
from .services import BASE_FIELDS, FUND_FIELDS


class UnitVersionedForm(VersionedForm):
    """An edit form (versioned, `hubportal.forms.VersionedForm`) whose owning unit is one the
    cadre may change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            unit = cast(UnitChoiceField, self.fields["unit"])
            unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)


class BaseForm(UnitVersionedForm):
    """Create or edit a base; the owning unit is one the cadre may change."""

    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IncubationBase
        fields = list(BASE_FIELDS)  # what the service accepts, no more

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["latitude"].help_text = _("Decimal degrees, e.g. 22.517 for 中山.")
        self.fields["longitude"].help_text = _("Decimal degrees, e.g. 113.392 for 中山.")
        # The model's ranges, checked with the other fields' errors (the service checks them too).
        for name in ("latitude", "longitude", "floor_area"):
            ranges = cast(Field, IncubationBase._meta.get_field(name)).validators
            self.fields[name].validators.extend(
                v for v in ranges if isinstance(v, MinValueValidator | MaxValueValidator)
            )


class FundForm(UnitVersionedForm):
    class Meta:
        model = IncubationFund
        fields = list(FUND_FIELDS)


class PhotoForm(Form):
    image = forms.ImageField(label=_("Photo"), help_text=_("JPG, PNG or WebP, at most 5 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class ChecklistForm(Form):
    """One “met” box and one note per active item of the standard manual. The checklist is
    the base's: the form carries the base's version, which a changed checklist moves on."""

    checked_on = DateField(label=_("Checked on"), initial=timezone.localdate)

    def __init__(self, *args: Any, base: IncubationBase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_version(self, base)
        self.items = list(ChecklistItem.objects.filter(active=True))
        current = {r.item_id: r for r in base.checklist_results.all()}
        if current:
            # The page shows the check on record: saved untouched, it stays as it was.
            self.fields["checked_on"].initial = max(r.checked_on for r in current.values())
        for item in self.items:
            result = current.get(item.pk)
            self.fields[f"met_{item.pk}"] = forms.BooleanField(
                label=f"{item.code} {item.text} ({item.weight})",
                required=False,
                initial=bool(result and result.met),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), max_length=200, required=False, initial=result.note if result else ""
            )

    def results(self) -> dict[int, tuple[bool, str]]:
        return {
            item.pk: (self.cleaned_data[f"met_{item.pk}"], self.cleaned_data[f"note_{item.pk}"])
            for item in self.items
        }

    def rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"met_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]


class OrganizationLookupField(forms.CharField):
    """An organization typed by its exact name or its credit code, within a set of them.

    A select list of every organization a province cadre may see would hold 200,000 rows.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The organization's full name or its unified social credit code."))
        super().__init__(*args, max_length=100, **kwargs)
        self.organizations: QuerySet[Organization] = Organization.objects.none()

    def clean(self, value: Any) -> Organization | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        found = list(self.organizations.filter(Q(name=text) | Q(credit_code=text.upper()))[:2])
        if not found:
            raise ValidationError(
                _("No organization called “%(text)s” lies within reach of this form.") % {"text": text}
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several organizations are called “%(text)s”; enter the credit code instead.")
                % {"text": text}
            )
        return found[0]


class CadreApplyForm(Form):
    """A cadre applies to a base for an organization they are responsible for."""

    base = forms.ModelChoiceField(label=_("Base"), queryset=IncubationBase.objects.none(), widget=FastSelect)
    organization = OrganizationLookupField(label=_("Organization"))
    applied_on = DateField(label=_("Applied on"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = cast(forms.ModelChoiceField, self.fields["base"])
        base.queryset = IncubationBase.objects.visible_to(self.user, Action.CHANGE).order_by("name")
        organization = cast(OrganizationLookupField, self.fields["organization"])
        organization.organizations = Organization.objects.visible_to(self.user, Action.CHANGE).listed()


class PublicApplyForm(Form):
    """A representative applies for one of the listed organizations they represent."""

    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    note = forms.CharField(
        label=_("What does your organization need from the base?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = cast(forms.ModelChoiceField, self.fields["organization"])
        organization.queryset = Organization.objects.filter(
            representatives=self.user, status=Organization.Status.LISTED
        ).order_by("name")


# The forms of the residency steps: their fields are the services' keyword arguments.
class DateForm(Form):
    on = DateField(label=_("Date"), initial=timezone.localdate)


class ReasonForm(DateForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class GraduateForm(DateForm):
    outcomes = forms.MultipleChoiceField(
        label=_("Outcome"),
        choices=Residency.Outcome.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _(
                "Say what the organization achieved: registered, a purchased-service contract, or backbone."
            )
        },
    )


class ServiceDeliveryForm(Form):
    service_type = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    date = DateField(label=_("Date"), initial=timezone.localdate)
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1, initial=1)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class MilestoneForm(Form):
    kind = forms.ChoiceField(label=_("Milestone"), choices=Milestone.Kind.choices)
    date = DateField(label=_("Date"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


# Money: the fields are the keyword arguments of `raise_money`, `grant_money`, `reverse_grant`.
class RaiseForm(Form):
    amount = MoneyField(label=_("Amount (yuan)"))
    date = DateField(label=_("Date"), initial=timezone.localdate)
    purpose = forms.CharField(label=_("Source"), max_length=200, help_text=_("Where the money comes from."))


class GrantForm(Form):
    amount = MoneyField(label=_("Amount (yuan)"))
    date = DateField(label=_("Date"), initial=timezone.localdate)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    grantee_base = forms.ModelChoiceField(
        label=_("Grantee base"), queryset=IncubationBase.objects.none(), required=False, widget=FastSelect
    )
    grantee_organization = OrganizationLookupField(label=_("or grantee organization"), required=False)
    approved_by = forms.CharField(label=_("Approved by"), max_length=100)
    disbursed_on = DateField(label=_("Disbursed on"), required=False)

    def __init__(self, *args: Any, fund: IncubationFund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = cast(forms.ModelChoiceField, self.fields["grantee_base"])
        base.queryset = (
            IncubationBase.objects.in_subtree(fund.unit).visible_to(self.user, Action.VIEW).order_by("name")
        )
        organization = cast(OrganizationLookupField, self.fields["grantee_organization"])
        organization.organizations = Organization.objects.in_subtree(fund.unit).visible_to(
            self.user, Action.VIEW
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("grantee_base")) == bool(data.get("grantee_organization")) and not self.errors:
            raise ValidationError(_("A grant goes to exactly one base or one organization."))
        return data

    def grant_kwargs(self) -> dict[str, Any]:
        """The service's keyword arguments: the grantee by its primary key."""
        data = dict(self.cleaned_data)
        for field in ("grantee_base", "grantee_organization"):
            data[field] = data[field].pk if data.get(field) is not None else None
        return data


class ReverseForm(Form):
    date = DateField(label=_("Date"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=200)
