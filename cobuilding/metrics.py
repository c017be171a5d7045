"""The co-building facts the targets count, defined once as evidence for the target engine
(the protocol is in `reporting.metrics`): the value and the drill-down come from the same
queryset, and the subdistrict-standard page (`cobuilding.standard`) reads the very same
evidence, so its "met / not met" and the targets never disagree.

Every record hangs from a committee, owned by its subdistrict: a unit's value covers the
subdistricts of its subtree. The period is decided by the portal's time:

- a *state at the end of the period* (committees, venues, people, organizations taking
  part, the published plan) counts the records entered by then (`created_at`) and not yet
  ended by then (`ended_at`, `closed_at`: when the portal learnt of the end); `start` is not
  used;
- money (working funds, branch subsidies) counts in the period in which it was entered;
- a chair term counts by the day it ended: the rotation fixes a term's last day in
  advance, and a term is judged (an activity held in it or not) once that day has passed.

Typed dates (`founded_on`, `opened_on`, `started_on`, `received_on`) stay facts for display.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.metrics import DISTINCT, SHARE, SUM, Evidence, day_bounds, entered_between

from .models import (
    ActivityOrganization,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Community,
    Funding,
    Person,
    Venue,
    WorkPlan,
)

SUBDISTRICT = "committee__subdistrict"


def _still_on(field: str, end: date) -> Q:
    """Not ended by the end of the period: no end recorded, or recorded after it."""
    _lower, upper = day_bounds(None, end)
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": upper})


def committees(start: date | None, end: date) -> Evidence:
    """Co-building committees of the subdistricts of the subtree, entered by the end of the period."""
    return Evidence(
        rows=Committee.objects.filter(entered_between("created_at", None, end)),
        unit="subdistrict",
        columns=[
            (_("Committee"), "name"),
            (_("Subdistrict"), "subdistrict__name"),
            (_("Founded on"), "founded_on"),
        ],
        link="cobuilding:committee_detail",
        order=("subdistrict__path", "pk"),
    )


def organizations(start: date | None, end: date) -> Evidence:
    """Distinct youth organizations that took part in the activities of the subtree's
    committees, recorded by the end of the period."""
    return Evidence(
        rows=ActivityOrganization.objects.filter(entered_between("created_at", None, end)),
        unit="activity__committee__subdistrict",
        aggregate=DISTINCT,
        distinct="organization_id",
        columns=[
            (_("Organization"), "organization__name"),
            (_("Activity"), "activity__title"),
            (_("Held on"), "activity__held_on"),
        ],
        link=None,
        order=("activity__held_on", "pk"),
    )


def venues(start: date | None, end: date) -> Evidence:
    """Youth venues of the subtree's committees entered by the end of the period and not
    recorded as closed by then."""
    return Evidence(
        rows=Venue.objects.filter(entered_between("created_at", None, end)).filter(
            _still_on("closed_at", end)
        ),
        unit=SUBDISTRICT,
        columns=[
            (_("Venue"), "name"),
            (_("Kind"), "kind"),
            (_("Address"), "address"),
            (_("Opened on"), "opened_on"),
        ],
        link="cobuilding:venue_detail",
        order=("committee__subdistrict__path", "name", "pk"),
    )


def _people(roles: tuple[str, ...], end: date) -> Evidence:
    return Evidence(
        rows=Person.objects.filter(role__in=list(roles))
        .filter(entered_between("created_at", None, end))
        .filter(_still_on("ended_at", end)),
        unit=SUBDISTRICT,
        columns=[
            (_("Full name"), "name"),
            (_("Role"), "role"),
            (_("Position"), "position"),
            (_("In the role since"), "started_on"),
        ],
        link="cobuilding:person_detail",
        order=("committee__subdistrict__path", "role", "name", "pk"),
    )


def cadres(start: date | None, end: date) -> Evidence:
    """Full- and part-time league cadres of the subtree's subdistricts, entered by the end of
    the period and whose role had not been recorded as ended by then."""
    return _people(tuple(Person.CADRES), end)


def social_workers(start: date | None, end: date) -> Evidence:
    """Youth social workers and full-time volunteers of the subtree's subdistricts, in their
    role at the end of the period (entered by then, end not recorded by then)."""
    return _people(tuple(Person.SOCIAL_WORKERS), end)


def external_members(start: date | None, end: date) -> Evidence:
    """External committee members (编制外委员) of the subtree's subdistricts, in their role at
    the end of the period."""
    return _people((Person.Role.EXTERNAL_MEMBER,), end)


def volunteers(start: date | None, end: date) -> Evidence:
    """Fairly fixed community volunteers of the subtree's subdistricts, in their role at the
    end of the period."""
    return _people((Person.Role.COMMUNITY_VOLUNTEER,), end)


def community_volunteers(start: date | None, end: date) -> Evidence:
    """Of the communities recorded for the subtree's subdistricts by the end of the period,
    the share with a community volunteer in the role then."""
    served = (
        Person.objects.filter(community_id=OuterRef("pk"), role=Person.Role.COMMUNITY_VOLUNTEER)
        .filter(entered_between("created_at", None, end))
        .filter(_still_on("ended_at", end))
    )
    return Evidence(
        rows=Community.objects.filter(entered_between("created_at", None, end)),
        unit=SUBDISTRICT,
        aggregate=SHARE,
        hit=Exists(served),
        columns=[(_("Community"), "name"), (_("Committee"), "committee__name")],
        order=("committee__subdistrict__path", "name", "pk"),
    )


def funding(start: date | None, end: date) -> Evidence:
    """Working funds of the subtree's subdistricts entered in the period (all sources)."""
    return Evidence(
        rows=Funding.objects.filter(entered_between("created_at", start, end)),
        unit=SUBDISTRICT,
        aggregate=SUM,
        amount="amount",
        amount_label=_("Amount (yuan)"),
        columns=[(_("Year"), "year"), (_("Source"), "source"), (_("Received on"), "received_on")],
        link="cobuilding:funding_detail",
        order=("committee__subdistrict__path", "received_on", "pk"),
    )


