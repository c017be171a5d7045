"""Registry metrics per league unit, for targets, dashboards and home counters.

Each metric is defined ONCE, as the evidence the target engine counts (the protocol is in
`reporting.metrics`): a queryset of the records that count and how they make a number, so
that the value and the drill-down come from the same query. The plain functions
`f(units, start, end) -> {unit_id: value}` used by pages and counters are derived from the
same evidence (one query for any number of units).

What counts, for every registry metric:
- organizations count while **listed** (reviewed and in the directory) or **suspended**
  (reviewed, not dissolved): pending, returned, rejected and dissolved ones do not;
- the period is decided by the portal's time: an organization by when it was listed (its
  first change to "listed" in the status history, or its entry time for data loaded without
  one), a registration (实体化) by when the portal recorded it, a direct contact, a league
  branch or a contact-log entry by when it was entered; typed dates (`registered_on`,
  `since`, `founded_on`, `date`) stay facts for display and filters;
- league branches and other registry facts a phone spot check found false stop counting
  until the check is corrected.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import CharField, DateTimeField, Exists, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.metrics import (
    COUNT,
    DISTINCT,
    OWN,
    SHARE,
    Evidence,
    compute_figures,
    day_bounds,
    entered_between,
    first_recorded,
    not_found_false,
)

from .models import ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization, StatusChange
from .querysets import BACKBONE_YOUTH

Metric = Callable[[list[LeagueUnit], datetime.date | None, datetime.date], Mapping[int, Decimal | int]]

# Organizations that count as "in the registry": reviewed and not dissolved.
COUNTED_STATUSES = (Organization.Status.LISTED, Organization.Status.SUSPENDED)
# Contact kinds that put a cadre inside an organization (a phone call does not).
IN_PERSON_KINDS = (ContactLog.Kind.VISIT, ContactLog.Kind.ACTIVITY, ContactLog.Kind.MEETING)
# "Every cadre 5 days a quarter in youth organizations."
CADRE_DAYS_REQUIRED = 5
# Cadres are the members of a unit who act for it.
CADRE_ROLES = ("admin", "editor")
ORG_COLUMNS = [
    (_("Organization"), "name"),
    (_("Governing unit"), "governing_unit__name"),
    (_("Status"), "status"),
    (_("Entered the registry"), "created_at"),
]


def listed_at() -> Any:
    """When the portal listed an organization: its first status change to "listed", or its
    entry time when it was loaded without a status history."""
    first_listed = (
        StatusChange.objects.filter(organization_id=OuterRef("pk"), to_status=Organization.Status.LISTED)
        .order_by()
        .values("organization_id")
        .annotate(at=Min("at"))
        .values("at")
    )
    return Coalesce(Subquery(first_listed, output_field=DateTimeField()), F("created_at"))


def registered_at() -> Any:
    """When the portal recorded an organization as registered (实体化): the first change in
    its history showing a registration status, or its entry time without a history."""
    from django.apps import apps

    return first_recorded(
        apps.get_model("orgs", "OrganizationEvent"),
        ~Q(registration_status=Organization.RegistrationStatus.UNREGISTERED),
    )


def _counted_organizations(
    start: datetime.date | None, end: datetime.date, statuses: tuple[str, ...] = COUNTED_STATUSES
) -> Any:
    """Organizations in one of `statuses` listed in the period. The status is ONE condition
    (a second `status = …` on top of the `IN` made the planner expect a quarter of the rows,
    and sort the province on disk). A period that starts at the beginning and ends after now
    needs no listing time at all: the portal's times are never in the future, so every
    organization it listed was listed before the end; the per-organization look-up into the
    status history is then left out (the province's coverage counter ran it 155,917 times)."""
    rows = Organization.objects.filter(status__in=statuses)
    lower, upper = day_bounds(start, end)
    if lower is None and upper > timezone.now():
        return rows
    return rows.annotate(listed_at=listed_at()).filter(entered_between("listed_at", start, end))


def governed(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Organizations governed in the subtree, listed or suspended, listed in the period."""
    return Evidence(
        rows=_counted_organizations(start, end),
        unit="governing_unit",
        columns=ORG_COLUMNS,
        link="orgs:organization_detail",
        order=("governing_unit__path", "name", "pk"),
    )


def listed(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Listed organizations governed in the subtree, listed in the period."""
    return replace_rows(
        governed(start, end), lambda rows: _counted_organizations(start, end, (Organization.Status.LISTED,))
    )


def registered(start: datetime.date | None, end: datetime.date) -> Evidence:
    """实体化: listed or suspended organizations of the subtree that are registered, counted in
    the period in which the portal recorded the registration."""
    rows = (
        Organization.objects.filter(status__in=COUNTED_STATUSES)
        .exclude(registration_status=Organization.RegistrationStatus.UNREGISTERED)
        .annotate(registered_at=registered_at())
        .filter(entered_between("registered_at", start, end))
    )
    return Evidence(
        rows=rows,
        unit="governing_unit",
        columns=[*ORG_COLUMNS[:2], (_("Registered on"), "registered_on"), (_("Credit code"), "credit_code")],
        link="orgs:organization_detail",
        order=("governing_unit__path", "name", "pk"),
    )


def backbone(start: datetime.date | None, end: datetime.date) -> Evidence:
    """骨干型组织: listed organizations of the subtree covering ≥ 1,000 youth, listed in the period."""
    return replace_rows(
        listed(start, end),
        lambda rows: rows.filter(youth_covered__gte=BACKBONE_YOUTH),
        columns=[*ORG_COLUMNS[:2], (_("Youth covered"), "youth_covered"), ORG_COLUMNS[3]],
    )


def in_system_associations(start: datetime.date | None, end: datetime.date) -> Evidence:
    """New in-system associations (tier 5: 青联, 青企协, 青志协, 学联, 青科协), listed or
    suspended, listed in the period, in the subtree."""
    return replace_rows(
        governed(start, end),
        lambda rows: rows.filter(tier=Organization.Tier.FIVE),
        columns=[*ORG_COLUMNS[:2], (_("Association"), "body"), ORG_COLUMNS[3]],
    )


def _of_kind(kind: str) -> Callable[[datetime.date | None, datetime.date], Evidence]:
    def evidence(start: datetime.date | None, end: datetime.date) -> Evidence:
        return replace_rows(governed(start, end), lambda rows: rows.filter(kind=kind))

    return evidence


community_colleges = _of_kind(Organization.Kind.COMMUNITY_COLLEGE)
community_colleges.__doc__ = "Youth community colleges (tier N), listed or suspended, listed in the period."
social_enterprises = _of_kind(Organization.Kind.SOCIAL_ENTERPRISE)
social_enterprises.__doc__ = "Social enterprises (tier N), listed or suspended, listed in the period."


def _towns_with(kind: str) -> Callable[[datetime.date | None, datetime.date], Evidence]:
    def evidence(start: datetime.date | None, end: datetime.date) -> Evidence:
        has_one = Exists(
            _counted_organizations(None, end).filter(
                kind=kind, governing_unit__path__startswith=OuterRef("path")
            )
        )
        towns = LeagueUnit.objects.filter(level=LeagueUnit.Level.TOWN, is_active=True)
        return Evidence(
            rows=towns,
            unit="",
            aggregate=SHARE,
            hit=has_one,
            columns=[(_("Town / subdistrict"), "name"), (_("Division code"), "code")],
            link="orgs:unit_detail",
            order=("path",),
        )

    return evidence


towns_with_community_college = _towns_with(Organization.Kind.COMMUNITY_COLLEGE)
towns_with_social_enterprise = _towns_with(Organization.Kind.SOCIAL_ENTERPRISE)


def directly_contacted(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Distinct listed or suspended organizations on the direct-contact lists of the units in
    the subtree, put on a list in the period (an organization on two lists counts once)."""
    rows = DirectContact.objects.filter(
        entered_between("created_at", start, end), organization__status__in=COUNTED_STATUSES
    )
    return Evidence(
        rows=rows,
        unit="unit",
        aggregate=DISTINCT,
        distinct="organization_id",
        columns=[
            (_("Organization"), "organization__name"),
            (_("On the list of"), "unit__name"),
            (_("Contacted since"), "since"),
            (_("Entered at"), "created_at"),
        ],
        order=("created_at", "pk"),
    )


def contacted_own(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Listed or suspended organizations on the unit's OWN direct-contact list (its pilot
    organizations), put on the list in the period; the lists of units below do not count."""
    evidence = directly_contacted(start, end)
    return Evidence(
        rows=evidence.rows,
        unit="unit",
        scope=OWN,
        columns=evidence.columns,
        order=("created_at", "pk"),
    )


def contacted_monthly(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Like the monthly report's “organizations contacted this month”: for each unit and each
    month, the distinct organizations its cadres recorded in the contact log (visits, calls,
    activities, meetings) — summed over the units and months of the subtree and window. The
    month is the month the entry was made."""
    rows = ContactLog.objects.filter(entered_between("created_at", start, end)).annotate(
        month=TruncMonth("created_at"),
        unit_month_org=Concat(
            Cast("unit_id", CharField()),
            Value("-"),
            Cast(TruncMonth("created_at"), CharField()),
            Value("-"),
            Cast("organization_id", CharField()),
            output_field=CharField(),
        ),
    )
    return Evidence(
        rows=rows,
        unit="unit",
        aggregate=DISTINCT,
        distinct="unit_month_org",
        columns=[
            (_("Organization"), "organization__name"),
            (_("Unit"), "unit__name"),
            (_("Entered at"), "created_at"),
            (_("Kind"), "kind"),
        ],
        order=("created_at", "pk"),
    )


def league_branches(start: datetime.date | None, end: datetime.date) -> Evidence:
    """League branches (团组织) founded in youth organizations, owned in the subtree, entered in
    the period (like the monthly report's “branches founded”); a branch found false by a spot
    check does not count."""
    return Evidence(
        rows=LeagueBuilding.objects.filter(entered_between("created_at", start, end)),
        unit="unit",
        columns=[
            (_("Branch"), "branch_name"),
            (_("Lead organization"), "lead_organization__name"),
            (_("Founded on"), "founded_on"),
            (_("Entered at"), "created_at"),
        ],
        link="orgs:league_building_edit",
        order=("created_at", "pk"),
    )


def _branch_covers(end: datetime.date) -> Exists:
    """The organization (outer row) is in a league branch entered by `end` and not found false."""
    through = Organization.league_buildings.through
    links = through.objects.filter(organization_id=OuterRef("pk"))
    if day_bounds(None, end)[1] <= timezone.now():  # else every branch was entered by then
        links = links.filter(entered_between("leaguebuilding__created_at", None, end))
    return Exists(links.filter(not_found_false(LeagueBuilding, "leaguebuilding_id")))


def with_league_building(start: datetime.date | None, end: datetime.date) -> Evidence:
    """Listed organizations of the subtree covered by a league branch entered in the period
    (and not found false)."""
    through = Organization.league_buildings.through
    covered = Exists(
        through.objects.filter(organization_id=OuterRef("pk"))
        .filter(entered_between("leaguebuilding__created_at", start, end))
        .filter(not_found_false(LeagueBuilding, "leaguebuilding_id"))
    )
    return replace_rows(listed(None, end), lambda rows: rows.filter(covered))


def coverage(start: datetime.date | None, end: datetime.date) -> Evidence:
    """团建覆盖率 at the end of the period: of the organizations of the subtree listed by then,
    the share covered by a league branch entered by then and not found false. A state, so
    `start` is not used; no listed organization gives 0."""
    return Evidence(
        rows=_counted_organizations(None, end, (Organization.Status.LISTED,)),
        unit="governing_unit",
        aggregate=SHARE,
        hit=_branch_covers(end),
        columns=ORG_COLUMNS,
        link="orgs:organization_detail",
        order=("governing_unit__path", "name", "pk"),
    )


def _cadre_days_sql(start: datetime.date | None, end: datetime.date) -> RawSQL:
    """Days in which a cadre (the outer membership's user) is recorded in youth organizations
    for the membership's unit: the distinct calendar days covered by their visits, activities
    and meetings entered in the period (an entry of N days covers its date and the next
    N − 1 days; a half day is a day)."""
    lower, upper = day_bounds(start, end)
    condition = "c.created_at < %s" + (" AND c.created_at >= %s" if lower is not None else "")
    sql = f"""
        SELECT COUNT(DISTINCT d.day) FROM orgs_contactlog c
        CROSS JOIN LATERAL generate_series(c.date, c.date + (CEIL(c.days)::int - 1), interval '1 day') AS d(day)
        WHERE c.cadre_id = accounts_membership.user_id AND c.unit_id = accounts_membership.unit_id
          AND c.kind = ANY(%s) AND {condition}
    """  # noqa: S608 - fixed text; values are parameters
    return RawSQL(  # noqa: S611 - fixed SQL text above, every value a parameter
        sql, [list(IN_PERSON_KINDS), upper, *([lower] if lower is not None else [])]
    )


def cadres_meeting_days(start: datetime.date | None, end: datetime.date) -> Evidence:
    """“Every cadre 5 days a quarter in youth organizations”: of the unit's OWN cadres (active
    administrators and editors of the unit), the share recorded in youth organizations on at
    least 5 days (distinct days covered by visits, activities and meetings in the contact log,
    entered in the period)."""
    from accounts.models import Membership

    rows = Membership.objects.filter(role__in=CADRE_ROLES, user__is_active=True).annotate(
        cadre_days=_cadre_days_sql(start, end)
    )
    return Evidence(
        rows=rows,
        unit="unit",
        scope=OWN,
        aggregate=SHARE,
        hit=Q(cadre_days__gte=CADRE_DAYS_REQUIRED),
        amount="cadre_days",
        amount_label=_("Days in youth organizations"),
        columns=[
            (_("Cadre"), "user__full_name"),
            (_("User name"), "user__username"),
            (_("Position"), "position"),
            (_("Role"), "role"),
        ],
        order=("user__full_name", "user__username", "pk"),
    )


def replace_rows(
    evidence: Evidence, change: Callable[[Any], Any], columns: list[tuple[Any, str]] | None = None
) -> Evidence:
    from dataclasses import replace

    return replace(evidence, rows=change(evidence.rows), columns=columns or evidence.columns)


def _values(evidence: Callable[[datetime.date | None, datetime.date], Evidence]) -> Metric:
    """The plain `f(units, start, end) -> {unit_id: value}` of an evidence (one query):
    counts as int, shares as a Decimal percent."""

    def func(units: Any, start: datetime.date | None, end: datetime.date) -> dict[int, Any]:
        found = evidence(start, end)
        figures = compute_figures(found, list(units))
        if found.aggregate in (COUNT, DISTINCT):
            return {pk: int(f.value) for pk, f in figures.items()}
        return {pk: f.value for pk, f in figures.items()}

    func.__doc__ = evidence.__doc__
    return func


organizations_governed = _values(governed)
organizations_listed = _values(listed)
organizations_registered = _values(registered)
organizations_directly_contacted = _values(directly_contacted)
backbone_organizations = _values(backbone)
organizations_with_league_building = _values(with_league_building)
league_building_coverage = _values(coverage)

# The registry's metrics by name (plain functions, for pages and counters).
METRICS: dict[str, Metric] = {
    "organizations_governed": organizations_governed,
    "organizations_listed": organizations_listed,
    "organizations_registered": organizations_registered,
    "organizations_directly_contacted": organizations_directly_contacted,
    "backbone_organizations": backbone_organizations,
    "organizations_with_league_building": organizations_with_league_building,
    "league_building_coverage": league_building_coverage,
}

# code, evidence, label, definition, extra registration arguments
REGISTERED: list[tuple[str, Callable[..., Evidence], Any, Any, dict[str, Any]]] = [
    (
        "orgs_governed",
        governed,
        _("Organizations in the registry"),
        _(
            "Organizations governed by the unit or a unit below it, listed or suspended (not pending, returned, "
            "rejected or dissolved), counted in the period in which the portal listed them."
        ),
        {},
    ),
    (
        "orgs_listed",
        listed,
        _("Organizations listed in the registry"),
        _(
            "Listed organizations governed by the unit or a unit below it, counted in the period in which the "
            "portal listed them."
        ),
        {},
    ),
    (
        "orgs_registered",
        registered,
        _("Organizations registered (实体化)"),
        _(
            "Listed or suspended organizations of the subtree with a registration (民非, 社团, 基金会), counted in "
            "the period in which the portal recorded the registration — not by the typed registration date."
        ),
        {},
    ),
    (
        "orgs_contacted",
        directly_contacted,
        _("Organizations directly contacted"),
        _(
            "Distinct listed or suspended organizations on the direct-contact lists of the unit and the units "
            "below it, counted in the period in which they were put on a list (an organization on two lists "
            "counts once)."
        ),
        {},
    ),
    (
        "orgs_contacted_own",
        contacted_own,
        _("Pilot organizations on the unit's own contact list"),
        _(
            "Listed or suspended organizations on the unit's OWN direct-contact list (its pilots), counted in "
            "the period in which they were put on the list; the lists of the units below do not count."
        ),
        {},
    ),
    (
        "orgs_contacted_monthly",
        contacted_monthly,
        _("Organizations contacted per month (contact log)"),
        _(
            "For each unit and month, the distinct organizations its cadres recorded in the contact log (any "
            "kind), summed over the units and months of the subtree: what the monthly report's “organizations "
            "contacted this month” adds up to. The month is the month the entry was made."
        ),
        {"report_metric": "orgs_contacted", "tolerance": 2, "tolerance_percent": 20},
    ),
    (
        "backbone_orgs",
        backbone,
        _("Backbone organizations (≥ 1,000 youth)"),
        _(
            "Listed organizations of the subtree covering at least 1,000 young people, counted in the period in "
            "which the portal listed them."
        ),
        {},
    ),
    (
        "in_system_associations",
        in_system_associations,
        _("New in-system associations"),
        _(
            "Tier-5 associations (青联, 青企协, 青志协, 学联, 青科协) of the subtree, listed or suspended, counted in "
            "the period in which the portal listed them."
        ),
        {},
    ),
    (
        "community_colleges",
        community_colleges,
        _("Youth community colleges"),
        _(
            "Youth community colleges of the subtree, listed or suspended, counted in the period in which the "
            "portal listed them."
        ),
        {},
    ),
    (
        "social_enterprises",
        social_enterprises,
        _("Social enterprises"),
        _(
            "Social enterprises of the subtree, listed or suspended, counted in the period in which the portal "
            "listed them."
        ),
        {},
    ),
    (
        "towns_with_community_college",
        towns_with_community_college,
        _("Towns with a youth community college (%)"),
        _(
            "Of the active towns and subdistricts in the subtree, the share with at least one listed or "
            "suspended youth community college listed by the end of the period."
        ),
        {"unit_label": "%"},
    ),
    (
        "towns_with_social_enterprise",
        towns_with_social_enterprise,
        _("Towns with a social enterprise (%)"),
        _(
            "Of the active towns and subdistricts in the subtree, the share with at least one listed or "
            "suspended social enterprise listed by the end of the period."
        ),
        {"unit_label": "%"},
    ),
    (
        "league_branches",
        league_branches,
        _("League branches founded in youth organizations"),
        _(
            "League-building records (团组织 in youth organizations) owned in the subtree, counted in the period "
            "in which they were entered; a branch a spot check found false does not count until corrected."
        ),
        {"report_metric": "branches_founded", "tolerance": 1, "tolerance_percent": 10},
    ),
    (
        "orgs_league_built",
        with_league_building,
        _("Organizations with league building"),
        _(
            "Listed organizations of the subtree covered by a league branch entered in the period (branches a spot "
            "check found false do not count)."
        ),
        {},
    ),
    (
        "league_building_coverage",
        coverage,
        _("League-building coverage (%)"),
        _(
            "At the end of the period: of the organizations of the subtree listed by then, the share covered by a "
            "league branch entered by then and not found false by a spot check (0 without listed organizations)."
        ),
        {"unit_label": "%"},
    ),
    (
        "cadres_meeting_days",
        cadres_meeting_days,
        _("Cadres with 5 days in youth organizations (%)"),
        _(
            "Of the unit's own cadres (active administrators and editors of the unit, not of the units below), the "
            "share recorded in youth organizations on at least 5 days of the period: distinct days covered by "
            "their visits, activities and meetings in the contact log entered in the period."
        ),
        {"unit_label": "%"},
    ),
]


def register_with_reporting() -> None:
    """Give the target engine the registry's metrics (called by the reporting app)."""
    from reporting.metrics import registry

    for code, evidence, label, definition, extra in REGISTERED:
        registry.register(code, evidence=evidence, label=label, definition=definition, **extra)
