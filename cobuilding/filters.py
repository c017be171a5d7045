"""FilterSets of the co-building app, shared by the list pages, their Excel exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.filters import DateFilter, ScopedModelChoiceFilter, SubtreeFilter

from .models import (
    Activity,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Funding,
    JointMeeting,
    MemberUnit,
    Person,
    Venue,
    WorkPlan,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def committee_filter() -> ScopedModelChoiceFilter:
    return ScopedModelChoiceFilter(queryset=Committee.objects.all(), label=_("Committee"))


class CommitteeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or subdistrict"))
    gaps = django_filters.ChoiceFilter(
        choices=YES_NO, method="with_gaps", label=_("A chair term ended without an activity")
    )
    subtree = SubtreeFilter(unit_field="subdistrict")

    class Meta:
        model = Committee
        fields = ["q", "gaps", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(subdistrict__name__icontains=value))

    def with_gaps(self, queryset, name, value):
        # The list annotates `terms_without_activity` (CommitteeQuerySet.with_counts).
        return (
            queryset.filter(terms_without_activity__gt=0)
            if value == "yes"
            else queryset.filter(terms_without_activity=0)
        )


class MemberUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or league organization"))
    affiliation = django_filters.ChoiceFilter(choices=MemberUnit.Affiliation.choices, label=_("Type of unit"))
    current = django_filters.ChoiceFilter(choices=YES_NO, method="still_member", label=_("Still a member"))
    committee = committee_filter()
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = MemberUnit
        fields = ["q", "affiliation", "current", "committee", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(league_organization__icontains=value))

    def still_member(self, queryset, name, value):
        return queryset.filter(left_on__isnull=value == "yes")


class ChairTermFilterSet(django_filters.FilterSet):
    committee = committee_filter()
    without_activity = django_filters.ChoiceFilter(
        choices=YES_NO, method="flagged", label=_("Ended without an activity")
    )
    starts_from = DateFilter(field_name="starts_on", lookup_expr="gte", label=_("Starting from"))
    starts_to = DateFilter(field_name="starts_on", lookup_expr="lte", label=_("Starting until"))
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = ChairTerm
        fields = ["committee", "without_activity", "starts_from", "starts_to", "subtree"]

    def flagged(self, queryset, name, value):
        flagged = ChairTerm.objects.without_activity(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=flagged) if value == "yes" else queryset.exclude(pk__in=flagged)


class WorkPlanFilterSet(django_filters.FilterSet):
    committee = committee_filter()
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(choices=WorkPlan.Status.choices, label=_("Status"))
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = WorkPlan
        fields = ["committee", "year", "status", "subtree"]


class MeetingFilterSet(django_filters.FilterSet):
    committee = committee_filter()
    held_from = DateFilter(field_name="held_on", lookup_expr="gte", label=_("Held from"))
    held_to = DateFilter(field_name="held_on", lookup_expr="lte", label=_("Held until"))
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = JointMeeting
        fields = ["committee", "held_from", "held_to", "subtree"]


class VenueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or address"))
    kind = django_filters.ChoiceFilter(choices=Venue.Kind.choices, label=_("Kind"))
    setup = django_filters.ChoiceFilter(choices=Venue.Setup.choices, label=_("How it was set up"))
    offer = django_filters.ChoiceFilter(choices=Venue.Offer.choices, method="offers", label=_("Offers"))
    committee = committee_filter()
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = Venue
        fields = ["q", "kind", "setup", "offer", "committee", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))

    def offers(self, queryset, name, value):
        return queryset.filter(offers__contains=[value])


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Full name"))
    role = django_filters.ChoiceFilter(choices=Person.Role.choices, label=_("Role"))
    current = django_filters.ChoiceFilter(choices=YES_NO, method="in_role", label=_("In the role today"))
    committee = committee_filter()
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = Person
        fields = ["q", "role", "current", "committee", "subtree"]

    def in_role(self, queryset, name, value):
        active = Person.objects.active_on(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=active) if value == "yes" else queryset.exclude(pk__in=active)


class ActivityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    committee = committee_filter()
    held_from = DateFilter(field_name="held_on", lookup_expr="gte", label=_("Held from"))
    held_to = DateFilter(field_name="held_on", lookup_expr="lte", label=_("Held until"))
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = Activity
        fields = ["q", "kind", "committee", "held_from", "held_to", "subtree"]


class FundingFilterSet(django_filters.FilterSet):
    committee = committee_filter()
    year = django_filters.NumberFilter(label=_("Year"))
    source = django_filters.ChoiceFilter(choices=Funding.Source.choices, label=_("Source"))
    subtree = SubtreeFilter(unit_field="committee__subdistrict")

    class Meta:
        model = Funding
        fields = ["committee", "year", "source", "subtree"]


class SubsidyFilterSet(django_filters.FilterSet):
    payer = django_filters.ChoiceFilter(choices=BranchSubsidy.Payer.choices, label=_("Payer"))
    paid_from = DateFilter(field_name="paid_on", lookup_expr="gte", label=_("Paid from"))
    paid_to = DateFilter(field_name="paid_on", lookup_expr="lte", label=_("Paid until"))
    subtree = SubtreeFilter(unit_field="league_building__unit")

    class Meta:
        model = BranchSubsidy
        fields = ["payer", "paid_from", "paid_to", "subtree"]
