"""Forms of the reporting pages. Values are checked by the services (the same checks serve
the API and the Excel import); the forms collect input and show errors next to fields.

Dates, money and units use the portal's shared fields (`hubportal.forms`): a date input
always renders `YYYY-MM-DD`, money is shown with thousands separators and accepted with or
without them, units are picked from the user's jurisdiction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.forms import DateField, Form, UnitChoiceField, VersionField
from hubportal.jurisdiction import Action
from hubportal.widgets import MoneyInput
from orgs.models import LeagueUnit

from .models import MetricType, Report, ReportForm, ReportMetric, ReturnReason, SpotCheck, SpotCheckItem
from .services import FIRST_DAY, LAST_DAY, MAX_UNLOCK_HOURS


def period_day_field(**kwargs: Any) -> DateField:
    """A day of a report period, refused with a clear message outside 2000–2099."""
    return DateField(
        label=_("A day in the period"),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
        **kwargs,
    )


def metric_field(metric: ReportMetric, initial: Any) -> forms.Field:
    """The input of one metric. Every value is checked by the service (the same check as the
    API and the workbook), so the fields only collect text; a narrative keeps every space."""
    label = metric.label + (" *" if metric.required else "")
    if metric.type == MetricType.TEXT:
        return forms.CharField(
            label=label,
            required=False,
            help_text=metric.help_text,
            initial=initial,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    if metric.type == MetricType.ATTACHMENT:
        return forms.FileField(label=label, required=False, help_text=metric.help_text, initial=initial)
    widget: forms.Widget
    if metric.type == MetricType.MONEY:
        widget = MoneyInput()  # 1,800.50; accepted back with or without the separators
    else:
        widget = forms.TextInput(
            attrs={"inputmode": "numeric" if metric.type == MetricType.INTEGER else "decimal"}
        )
    return forms.CharField(
        label=label, required=False, help_text=metric.help_text, initial=initial, widget=widget
    )


class ReportValuesForm(Form):
    """One field per metric of the report's form, plus the version the editor loaded."""

    version = VersionField()

    def __init__(
        self,
        *args: Any,
        report: Report,
        metrics: list[ReportMetric],
        initial_values: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.metrics = metrics
        self.fields["version"].initial = report.version
        for metric in metrics:
            self.fields[metric.code] = metric_field(metric, initial_values.get(metric.code))


class VersionForm(Form):
    """A button acting on a report as the user saw it (optimistic locking)."""

    version = VersionField()


class ReturnForm(Form):
    code = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.Code.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class UnlockRequestForm(Form):
    reason = forms.CharField(
        label=_("Why must the report be reopened?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class UnlockDecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Unlock")), ("reject", _("Refuse"))], initial="approve"
    )
    hours = forms.IntegerField(
        label=_("Unlock for (hours)"), min_value=1, max_value=MAX_UNLOCK_HOURS, initial=72, required=False
    )


class UploadForm(Form):
    file = forms.FileField(label=_("Filled-in Excel file (.xlsx)"))


def unit_field(user: Any, action: Action = Action.VIEW, **kwargs: Any) -> UnitChoiceField:
    return UnitChoiceField(
        label=kwargs.pop("label", _("Unit")), queryset=LeagueUnit.objects.visible_to(user, action), **kwargs
    )


class OpenReportForm(Form):
    """Pick a form, a unit and a day in the period: the report is opened or created."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form"] = forms.ModelChoiceField(
            label=_("Report form"),
            queryset=ReportForm.objects.visible_to(self.user).active_on(timezone.localdate()),
        )
        self.fields["unit"] = unit_field(self.user, Action.CHANGE)
        self.fields["day"] = period_day_field(initial=timezone.localdate)


class PeriodScopeForm(Form):
    """Unit, form and period of the completeness and briefing pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(self.user, required=False)
        self.fields["form"] = forms.ModelChoiceField(
            label=_("Report form"), queryset=ReportForm.objects.visible_to(self.user), required=False
        )
        self.fields["day"] = period_day_field(required=False)


class SpotCheckDrawForm(Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    period_start = DateField(label=_("Period from"))
    period_end = DateField(label=_("Period to"))
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(self.user, Action.CHANGE)
        self.order_fields(
            ["unit", "title", "period_start", "period_end", "sample_size", "source", "metric", "seed"]
        )
        today = timezone.localdate()
        self.fields["period_start"].initial = date(today.year, 1, 1)
        self.fields["period_end"].initial = today


class OutcomeForm(Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("spot-check call", "Outcome"),
        choices=[c for c in SpotCheckItem.Outcome.choices if c[0] != SpotCheckItem.Outcome.PENDING],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput)


class AssignForm(Form):
    """Give the chosen calls of a spot check to a cadre of its unit or a unit below it."""

    def __init__(self, *args: Any, spot_check: SpotCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["assignee"] = forms.ModelChoiceField(
            label=_("Cadre"),
            queryset=User.objects.filter(
                is_active=True, memberships__unit__path__startswith=spot_check.unit.path
            )
            .distinct()
            .order_by("full_name", "username"),
        )
        # The service checks that every call belongs to the spot check and lies in reach.
        self.fields["items"] = forms.TypedMultipleChoiceField(
            label=_("Calls"),
            coerce=int,
            choices=lambda: [(pk, pk) for pk in spot_check.items.values_list("pk", flat=True)],
        )


class QuarterForm(Form):
    """Close a quarter (the province's administrators)."""

    period = forms.CharField(label=_("Quarter"), max_length=10, widget=forms.HiddenInput)


class ReopenQuarterForm(Form):
    """Reopen a closed quarter: the reason is kept in the quarter's history."""

    period = forms.CharField(label=_("Quarter"), max_length=10, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for reopening"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: say what must be corrected. It is kept in the quarter's history."),
    )