def plans(start: date | None, end: date) -> Evidence:
    """Annual work plans for the year of the period's end, published on the public site by
    the end of the period."""
    return Evidence(
        rows=WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED, year=end.year).filter(
            entered_between("published_at", None, end)
        ),
        unit=SUBDISTRICT,
        columns=[(_("Plan"), "title"), (_("Year"), "year"), (_("Published at"), "published_at")],
        link="cobuilding:work_plan_detail",
        order=("committee__subdistrict__path", "pk"),
    )


def chairs_without_activity(start: date | None, end: date) -> Evidence:
    """Chair terms of the subtree's committees that ended in the period (their last day
    passed) without any activity of the committee held within the term."""
    last_day = min(end, timezone.localdate() - timedelta(days=1))
    rows = ChairTerm.objects.filter(ends_on__lte=last_day).without_activity(timezone.localdate())
    if start is not None:
        rows = rows.filter(ends_on__gte=start)
    return Evidence(
        rows=rows,
        unit=SUBDISTRICT,
        columns=[
            (_("Chair"), "chair_name"),
            (_("Member unit"), "member_unit__name"),
            (_("Term starts on"), "starts_on"),
            (_("Term ends on"), "ends_on"),
        ],
        link="cobuilding:chair_term_detail",
        order=("committee__subdistrict__path", "starts_on", "pk"),
    )


def chair_terms_held(start: date | None, end: date) -> Evidence:
    """Of the chair terms of the subtree's committees that ended in the period, the share in
    which the chair held at least one activity."""
    last_day = min(end, timezone.localdate() - timedelta(days=1))
    rows = ChairTerm.objects.filter(ends_on__lte=last_day)
    if start is not None:
        rows = rows.filter(ends_on__gte=start)
    from .querysets import _activity_in_term

    return Evidence(
        rows=rows,
        unit=SUBDISTRICT,
        aggregate=SHARE,
        hit=_activity_in_term(),
        columns=[
            (_("Chair"), "chair_name"),
            (_("Term starts on"), "starts_on"),
            (_("Term ends on"), "ends_on"),
        ],
        link="cobuilding:chair_term_detail",
        order=("committee__subdistrict__path", "starts_on", "pk"),
    )


def branch_subsidies(start: date | None, end: date) -> Evidence:
    """Subsidies paid for league branches founded in youth organizations of the subtree,
    entered in the period (the city's and the district's 300 yuan each)."""
    return Evidence(
        rows=BranchSubsidy.objects.filter(entered_between("created_at", start, end)),
        unit="league_building__unit",
        aggregate=SUM,
        amount="amount",
        amount_label=_("Amount (yuan)"),
        columns=[
            (_("League branch"), "league_building__branch_name"),
            (_("Payer"), "payer"),
            (_("Paid on"), "paid_on"),
        ],
        link="cobuilding:subsidy_detail",
        order=("paid_on", "pk"),
    )


