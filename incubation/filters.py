"""FilterSets of the incubation app, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hubportal.filters import DateFilter, ScopedModelChoiceFilter, SubtreeFilter
from orgs.models import LeagueUnit

from .models import FundMovement, IncubationBase, IncubationFund, Residency, Service, ServiceDelivery

STAR_CHOICES = [("0", _("Not yet rated"))] + [(str(n), "★" * n) for n in range(1, 6)]


class BaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or address"))
    level = django_filters.ChoiceFilter(
        field_name="unit__level", choices=LeagueUnit.Level.choices, label=_("Level of the owning unit")
    )
    base_type = django_filters.ChoiceFilter(choices=IncubationBase.Type.choices, label=_("Type"))
    service = django_filters.ChoiceFilter(
        choices=Service.choices, method="offers", label=_("Service offered")
    )
    opened_from = DateFilter(field_name="opened_on", lookup_expr="gte", label=_("Opened from"))
    opened_to = DateFilter(field_name="opened_on", lookup_expr="lte", label=_("Opened until"))
    stars = django_filters.ChoiceFilter(choices=STAR_CHOICES, method="by_stars", label=_("Stars"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = IncubationBase
        fields = ["q", "level", "base_type", "service", "opened_from", "opened_to", "stars", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))

    def offers(self, queryset, name, value):
        return queryset.filter(services__contains=[value])

    def by_stars(self, queryset, name, value):
        # The queryset carries `stars` (the latest rating) from `with_stars()`.
        if value == "0":
            return queryset.filter(stars__isnull=True)
        return queryset.filter(stars=int(value))


class ResidencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="organization__name", lookup_expr="icontains", label=_("Organization")
    )
    status = django_filters.ChoiceFilter(choices=Residency.Status.choices, label=_("Status"))
    base = ScopedModelChoiceFilter(queryset=IncubationBase.objects.all(), label=_("Base"))
    base_type = django_filters.ChoiceFilter(
        field_name="base__base_type", choices=IncubationBase.Type.choices, label=_("Type of base")
    )
    level = django_filters.ChoiceFilter(
        field_name="base__unit__level", choices=LeagueUnit.Level.choices, label=_("Level of the owning unit")
    )
    applied_from = DateFilter(field_name="applied_on", lookup_expr="gte", label=_("Applied from"))
    applied_to = DateFilter(field_name="applied_on", lookup_expr="lte", label=_("Applied until"))
    subtree = SubtreeFilter(unit_field="base__unit")

    class Meta:
        model = Residency
        fields = ["q", "status", "base", "base_type", "level", "applied_from", "applied_to", "subtree"]


class ServiceDeliveryFilterSet(django_filters.FilterSet):
    residency = django_filters.NumberFilter(field_name="residency_id", label=_("Residency"))
    base = ScopedModelChoiceFilter(
        field_name="residency__base", queryset=IncubationBase.objects.all(), label=_("Base")
    )
    service_type = django_filters.ChoiceFilter(choices=Service.choices, label=_("Service"))
    date_from = DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="date", lookup_expr="lte", label=_("Until"))
    subtree = SubtreeFilter(unit_field="residency__base__unit")

    class Meta:
        model = ServiceDelivery
        fields = ["residency", "base", "service_type", "date_from", "date_to", "subtree"]


class FundFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    level = django_filters.ChoiceFilter(
        field_name="unit__level", choices=LeagueUnit.Level.choices, label=_("Level of the owning unit")
    )
    established_from = DateFilter(field_name="established_on", lookup_expr="gte", label=_("Established from"))
    established_to = DateFilter(field_name="established_on", lookup_expr="lte", label=_("Established until"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = IncubationFund
        fields = ["q", "level", "established_from", "established_to", "subtree"]


class FundMovementFilterSet(django_filters.FilterSet):
    fund = ScopedModelChoiceFilter(queryset=IncubationFund.objects.all(), label=_("Fund"))
    kind = django_filters.ChoiceFilter(choices=FundMovement.Kind.choices, label=_("Kind"))
    date_from = DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="date", lookup_expr="lte", label=_("Until"))
    grantee_base = django_filters.NumberFilter(field_name="grantee_base_id", label=_("Grantee base"))
    grantee_organization = django_filters.NumberFilter(
        field_name="grantee_organization_id", label=_("Grantee organization")
    )
    subtree = SubtreeFilter(unit_field="fund__unit")

    class Meta:
        model = FundMovement
        fields = ["fund", "kind", "date_from", "date_to", "grantee_base", "grantee_organization", "subtree"]
