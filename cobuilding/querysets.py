"""Querysets of the co-building app: derived values as annotations, never Python loops."""

from __future__ import annotations

import datetime
from typing import Self

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from hubportal.jurisdiction import JurisdictionQuerySet


class CommitteeQuerySet(JurisdictionQuerySet):
    def with_counts(self) -> Self:
        """Member units still in, and the chair terms that ended without an activity, per
        committee (two correlated counts, one query)."""
        from .models import ChairTerm, MemberUnit

        today = timezone.localdate()
        members = (
            MemberUnit.objects.filter(committee=OuterRef("pk"), left_on__isnull=True)
            .order_by()
            .values("committee")
            .annotate(n=Count("pk"))
            .values("n")
        )
        gaps = (
            ChairTerm.objects.filter(committee=OuterRef("pk"))
            .without_activity(today)
            .order_by()
            .values("committee")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            terms_without_activity=Coalesce(Subquery(gaps, output_field=IntegerField()), 0),
        )


def _activity_in_term() -> Exists:
    """Whether the committee held an activity within the term (the outer row is a term)."""
    from .models import Activity

    return Exists(
        Activity.objects.filter(
            committee=OuterRef("committee"),
            held_on__gte=OuterRef("starts_on"),
            held_on__lte=OuterRef("ends_on"),
        )
    )


class ChairTermQuerySet(JurisdictionQuerySet):
    def with_activity(self) -> Self:
        """`held_activity`: whether the committee held an activity within the term."""
        return self.annotate(held_activity=_activity_in_term())

    def without_activity(self, today: datetime.date) -> Self:
        """Terms that ended before `today` with no activity of the committee within them."""
        return self.filter(ends_on__lt=today).exclude(_activity_in_term())

    def current(self, today: datetime.date) -> Self:
        return self.filter(starts_on__lte=today, ends_on__gte=today)


class PersonQuerySet(JurisdictionQuerySet):
    def active_on(self, day: datetime.date) -> Self:
        """People in their role on `day` (typed dates: for display and filters)."""
        return self.filter(Q(started_on__lte=day), Q(ended_on__isnull=True) | Q(ended_on__gte=day))
