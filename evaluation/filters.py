"""FilterSets of the star ratings, shared by the list pages, the API and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.filters import ScopedModelChoiceFilter, SubtreeFilter
from orgs.models import Organization

from .models import (
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
    SubjectType,
)

STAR_CHOICES = [(str(n), "★" * n) for n in range(1, 6)]


class CurrentStarsFilter(django_filters.ChoiceFilter):
    """The stars of the rating in force (final, not superseded, not expired) of a base or an
    organization, for other apps' lists (`?stars=4`; `?stars=0`: no rating in force). One
    correlated subquery on the ratings' (target, status, valid from) index per row."""

    def __init__(self, *args, target: str = "organization", **kwargs) -> None:
        self.target = target
        kwargs.setdefault("choices", [("0", _("No rating in force")), *STAR_CHOICES])
        kwargs.setdefault("label", _("Stars"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        from django.db.models import OuterRef, Subquery

        in_force = (
            Rating.objects.filter(
                **{self.target: OuterRef("pk")}, status="current", valid_until__gte=timezone.localdate()
            )
            .order_by("-valid_from", "-pk")
            .values("stars")[:1]
        )
        rated = qs.annotate(current_stars=Subquery(in_force))
        return (
            rated.filter(current_stars__isnull=True)
            if value == "0"
            else rated.filter(current_stars=int(value))
        )


class SystemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or code"))
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices, label=_("Rates"))
    status = django_filters.ChoiceFilter(choices=IndicatorSystem.Status.choices, label=_("Status"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = IndicatorSystem
        fields = ["q", "subject_type", "status", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class RoundFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices, label=_("Rates"))
    phase = django_filters.ChoiceFilter(choices=Round.Phase.choices, label=_("Phase"))
    year = django_filters.NumberFilter(label=_("Year"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = Round
        fields = ["q", "subject_type", "phase", "year", "subtree"]


class SubjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    round = ScopedModelChoiceFilter(queryset=Round.objects.all(), label=_("Round"))
    status = django_filters.ChoiceFilter(choices=Subject.Status.choices, label=_("Status"))
    result = django_filters.ChoiceFilter(choices=Subject.Result.choices, label=_("Result"))
    stars = django_filters.ChoiceFilter(choices=STAR_CHOICES, label=_("Stars"))
    flagged = django_filters.BooleanFilter(method="by_flags", label=_("Awaiting moderation"))
    subtree = SubtreeFilter(unit_field="owner_unit", label=_("Owned within unit"))

    class Meta:
        model = Subject
        fields = ["q", "round", "status", "result", "stars", "flagged", "subtree"]

    def by_flags(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(open_flags__gt=0) if value else queryset.filter(open_flags=0)


class AssignmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Subject or assessor"))
    round = ScopedModelChoiceFilter(
        field_name="subject__round", queryset=Round.objects.all(), label=_("Round")
    )
    status = django_filters.ChoiceFilter(choices=Assignment.Status.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Overdue"))
    subject = django_filters.NumberFilter(field_name="subject_id", label=_("Subject"))
    subtree = SubtreeFilter(unit_field="subject__round__unit")

    class Meta:
        model = Assignment
        fields = ["q", "round", "status", "overdue", "subject", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(subject__name__icontains=value)
            | Q(assessor__full_name__icontains=value)
            | Q(assessor__username__icontains=value)
        )

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status="assigned", deadline__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ScoreFilterSet(django_filters.FilterSet):
    assignment = django_filters.NumberFilter(field_name="assignment_id", label=_("Assignment"))
    subject = django_filters.NumberFilter(field_name="assignment__subject_id", label=_("Subject"))
    round = django_filters.NumberFilter(field_name="assignment__subject__round_id", label=_("Round"))

    class Meta:
        model = Score
        fields = ["assignment", "subject", "round"]


class ResultFilterSet(django_filters.FilterSet):
    subject = django_filters.NumberFilter(field_name="subject_id", label=_("Subject"))
    round = django_filters.NumberFilter(field_name="subject__round_id", label=_("Round"))
    flagged = django_filters.BooleanFilter(label=_("Flagged"))

    class Meta:
        model = IndicatorResult
        fields = ["subject", "round", "flagged"]


class ClaimFilterSet(django_filters.FilterSet):
    subject = django_filters.NumberFilter(field_name="subject_id", label=_("Subject"))

    class Meta:
        model = Claim
        fields = ["subject"]


class EvidenceFilterSet(ClaimFilterSet):
    class Meta:
        model = Evidence
        fields = ["subject"]


class ObjectionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Objection.Status.choices, label=_("Status"))
    round = ScopedModelChoiceFilter(
        field_name="subject__round", queryset=Round.objects.all(), label=_("Round")
    )
    subject = django_filters.NumberFilter(field_name="subject_id", label=_("Subject"))
    subtree = SubtreeFilter(unit_field="subject__round__unit")

    class Meta:
        model = Objection
        fields = ["status", "round", "subject", "subtree"]


class RatingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="subject__name", lookup_expr="icontains", label=_("Name"))
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices, label=_("Rates"))
    stars = django_filters.ChoiceFilter(choices=STAR_CHOICES, label=_("Stars"))
    standing = django_filters.ChoiceFilter(
        choices=[("current", _("In force")), ("expired", _("Expired")), ("superseded", _("Superseded"))],
        method="by_standing",
        label=_("Standing"),
    )
    year = django_filters.NumberFilter(label=_("Year"))
    round = ScopedModelChoiceFilter(queryset=Round.objects.all(), label=_("Round"))
    base = django_filters.NumberFilter(field_name="base_id", label=_("Base"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("Organization"))
    subtree = SubtreeFilter(unit_field="subject__owner_unit", label=_("Owned within unit"))

    class Meta:
        model = Rating
        fields = [
            "q",
            "subject_type",
            "stars",
            "standing",
            "year",
            "round",
            "base",
            "organization",
            "subtree",
        ]

    def by_standing(self, queryset, name, value):
        today = timezone.localdate()
        if value == "current":
            return queryset.filter(status="current", valid_until__gte=today)
        if value == "expired":
            return queryset.filter(status="current", valid_until__lt=today)
        return queryset.filter(status="superseded")


class CertificateFilterSet(django_filters.FilterSet):
    round = ScopedModelChoiceFilter(
        field_name="rating__round", queryset=Round.objects.all(), label=_("Round")
    )
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label=_("Revoked")
    )
    subtree = SubtreeFilter(unit_field="rating__round__unit")

    class Meta:
        model = Certificate
        fields = ["round", "revoked", "subtree"]


class ExpertFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or expertise"))
    active = django_filters.BooleanFilter(label=_("Active"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = Expert
        fields = ["q", "active", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(user__full_name__icontains=value)
            | Q(user__username__icontains=value)
            | Q(expertise__icontains=value)
        )


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Project or organization"))
    service_field = django_filters.ChoiceFilter(
        choices=Organization.ServiceField.choices, label=_("Service field")
    )
    subtree = SubtreeFilter(unit_field="organization__governing_unit")

    class Meta:
        model = ServiceProject
        fields = ["q", "service_field", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(organization__name__icontains=value))
