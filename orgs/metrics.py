"""Registry metrics per league unit, for targets, dashboards and home counters.

Every function has the signature `f(units, start, end) -> {unit_id: value}` and runs ONE
query whatever the number of units; each unit's value covers its whole subtree. `start` is
inclusive and may be None (since the beginning); `end` is inclusive. Units with nothing to
count get 0. The rollup itself is `orgs.querysets.rollup_by_unit`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from .models import ContactLog, DirectContact, LeagueUnit, Organization
from .querysets import BACKBONE_YOUTH, rollup_by_unit, rollup_rows

Metric = Callable[[list[LeagueUnit], datetime.date | None, datetime.date], Mapping[int, Decimal | int]]

# Organizations that count as "in the registry": rejected and dissolved ones do not.
ACTIVE_STATUSES = ("pending", "listed", "returned", "suspended")
# Contact kinds that put a cadre inside an organization (a phone call does not).
IN_PERSON_KINDS = (ContactLog.Kind.VISIT, ContactLog.Kind.ACTIVITY, ContactLog.Kind.MEETING)


def _day_range(field: str, start: datetime.date | None, end: datetime.date) -> Q:
    q = Q(**{f"{field}__lte": end})
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    return q


def _entered_registry(start: datetime.date | None, end: datetime.date) -> Q:
    # created_at is a datetime; compare on the local calendar day.
    return _day_range("created_at__date", start, end)


def organizations_governed(
    units: list[LeagueUnit],
    start: datetime.date | None,
    end: datetime.date,
    *,
    statuses: tuple[str, ...] = ACTIVE_STATUSES,
) -> dict[int, int]:
    """Organizations governed in each unit's subtree that entered the registry between start
    and end, in the given statuses (default: all but rejected and dissolved)."""
    rows = Organization.objects.filter(_entered_registry(start, end), status__in=statuses)
    return rollup_by_unit(units, rows, "governing_unit__path")


def organizations_listed(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, int]:
    """Listed organizations (reviewed and in the directory) that entered the registry in the range."""
    return organizations_governed(units, start, end, statuses=(Organization.Status.LISTED,))


def organizations_registered(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, int]:
    """实体化: organizations that became registered (registered_on) between start and end."""
    rows = Organization.objects.filter(_day_range("registered_on", start, end)).exclude(
        status__in=("rejected", "dissolved")
    )
    return rollup_by_unit(units, rows, "governing_unit__path")


def organizations_directly_contacted(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, int]:
    """Distinct organizations on the direct-contact lists of each unit's subtree, contacted
    since a date between start and end (an organization on two lists counts once)."""
    rows = DirectContact.objects.filter(_day_range("since", start, end)).exclude(
        organization__status__in=("rejected", "dissolved")
    )
    return rollup_by_unit(units, rows, "unit__path", distinct="organization_id")


def backbone_organizations(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, int]:
    """骨干型组织: listed organizations covering ≥ 1,000 youth that entered the registry in the range."""
    rows = Organization.objects.listed().filter(
        _entered_registry(start, end), youth_covered__gte=BACKBONE_YOUTH
    )
    return rollup_by_unit(units, rows, "governing_unit__path")


def organizations_with_league_building(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, int]:
    """Listed organizations covered by a league-building record founded between start and end."""
    rows = Organization.objects.listed().filter(
        pk__in=Organization.league_buildings.through.objects.filter(
            _day_range("leaguebuilding__founded_on", start, end)
        ).values("organization_id")
    )
    return rollup_by_unit(units, rows, "governing_unit__path")


def league_building_coverage(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, Decimal]:
    """团建覆盖率 in percent (two decimals): of the organizations listed at `end`, the share
    covered by a league-building record founded by `end`. Coverage is a state at `end`, so
    `start` is not used; units without listed organizations get 0."""
    covered = Exists(
        Organization.league_buildings.through.objects.filter(
            organization_id=OuterRef("pk"), leaguebuilding__founded_on__lte=end
        )
    )
    rows = Organization.objects.listed().filter(_entered_registry(None, end))
    sums = rollup_rows(
        units,
        rows,
        "governing_unit__path",
        ["COUNT(*) FILTER (WHERE r0.covered)", "COUNT(*)"],
        {"covered": covered},
    )
    return {pk: percent(done, total) for pk, (done, total) in sums.items()}


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"))


def cadre_visit_days(
    units: list[LeagueUnit], start: datetime.date | None, end: datetime.date
) -> dict[int, Decimal]:
    """Days cadres of each unit's subtree spent in youth organizations (visits, activities and
    meetings in the contact log; phone calls do not count) between start and end."""
    rows = ContactLog.objects.filter(_day_range("date", start, end), kind__in=IN_PERSON_KINDS)
    return rollup_by_unit(units, rows, "unit__path", value="days")


# The registry's metrics by name, for the targets of the reporting app.
METRICS: dict[str, Metric] = {
    "organizations_governed": organizations_governed,
    "organizations_listed": organizations_listed,
    "organizations_registered": organizations_registered,
    "organizations_directly_contacted": organizations_directly_contacted,
    "backbone_organizations": backbone_organizations,
    "organizations_with_league_building": organizations_with_league_building,
    "league_building_coverage": league_building_coverage,
    "cadre_visit_days": cadre_visit_days,
}
