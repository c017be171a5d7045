"""Querysets of the training app: jurisdiction plus the derived values that pages, the API
and the metrics share (seats taken, people waiting, attendance, queue positions, ratings),
each as an annotation computed by PostgreSQL, never a Python loop."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from hubportal.jurisdiction import JurisdictionQuerySet

HOLDING = ["offered", "applied", "confirmed", "completed", "incomplete", "no_show"]


def _count(queryset: models.QuerySet, group: str) -> Coalesce:
    """A correlated count of `queryset` rows per `group` (the outer row's key), 0 when none."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


class TrainingQuerySet(JurisdictionQuerySet):
    """The plain scoped queryset of the app's dependent records."""


class TrainerQuerySet(JurisdictionQuerySet):
    def with_rating(self) -> Self:
        """`rating`: the average of the trainees' ratings of the trainer's sessions (None
        while unrated) and `ratings`: how many."""
        from .models import Feedback

        rated = Feedback.objects.filter(trainer=OuterRef("pk")).order_by().values("trainer")
        return self.annotate(
            rating=Subquery(
                rated.annotate(a=Avg("rating")).values("a"),
                output_field=models.DecimalField(max_digits=4, decimal_places=2),
            ),
            ratings=Coalesce(
                Subquery(rated.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField()), 0
            ),
        )

    def bookable(self) -> Self:
        return self.filter(active=True, shared=True)


class CampQuerySet(JurisdictionQuerySet):
    def with_counts(self) -> Self:
        """`seats_taken` (people holding a seat), `waiting` (in line) and `session_count`."""
        from .models import CampSession, Enrolment

        return self.annotate(
            seats_taken=_count(Enrolment.objects.filter(camp=OuterRef("pk"), status__in=HOLDING), "camp"),
            waiting=_count(Enrolment.objects.filter(camp=OuterRef("pk"), status="waiting"), "camp"),
            session_count=_count(CampSession.objects.filter(camp=OuterRef("pk")), "camp"),
        )

    def public(self) -> Self:
        """Camps the public list shows: open for enrolment."""
        return self.filter(status="open")

    def held(self) -> Self:
        """Camps that took place (finished)."""
        return self.filter(status="finished")


class SessionQuerySet(JurisdictionQuerySet):
    def with_attendance(self) -> Self:
        """`present`: how many people checked in to each session."""
        from .models import Attendance

        return self.annotate(present=_count(Attendance.objects.filter(session=OuterRef("pk")), "session"))

    def with_rating(self) -> Self:
        from .models import Feedback

        rated = Feedback.objects.filter(session=OuterRef("pk")).order_by().values("session")
        return self.annotate(
            rating=Subquery(
                rated.annotate(a=Avg("rating")).values("a"),
                output_field=models.DecimalField(max_digits=4, decimal_places=2),
            ),
            ratings=Coalesce(
                Subquery(rated.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField()), 0
            ),
        )


class EnrolmentQuerySet(JurisdictionQuerySet):
    def holding(self) -> Self:
        return self.filter(status__in=HOLDING)

    def waiting(self) -> Self:
        return self.filter(status="waiting")

    def with_attended(self) -> Self:
        """`attended`: sessions the person checked in to; `sessions`: the camp's sessions."""
        from .models import Attendance, CampSession

        return self.annotate(
            attended=_count(Attendance.objects.filter(enrolment=OuterRef("pk")), "enrolment"),
            sessions=_count(CampSession.objects.filter(camp=OuterRef("camp_id")), "camp"),
        )

    def with_queue_position(self) -> Self:
        """`queue_position`: 1 for the first in line of its camp, None when not waiting."""
        from .models import Enrolment

        ahead = Enrolment.objects.filter(camp=OuterRef("camp_id"), status="waiting").filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), pk__lte=OuterRef("pk"))
        )
        position = ahead.order_by().values("camp").annotate(n=Count("pk")).values("n")
        return self.annotate(
            queue_position=models.Case(
                models.When(status="waiting", then=Subquery(position, output_field=models.IntegerField())),
                default=None,
                output_field=models.IntegerField(),
            )
        )

    def completed(self) -> Self:
        return self.filter(status="completed")

    def recent_first(self) -> Self:
        return self.order_by(F("created_at").desc(), "pk")
