"""Querysets of the star ratings, and who may see what besides the round's cadres.

Jurisdiction (`visible_to`) is the round's unit, as everywhere: its cadres run the round.
Two other rights are granted record by record, through `also=` of `hubportal.access`:

- a subject's own side (`owner_q`): the representatives of the organization (or of the
  project's organization) and the cadres whose jurisdiction covers the subject's owning
  unit see the subject and fill its self-assessment; they never see the panel;
- an assessor (`assessor_q`) sees the subjects on whose panel they sit, and nothing else:
  jurisdiction for assessors is by assignment, not by unit. Their own scores are theirs;
  the other assessors' scores of a subject stay hidden until every counted assignment of
  that attempt is submitted (`ScoreQuerySet.for_assessor`). Cadres see only submitted
  scores (`ScoreQuerySet.visible_to`): a draft is the assessor's work in progress.
"""

from __future__ import annotations

from typing import Any, Self

from django.db.models import Exists, OuterRef, Q

from hubportal.jurisdiction import Action, JurisdictionQuerySet, subtree_q

NOTHING = Q(pk__in=[])
COUNTED = ("assigned", "submitted")


def _authenticated(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def owner_q(user: Any, action: Action | str = Action.VIEW, prefix: str = "") -> Q:
    """Subjects (or records of subjects, through `prefix`) that belong to the user's side:
    organizations and projects they represent, and subjects owned within their jurisdiction."""
    from orgs.models import Organization

    if not _authenticated(user):
        return NOTHING
    represented = Organization.objects.filter(representatives=user).values("pk")
    q = Q(**{f"{prefix}organization__in": represented}) | Q(
        **{f"{prefix}project__organization__in": represented}
    )
    paths = user.jurisdiction_paths(Action(action))
    if paths:
        q |= subtree_q(paths, f"{prefix}owner_unit")
    return q


def assessor_q(user: Any, prefix: str = "") -> Q:
    """Subjects (or their records) on whose panel the user sits (not recused or withdrawn)."""
    from .models import Assignment

    if not _authenticated(user) or not user.is_assessor:
        return NOTHING
    mine = Assignment.objects.filter(assessor=user, status__in=COUNTED).values("subject")
    return Q(**{f"{prefix}pk__in": mine})


class EvaluationQuerySet(JurisdictionQuerySet):
    """The plain scoped queryset of the app's records."""


class RoundQuerySet(JurisdictionQuerySet):
    def accepting_applications(self) -> Self:
        return self.filter(phase="self_assessment", accepts_applications=True)


class SubjectQuerySet(JurisdictionQuerySet):
    def active(self) -> Self:
        """Subjects that take part: entered (not applied, declined or withdrawn)."""
        return self.filter(status="entered")


class ClaimQuerySet(JurisdictionQuerySet):
    """Records of a subject's own file (self-assessment, evidence, appeals)."""


class ExpertQuerySet(JurisdictionQuerySet):
    def active(self) -> Self:
        return self.filter(active=True, user__is_active=True, user__is_assessor=True)


class AssignmentQuerySet(JurisdictionQuerySet):
    def counted(self) -> Self:
        """Assignments that count in the panel: not recused or withdrawn."""
        return self.filter(status__in=COUNTED)

    def current(self) -> Self:
        """Assignments of each subject's current attempt."""
        from django.db.models import F

        return self.filter(attempt=F("subject__attempt"))


class ScoreQuerySet(JurisdictionQuerySet):
    def visible_to(self, user: Any, action: Action | str = Action.VIEW) -> Self:
        """The round's cadres see submitted scores only: a draft is the assessor's own."""
        return super().visible_to(user, action).filter(assignment__status="submitted")

    @staticmethod
    def for_assessor(user: Any) -> Q:
        """What an assessor may read: their own scores, and the other scores of a subject's
        attempt once every counted assignment of it is submitted (never before)."""
        from .models import Assignment

        if not _authenticated(user) or not user.is_assessor:
            return NOTHING
        pending = Assignment.objects.filter(
            subject=OuterRef("assignment__subject"),
            attempt=OuterRef("assignment__attempt"),
            status="assigned",
        )
        on_panel = Assignment.objects.filter(
            assessor=user,
            subject=OuterRef("assignment__subject"),
            attempt=OuterRef("assignment__attempt"),
            status__in=COUNTED,
        )
        return Q(assignment__assessor=user) | (
            Q(assignment__status="submitted") & Q(Exists(on_panel)) & ~Q(Exists(pending))
        )


class RatingQuerySet(JurisdictionQuerySet):
    def current(self) -> Self:
        return self.filter(status="current")
