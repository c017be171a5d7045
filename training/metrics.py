"""What the targets count of training, as querysets of the records that count (the target
engine's evidence protocol, `reporting.metrics`) and as set-based per-unit numbers for the
training app's own compliance board. Both read the same querysets, so the board, the
dashboard and every drill-down agree.

- `camps_held`: camps recorded as held (finished) in the period, in the series of the unit:
  organised by the unit itself, or by a unit below it as part of the unit's series (a
  county's camp in its city's series, 纳入市级培训序列). So the province's ten camps are the
  province's own, and a city's "one a quarter" counts its own series, not its towns'.
- `people_trained`: completed enrolments (a person counts once per camp), by the unit of
  the trainee's organization (its subtree), in the period in which the portal judged them
  completed.
- `heads_trained`: of the listed organizations of the subtree, the share whose head (会长,
  理事长, 负责人 …) has completed a camp by the end of the period (中山: every organization
  head trained by 2015).

The date that decides the period is always the portal's own (`finished_at`, `closed_at`),
never a typed date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.querysets import rollup_by_unit, rollup_rows

from .models import Camp, Enrolment

# Roles of an organization's head in the registry's backbone members (会长/负责人).
HEAD_ROLES = ["会长", "理事长", "主席", "社长", "负责人", "主任", "团长", "总干事"]


def portal_between(field_name: str, start: date | None, end: date) -> Q:
    """Rows whose portal time `field_name` falls on a local day from start to end (inclusive)."""
    zone = timezone.get_current_timezone()
    condition = Q(**{f"{field_name}__lt": datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)})
    if start is not None:
        condition &= Q(**{f"{field_name}__gte": datetime.combine(start, time.min, tzinfo=zone)})
    return condition


def camps_held_rows(start: date | None, end: date) -> QuerySet[Camp]:
    """Camps recorded as held (finished, never cancelled) in the period."""
    return Camp.objects.filter(status=Camp.Status.FINISHED).filter(portal_between("finished_at", start, end))


def people_trained_rows(start: date | None, end: date) -> QuerySet[Enrolment]:
    """Enrolments judged completed in the period (a person counts once per camp)."""
    return Enrolment.objects.filter(status=Enrolment.Status.COMPLETED).filter(
        portal_between("closed_at", start, end)
    )


def head_trained(end: date) -> Exists:
    """Whether the organization (the outer row) has a head who completed a camp by `end`."""
    return Exists(
        Enrolment.objects.filter(
            organization=OuterRef("pk"), status=Enrolment.Status.COMPLETED, role__in=HEAD_ROLES
        ).filter(portal_between("closed_at", None, end))
    )


def heads_rows(end: date) -> QuerySet[Organization]:
    return Organization.objects.filter(status=Organization.Status.LISTED)


# Per-unit numbers for the compliance board (one query each, any number of units) --------------
def camps_held(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    counts = dict(
        camps_held_rows(start, end)
        .filter(series_unit__in=[u.pk for u in units])
        .order_by()
        .values_list("series_unit")
        .annotate(n=Count("pk"))
    )
    return {u.pk: int(counts.get(u.pk, 0)) for u in units}


def people_trained(units: Sequence[Any], start: date | None, end: date) -> dict[int, int]:
    return rollup_by_unit(units, people_trained_rows(start, end), "unit__path")


def heads_trained(units: Sequence[Any], start: date | None, end: date) -> dict[int, tuple[int, int]]:
    """`{unit_id: (organizations whose head is trained, listed organizations)}`."""
    rows = rollup_rows(
        units,
        heads_rows(end),
        "governing_unit__path",
        ["COUNT(*) FILTER (WHERE r0.hit)", "COUNT(*)"],
        {"hit": head_trained(end)},
    )
    return {pk: (int(values[0]), int(values[1])) for pk, values in rows.items()}


def register_with_reporting() -> None:
    """Give the target engine the three training metrics, with their evidence."""
    from reporting.metrics import COUNT, OWN, SHARE, Evidence, registry

    def camps_evidence(start: date | None, end: date) -> Evidence:
        """Camps in the unit's series (organised by it, or below it as part of its series),
        recorded as held in the period."""
        return Evidence(
            rows=camps_held_rows(start, end),
            unit="series_unit",
            aggregate=COUNT,
            scope=OWN,
            columns=[
                (_("Camp"), "title"),
                (_("Organiser"), "organizer__name"),
                (_("First day"), "starts_on"),
                (_("Last day"), "ends_on"),
                (_("Recorded as held at"), "finished_at"),
            ],
            link="training:camp_detail",
            order=("finished_at", "pk"),
        )

    def people_evidence(start: date | None, end: date) -> Evidence:
        """Completed enrolments by the unit of the trainee's organization, judged in the period."""
        return Evidence(
            rows=people_trained_rows(start, end),
            unit="unit",
            aggregate=COUNT,
            columns=[
                (_("Trainee"), "trainee__name"),
                (_("Organization"), "organization__name"),
                (_("Camp"), "camp__title"),
                (_("Completed at"), "closed_at"),
            ],
            link="training:enrolment_detail",
            order=("closed_at", "pk"),
        )

    def heads_evidence(start: date | None, end: date) -> Evidence:
        """Listed organizations of the subtree; those whose head completed a camp by the end
        of the period count in the numerator."""
        return Evidence(
            rows=heads_rows(end),
            unit="governing_unit",
            aggregate=SHARE,
            hit=head_trained(end),
            columns=[(_("Organization"), "name"), (_("Governing unit"), "governing_unit__name")],
            link="orgs:organization_detail",
            order=("name", "pk"),
        )

    registry.register(
        "camps_held",
        evidence=camps_evidence,
        label=_("Training camps held"),
        definition=_(
            "Camps of the unit's own series — organised by the unit, or by a unit below it as part of the "
            "unit's series (a county's camp in its city's series) — recorded in the portal as held (finished, "
            "not cancelled) in the period."
        ),
    )
    registry.register(
        "people_trained",
        evidence=people_evidence,
        label=_("Backbone members trained"),
        definition=_(
            "Enrolments judged completed by the camp's attendance rule (a person counts once per camp), by "
            "the unit of the trainee's organization and its subtree, in the period in which the portal "
            "judged them completed."
        ),
    )
    registry.register(
        "heads_trained",
        evidence=heads_evidence,
        label=_("Organization heads trained (%)"),
        definition=_(
            "Of the listed organizations in the subtree, the share whose head (会长, 理事长, 负责人 …) "
            "completed a training camp by the end of the period."
        ),
        unit_label="%",
    )
