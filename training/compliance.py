"""The compliance board of the training plan (seed 001, 亲青汇 plan): for a year and a
quarter, every unit's camps held and people trained against what the plan asks of it.

- the province: 10 camps of its own a year, 1,000 backbone members trained a year;
- every city (and 顺德区): at least one camp of its series each quarter; 300 trained a year
  in the Pearl River Delta, 200 outside it;
- every county / district: 100 trained a year in the Pearl River Delta, 50 outside it.

Four queries whatever the number of units: the units, the camps per unit and quarter, the
people trained per unit, the organization heads trained per unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import ExtractQuarter

from orgs.models import LeagueUnit

from . import metrics

PROVINCE_CAMPS = 10
PROVINCE_PEOPLE = 1000
CITY_CAMPS_PER_QUARTER = 1
PEOPLE_TARGETS = {
    ("city", "prd"): 300,
    ("city", "non_prd"): 200,
    ("county", "prd"): 100,
    ("county", "non_prd"): 50,
}


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


@dataclass
class Row:
    unit: LeagueUnit
    camps: list[int]  # camps of the unit's series held in each quarter of the year
    people: int
    heads: tuple[int, int]
    quarter: int  # the quarter the board looks at
    current: bool  # whether that quarter is still running
    children: list[Row] = field(default_factory=list)

    @property
    def camps_year(self) -> int:
        return sum(self.camps)

    @property
    def people_target(self) -> int | None:
        if self.unit.level == LeagueUnit.Level.PROVINCE:
            return PROVINCE_PEOPLE
        return PEOPLE_TARGETS.get((self.unit.level, self.unit.region or "non_prd"))

    @property
    def people_share(self) -> int | None:
        target = self.people_target
        return min(100, round(100 * self.people / target)) if target else None

    @property
    def people_met(self) -> bool:
        target = self.people_target
        return target is not None and self.people >= target

    @property
    def camps_target(self) -> int | None:
        if self.unit.level == LeagueUnit.Level.PROVINCE:
            return PROVINCE_CAMPS
        if self.unit.level == LeagueUnit.Level.CITY:
            return CITY_CAMPS_PER_QUARTER
        return None

    def quarter_state(self, number: int) -> str:
        """`met`, `missed` (a past quarter without a camp), `open` (the quarter runs, no camp
        yet), `future` — for a city; "" for other levels."""
        if self.unit.level != LeagueUnit.Level.CITY:
            return ""
        if self.camps[number - 1] >= CITY_CAMPS_PER_QUARTER:
            return "met"
        if number < self.quarter or (number == self.quarter and not self.current):
            return "missed"
        return "open" if number == self.quarter else "future"

    @property
    def quarters(self) -> list[tuple[int, int, str]]:
        return [(n, self.camps[n - 1], self.quarter_state(n)) for n in range(1, 5)]

    @property
    def missed_quarters(self) -> list[int]:
        return [n for n, _c, state in self.quarters if state == "missed"]

    @property
    def heads_share(self) -> int | None:
        hit, total = self.heads
        return round(100 * hit / total) if total else None


@dataclass
class Board:
    root: LeagueUnit
    year: int
    quarter: int
    province: Row | None
    cities: list[Row]
    counties: list[Row]

    @property
    def cities_missing_quarter(self) -> list[Row]:
        return [
            row for row in self.cities if row.missed_quarters or row.quarter_state(self.quarter) == "missed"
        ]


def build_board(root: LeagueUnit, year: int, quarter: int, today: datetime.date) -> Board:
    """The board below `root` (a province, a city or a county) for `year` and `quarter`."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    units = list(
        LeagueUnit.objects.filter(
            path__startswith=root.path,
            kind=LeagueUnit.Kind.REGIONAL,
            level__in=[LeagueUnit.Level.PROVINCE, LeagueUnit.Level.CITY, LeagueUnit.Level.COUNTY],
        ).order_by("path")
    )
    camps: dict[int, list[int]] = {u.pk: [0, 0, 0, 0] for u in units}
    rows = (
        metrics.camps_held_rows(start, end)
        .filter(series_unit__in=[u.pk for u in units])
        .annotate(quarter=ExtractQuarter("finished_at"))
        .order_by()
        .values_list("series_unit", "quarter")
        .annotate(n=Count("pk"))
    )
    for unit_id, number, n in rows:
        camps[unit_id][int(number) - 1] = int(n)
    people = metrics.people_trained(units, start, end)
    heads = metrics.heads_trained(units, None, min(end, today))
    current = year == today.year and quarter == quarter_of(today)
    made = {
        u.pk: Row(u, camps[u.pk], int(people.get(u.pk, 0)), heads.get(u.pk, (0, 0)), quarter, current)
        for u in units
    }
    province = next((made[u.pk] for u in units if u.level == LeagueUnit.Level.PROVINCE), None)
    cities = [made[u.pk] for u in units if u.level == LeagueUnit.Level.CITY]
    counties = [made[u.pk] for u in units if u.level == LeagueUnit.Level.COUNTY]
    by_pk = {row.unit.pk: row for row in cities}
    for row in counties:
        parent = by_pk.get(row.unit.parent_id or 0)
        if parent is not None:
            parent.children.append(row)
    return Board(root, year, quarter, province, cities, counties)


def summary(board: Board) -> dict[str, Any]:
    """Counts for the board's heading."""
    return {
        "cities": len(board.cities),
        "cities_on_track": sum(1 for r in board.cities if not r.missed_quarters),
        "cities_people_met": sum(1 for r in board.cities if r.people_met),
        "counties_people_met": sum(1 for r in board.counties if r.people_met),
        "counties": len(board.counties),
    }
