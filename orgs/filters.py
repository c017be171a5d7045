"""FilterSets of the registry, shared by the list pages, the API and exports."""

from typing import Any

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.filters import ChoicesFilter, DateFilter, SubtreeFilter

from .models import (
    BACKBONE_YOUTH_THRESHOLD,
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
)


class LeagueUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or code"))
    level = django_filters.ChoiceFilter(choices=LeagueUnit.Level.choices, label=_("Level"))
    kind = django_filters.ChoiceFilter(choices=LeagueUnit.Kind.choices, label=_("Kind"))
    region = django_filters.ChoiceFilter(choices=LeagueUnit.Region.choices, label=_("Region"))
    subtree = SubtreeFilter(label=_("Within unit"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent unit id"))

    class Meta:
        model = LeagueUnit
        fields = ["q", "level", "kind", "region", "subtree", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


def star_ratings(**target: Any) -> Any:
    """The star-rating history of an organization from the evaluation app, when it is
    installed (None otherwise: the page then leaves the section out)."""
    from django.apps import apps

    if not apps.is_installed("evaluation"):
        return None
    from evaluation.panels import rating_history

    return rating_history(**target)


def _stars_filter() -> Any:
    """“Current stars” (the rating in force), from the evaluation app when it is installed."""
    from django.apps import apps

    if not apps.is_installed("evaluation"):
        return None
    from evaluation.filters import CurrentStarsFilter

    return CurrentStarsFilter(target="organization")


class OrganizationFilterSet(django_filters.FilterSet):
    """Filters of the organization list: the page, the API, saved filters and exports."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    tier = ChoicesFilter(choices=Organization.Tier.choices, label=_("Tier"))
    body = ChoicesFilter(choices=Organization.Body.choices, label=_("Association"))
    # “Kind” alone reads 类别 in Chinese, the same word as the category filter beside it.
    kind = ChoicesFilter(choices=Organization.Kind.choices, label=pgettext_lazy("organization", "Kind"))
    category = ChoicesFilter(choices=Organization.Category.choices, label=_("Category"))
    service_field = ChoicesFilter(
        choices=Organization.ServiceField.choices, method="filter_service_field", label=_("Service field")
    )
    registration_status = ChoicesFilter(
        choices=Organization.RegistrationStatus.choices, label=_("Registration status")
    )
    status = ChoicesFilter(choices=Organization.Status.choices, label=_("Status"))
    backbone = django_filters.BooleanFilter(method="filter_backbone", label=_("Backbone organization"))
    league_building = django_filters.BooleanFilter(
        method="filter_league_building", label=_("League building")
    )
    founded_after = DateFilter(field_name="founded_on", lookup_expr="gte", label=_("Founded from"))
    founded_before = DateFilter(field_name="founded_on", lookup_expr="lte", label=_("Founded until"))
    registered_after = DateFilter(field_name="registered_on", lookup_expr="gte", label=_("Registered from"))
    registered_before = DateFilter(field_name="registered_on", lookup_expr="lte", label=_("Registered until"))
    youth_min = django_filters.NumberFilter(
        field_name="youth_covered", lookup_expr="gte", label=_("Youth covered at least")
    )
    subtree = SubtreeFilter(unit_field="governing_unit", label=_("Within unit"))
    contacted_by = SubtreeFilter(method="filter_contacted_by", label=_("Directly contacted by"))
    pending_changes = django_filters.BooleanFilter(
        method="filter_pending_changes", label=_("Changes waiting for review")
    )
    stars = _stars_filter()

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_service_field(self, queryset, name, value):
        return queryset.filter(service_fields__overlap=list(value)) if value else queryset

    def filter_backbone(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.backbone() if value else queryset.exclude(youth_covered__gte=BACKBONE_YOUTH_THRESHOLD)

    def filter_league_building(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.with_league_building() if value else queryset.without_league_building()

    def filter_contacted_by(self, queryset, name, value):
        return queryset.directly_contacted_by(value) if value else queryset

    def filter_pending_changes(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(pending_changes={}) if value else queryset.filter(pending_changes={})


class OrganizationChildFilterSet(django_filters.FilterSet):
    """Shared filters of the records hanging from an organization."""

    organization = django_filters.NumberFilter(field_name="organization_id", label=_("Organization id"))
    subtree = SubtreeFilter(unit_field="organization__governing_unit", label=_("Within unit"))


class BackboneMemberFilterSet(OrganizationChildFilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="contains", label=pgettext_lazy("person", "Name")
    )
    gender = django_filters.ChoiceFilter(choices=BackboneMember.Gender.choices, label=_("Gender"))
    born_after = django_filters.NumberFilter(
        field_name="birth_year", lookup_expr="gte", label=_("Born from year")
    )
    born_before = django_filters.NumberFilter(
        field_name="birth_year", lookup_expr="lte", label=_("Born until year")
    )

    class Meta:
        model = BackboneMember
        fields = ["organization", "subtree", "q", "gender", "born_after", "born_before"]


class LeagueBuildingFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organizations", label=_("Organization id"))
    subtree = SubtreeFilter(unit_field="unit", label=_("Within unit"))
    mode = django_filters.ChoiceFilter(choices=LeagueBuilding.Mode.choices, label=_("Mode"))
    form = django_filters.ChoiceFilter(choices=LeagueBuilding.Form.choices, label=_("Form of founding"))
    founded_after = DateFilter(field_name="founded_on", lookup_expr="gte", label=_("Founded from"))
    founded_before = DateFilter(field_name="founded_on", lookup_expr="lte", label=_("Founded until"))

    class Meta:
        model = LeagueBuilding
        fields = ["organization", "subtree", "mode", "form", "founded_after", "founded_before"]


class ContactLogFilterSet(OrganizationChildFilterSet):
    kind = django_filters.ChoiceFilter(choices=ContactLog.Kind.choices, label=_("Kind"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("Cadre id"))
    unit = SubtreeFilter(unit_field="unit", label=_("Cadre's unit"))
    date_after = DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_before = DateFilter(field_name="date", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = ContactLog
        fields = ["organization", "subtree", "kind", "cadre", "unit", "date_after", "date_before"]


class DirectContactFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("Organization id"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit id"))
    subtree = SubtreeFilter(unit_field="unit", label=_("Within unit"))
    since_after = DateFilter(field_name="since", lookup_expr="gte", label=_("Since from"))
    since_before = DateFilter(field_name="since", lookup_expr="lte", label=_("Since until"))

    class Meta:
        model = DirectContact
        fields = ["organization", "unit", "subtree", "since_after", "since_before"]
