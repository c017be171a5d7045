"""FilterSets of the training app, shared by the list pages, their Excel exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hubportal.filters import ChoicesFilter, DateFilter, ScopedModelChoiceFilter, SubtreeFilter

from .models import Attendance, Camp, CampSession, Certificate, Enrolment, Expertise, Trainee, Trainer


class CampFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Title or place"))
    status = django_filters.ChoiceFilter(choices=Camp.Status.choices, label=_("Status"))
    level = django_filters.ChoiceFilter(choices=Camp.Level.choices, label=_("Level"))
    starts_from = DateFilter(field_name="ends_on", lookup_expr="gte", label=_("From"))
    starts_to = DateFilter(field_name="starts_on", lookup_expr="lte", label=_("Until"))
    held_from = DateFilter(field_name="finished_at__date", lookup_expr="gte", label=_("Held (recorded) from"))
    held_to = DateFilter(field_name="finished_at__date", lookup_expr="lte", label=_("Held (recorded) until"))
    series = django_filters.NumberFilter(field_name="series_unit_id", label=_("In the series of unit"))
    subtree = SubtreeFilter(unit_field="organizer", label=_("Organised within"))

    class Meta:
        model = Camp
        fields = [
            "q",
            "status",
            "level",
            "starts_from",
            "starts_to",
            "held_from",
            "held_to",
            "series",
            "subtree",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(address__icontains=value))


class SessionFilterSet(django_filters.FilterSet):
    camp = ScopedModelChoiceFilter(queryset=Camp.objects.all(), label=_("Camp"))
    trainer = django_filters.NumberFilter(field_name="trainer_id", label=_("Trainer"))
    date_from = DateFilter(field_name="starts_at__date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="starts_at__date", lookup_expr="lte", label=_("Until"))
    subtree = SubtreeFilter(unit_field="camp__organizer")

    class Meta:
        model = CampSession
        fields = ["camp", "trainer", "date_from", "date_to", "subtree"]


class TrainerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or affiliation"))
    field = django_filters.ChoiceFilter(choices=Expertise.choices, method="in_field", label=_("Field"))
    active = django_filters.BooleanFilter(label=_("Active"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = Trainer
        fields = ["q", "field", "active", "subtree"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(affiliation__icontains=value))

    def in_field(self, queryset, name, value):
        return queryset.filter(fields__contains=[value])


class EnrolmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or organization"))
    camp = ScopedModelChoiceFilter(queryset=Camp.objects.all(), label=_("Camp"))
    status = ChoicesFilter(choices=Enrolment.Status.choices, label=_("Status"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("Organization"))
    trainee = django_filters.NumberFilter(field_name="trainee_id", label=_("Trainee"))
    year = django_filters.NumberFilter(field_name="camp__ends_on__year", label=_("Year of the camp"))
    completed_from = DateFilter(field_name="closed_at__date", lookup_expr="gte", label=_("Judged from"))
    completed_to = DateFilter(field_name="closed_at__date", lookup_expr="lte", label=_("Judged until"))
    head = django_filters.BooleanFilter(method="heads", label=_("Organization heads"))
    subtree = SubtreeFilter(unit_field="unit", label=_("Counted within"))

    class Meta:
        model = Enrolment
        fields = [
            "q",
            "camp",
            "status",
            "organization",
            "trainee",
            "year",
            "completed_from",
            "completed_to",
            "head",
            "subtree",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(Q(trainee__name__icontains=value) | Q(organization__name__icontains=value))

    def heads(self, queryset, name, value):
        from .metrics import HEAD_ROLES

        return queryset.filter(role__in=HEAD_ROLES) if value else queryset.exclude(role__in=HEAD_ROLES)


class AttendanceFilterSet(django_filters.FilterSet):
    camp = ScopedModelChoiceFilter(field_name="session__camp", queryset=Camp.objects.all(), label=_("Camp"))
    session = django_filters.NumberFilter(field_name="session_id", label=_("Session"))
    method = django_filters.ChoiceFilter(choices=Attendance.Method.choices, label=_("How"))
    date_from = DateFilter(field_name="checked_in_at__date", lookup_expr="gte", label=_("From"))
    date_to = DateFilter(field_name="checked_in_at__date", lookup_expr="lte", label=_("Until"))
    subtree = SubtreeFilter(unit_field="enrolment__unit", label=_("Counted within"))

    class Meta:
        model = Attendance
        fields = ["camp", "session", "method", "date_from", "date_to", "subtree"]


class TraineeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name, ID or phone"))
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = Trainee
        fields = ["q", "subtree"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(id_number=value.upper()) | Q(phone=value))


class CertificateFilterSet(django_filters.FilterSet):
    camp = ScopedModelChoiceFilter(field_name="enrolment__camp", queryset=Camp.objects.all(), label=_("Camp"))
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label=_("Revoked")
    )
    subtree = SubtreeFilter(unit_field="enrolment__unit", label=_("Counted within"))

    class Meta:
        model = Certificate
        fields = ["camp", "revoked", "subtree"]
