"""FilterSets of the reporting app, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from hubportal.filters import DateFilter, ScopedModelChoiceFilter, SubtreeFilter

from .models import (
    PeriodType,
    Programme,
    Report,
    ReportForm,
    ReportValue,
    SpotCheck,
    TargetRule,
    TargetSnapshot,
)


class ReportFilterSet(django_filters.FilterSet):
    form = ScopedModelChoiceFilter(queryset=ReportForm.objects.all(), label=_("Report form"))
    status = django_filters.ChoiceFilter(choices=Report.Status.choices, label=_("Status"))
    subtree = SubtreeFilter(unit_field="unit", label=_("Within unit"))
    period_from = DateFilter(field_name="period_start", lookup_expr="gte", label=_("Period from"))
    period_to = DateFilter(field_name="period_end", lookup_expr="lte", label=_("Period to"))
    late = django_filters.BooleanFilter(method="filter_late", label=_("Filed late"))
    metric = django_filters.CharFilter(method="filter_metric", label=_("Reports a metric"))

    class Meta:
        model = Report
        fields = ["form", "status", "subtree", "period_from", "period_to", "late", "metric"]

    def filter_late(self, queryset, name, value):
        from django.db.models import F

        late = Q(first_submitted_at__isnull=False, first_submitted_at__date__gt=F("deadline"))
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_metric(self, queryset, name, value):
        # Drill-down from a reported figure: the reports with a non-zero value of that metric.
        values = ReportValue.objects.filter(report=OuterRef("pk"), metric__code=value).filter(
            Q(int_value__gt=0) | Q(decimal_value__gt=0) | ~Q(text_value="")
        )
        return queryset.filter(Exists(values))


class ReportFormFilterSet(django_filters.FilterSet):
    period_type = django_filters.ChoiceFilter(choices=PeriodType.choices, label=_("Period"))
    q = django_filters.CharFilter(method="search", label=_("Name or code"))

    class Meta:
        model = ReportForm
        fields = ["period_type", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class ReportValueFilterSet(django_filters.FilterSet):
    report = django_filters.NumberFilter(field_name="report_id", label=_("Report"))
    metric = django_filters.CharFilter(field_name="metric__code", label=_("Metric code"))
    subtree = SubtreeFilter(unit_field="report__unit", label=_("Within unit"))
    period_from = DateFilter(field_name="report__period_start", lookup_expr="gte", label=_("Period from"))
    period_to = DateFilter(field_name="report__period_end", lookup_expr="lte", label=_("Period to"))

    class Meta:
        model = ReportValue
        fields = ["report", "metric", "subtree", "period_from", "period_to"]


class SpotCheckFilterSet(django_filters.FilterSet):
    subtree = SubtreeFilter(unit_field="unit", label=_("Within unit"))

    class Meta:
        model = SpotCheck
        fields = ["subtree"]


class ProgrammeFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(method="filter_year", label=_("Year"))

    class Meta:
        model = Programme
        fields = ["year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


class TargetRuleFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(queryset=Programme.objects.all(), label=_("Programme"))
    metric = django_filters.CharFilter(label=_("Metric"))

    class Meta:
        model = TargetRule
        fields = ["programme", "metric"]


class TargetSnapshotFilterSet(django_filters.FilterSet):
    period = django_filters.CharFilter(label=_("Quarter"))
    programme = django_filters.ModelChoiceFilter(
        field_name="rule__programme", queryset=Programme.objects.all(), label=_("Programme")
    )
    rule = django_filters.ModelChoiceFilter(queryset=TargetRule.objects.all(), label=_("Target"))
    status = django_filters.ChoiceFilter(choices=TargetSnapshot.Status.choices, label=_("Status"))
    subtree = SubtreeFilter(unit_field="unit", label=_("Within unit"))
    level = django_filters.CharFilter(field_name="unit__level", label=_("Level"))

    class Meta:
        model = TargetSnapshot
        fields = ["period", "programme", "rule", "status", "subtree", "level"]
