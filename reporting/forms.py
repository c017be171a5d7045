"""Forms of the reporting pages. Values are checked by the services (the same checks serve
the API and the Excel import); the forms collect input and show errors next to fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from .models import MetricType, Report, ReportForm, ReportMetric, ReturnReason, SpotCheckItem
from .services import NON_FIELD

# Report periods lie within these years; a date far outside would overflow the deadline
# arithmetic (9999-12-31 has no following month).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def period_day_field(**kwargs: Any) -> forms.DateField:
    """A day of a report period, refused with a clear message outside 2000–2099."""
    return forms.DateField(
        label=_("A day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
        **kwargs,
    )


class ReportValuesForm(forms.Form):
    """One field per metric of the report's form, plus the version the editor loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        report: Report,
        metrics: list[ReportMetric],
        initial_values: dict[str, Any],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.report = report
        self.metrics = metrics
        self.fields["version"].initial = report.version
        for metric in metrics:
            label = metric.label + (" *" if metric.required else "")
            common = {
                "label": label,
                "required": False,
                "help_text": metric.help_text,
                "initial": initial_values.get(metric.code),
            }
            if metric.type == MetricType.TEXT:
                field: forms.Field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
            elif metric.type == MetricType.ATTACHMENT:
                field = forms.FileField(**common)
            else:
                attrs = {"inputmode": "numeric" if metric.type == MetricType.INTEGER else "decimal"}
                field = forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
            self.fields[metric.code] = field

    def apply_errors(self, error: ValidationError) -> None:
        """Place a service's ValidationError next to the fields it names."""
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                target = key if key in self.fields and key != NON_FIELD else None
                for item in errors:
                    self.add_error(target, item.messages[0] if hasattr(item, "messages") else str(item))
        else:
            for message in error.messages:
                self.add_error(None, message)


class ReturnForm(forms.Form):
    code = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.Code.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class UnlockRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why must the report be reopened?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class UnlockDecisionForm(forms.Form):
    hours = forms.IntegerField(label=_("Unlock for (hours)"), min_value=1, max_value=720, initial=72)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in Excel file (.xlsx)"))


def unit_field(user: Any, action: Action = Action.VIEW, **kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=kwargs.pop("label", _("Unit")),
        queryset=LeagueUnit.objects.visible_to(user, action).order_by("path"),
        **kwargs,
    )


class OpenReportForm(forms.Form):
    """Pick a form, a unit and a day in the period: the report is opened or created."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["form"] = forms.ModelChoiceField(
            label=_("Report form"),
            queryset=ReportForm.objects.visible_to(user).active_on(timezone.localdate()),
        )
        self.fields["unit"] = unit_field(user, Action.CHANGE)
        self.fields["day"] = period_day_field(initial=timezone.localdate)


class PeriodScopeForm(forms.Form):
    """Unit, form and period of the completeness and briefing pages."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(user, required=False)
        self.fields["form"] = forms.ModelChoiceField(
            label=_("Report form"), queryset=ReportForm.objects.visible_to(user), required=False
        )
        self.fields["day"] = period_day_field(required=False)


class SpotCheckDrawForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    sample_size = forms.IntegerField(label=_("Number of calls"), min_value=1, max_value=500, initial=10)
    seed = forms.IntegerField(
        label=_("Random seed"), required=False, help_text=_("Leave empty for a new draw.")
    )
    metric = forms.CharField(label=_("Only this metric code"), required=False, max_length=40)
    source = forms.ChoiceField(
        label=_("Sample from"),
        choices=[
            ("reports", _("Reported figures")),
            ("registry", _("Registry records (league branches founded)")),
            ("both", _("Both")),
        ],
        initial="reports",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(user, Action.CHANGE)
        self.order_fields(
            ["unit", "title", "period_start", "period_end", "sample_size", "source", "metric", "seed"]
        )
        today = timezone.localdate()
        self.fields["period_start"].initial = date(today.year, 1, 1)
        self.fields["period_end"].initial = today


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in SpotCheckItem.Outcome.choices if c[0] != SpotCheckItem.Outcome.PENDING],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput)


class AssignForm(forms.Form):
    """Give the chosen calls to a cadre of the spot check's unit or a unit below it."""

    def __init__(self, *args: Any, unit: LeagueUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["assignee"] = forms.ModelChoiceField(
            label=_("Cadre"),
            queryset=User.objects.filter(is_active=True, memberships__unit__path__startswith=unit.path)
            .distinct()
            .order_by("full_name", "username"),
        )
        self.fields["items"] = forms.TypedMultipleChoiceField(label=_("Calls"), coerce=int, choices=())

    def set_items(self, ids: list[int]) -> None:
        self.fields["items"].choices = [(pk, pk) for pk in ids]