# code, evidence, label, definition, extra registration arguments
REGISTERED: list[tuple[str, Callable[[date | None, date], Evidence], Any, Any, dict[str, Any]]] = [
    (
        "cobuilding_committees",
        committees,
        _("Co-building committees"),
        _(
            "Co-building committees (共建委员会) of the subdistricts in the unit's subtree, entered in the portal "
            "by the end of the period (a state at the end of the period)."
        ),
        {},
    ),
    (
        "cobuilding_orgs",
        organizations,
        _("Youth organizations in co-building activities"),
        _(
            "Distinct youth organizations that took part in an activity of a co-building committee of the "
            "subtree, as recorded in the portal by the end of the period (each counted once)."
        ),
        {},
    ),
    (
        "cobuilding_venues",
        venues,
        _("Co-building venues"),
        _(
            "Youth venues (阵地) of the subtree's co-building committees entered in the portal by the end of the "
            "period and not recorded as closed by then."
        ),
        {},
    ),
    (
        "cobuilding_cadres",
        cadres,
        _("Co-building committee cadres"),
        _(
            "Full- and part-time league cadres of the subtree's subdistricts entered in the portal by the end of "
            "the period whose role had not been recorded as ended by then."
        ),
        {},
    ),
    (
        "cobuilding_social_workers",
        social_workers,
        _("Youth social workers of co-building committees"),
        _(
            "Youth social workers and full-time volunteers of the subtree's subdistricts in their role at the end "
            "of the period (entered by then, their end not recorded by then)."
        ),
        {},
    ),
    (
        "cobuilding_external_members",
        external_members,
        _("External members of co-building committees"),
        _(
            "External committee members (编制外委员) of the subtree's subdistricts in their role at the end of the "
            "period (entered by then, their end not recorded by then)."
        ),
        {},
    ),
    (
        "cobuilding_volunteers",
        volunteers,
        _("Community volunteers of co-building committees"),
        _(
            "Fairly fixed community volunteers of the subtree's subdistricts in their role at the end of the "
            "period (entered by then, their end not recorded by then)."
        ),
        {},
    ),
    (
        "cobuilding_community_volunteers",
        community_volunteers,
        _("Communities with a fixed volunteer (%)"),
        _(
            "Of the communities recorded for the subtree's subdistricts by the end of the period, the share that "
            "had a community volunteer in the role then."
        ),
        {"unit_label": "%"},
    ),
    (
        "cobuilding_funding",
        funding,
        _("Co-building funding (yuan)"),
        _(
            "Working funds of the subtree's subdistrict league committees, all sources, counted in the period in "
            "which they were entered in the portal (not by the typed date received)."
        ),
        {},
    ),
    (
        "cobuilding_plans",
        plans,
        _("Published annual work plans"),
        _(
            "Annual work plans of the subtree's co-building committees for the year in which the period ends, "
            "published on the public site by the end of the period."
        ),
        {},
    ),
    (
        "cobuilding_chairs_without_activity",
        chairs_without_activity,
        _("Chair terms ended without an activity"),
        _(
            "Rotating-chair terms of the subtree's committees whose last day fell in the period and has passed, "
            "with no activity of the committee held within the term (a term is judged by its scheduled last day)."
        ),
        {},
    ),
    (
        "cobuilding_chair_terms_held",
        chair_terms_held,
        _("Chair terms with an activity (%)"),
        _(
            "Of the rotating-chair terms of the subtree's committees whose last day fell in the period and has "
            "passed, the share in which the committee held at least one activity."
        ),
        {"unit_label": "%"},
    ),
    (
        "branch_subsidies",
        branch_subsidies,
        _("League-branch subsidies paid (yuan)"),
        _(
            "Subsidies paid by city and district league committees for league branches founded in youth "
            "organizations of the subtree, counted in the period in which the payment was entered in the portal."
        ),
        {},
    ),
]


def register_with_reporting() -> None:
    """Give the target engine these metrics by code (their "no data source" disappears)."""
    from reporting.metrics import registry

    for code, evidence, label, definition, extra in REGISTERED:
        registry.register(code, evidence=evidence, label=label, definition=definition, **extra)
