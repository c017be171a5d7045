"""The subdistrict standard of 区域化大团建, item by item, from the metrics' own evidence.

Every city subdistrict should have, within 4–5 years: one co-building committee; at least
two youth organizations contacted and fostered; one youth venue; at least ten full- and
part-time league cadres; one youth social worker (or full-time volunteer); at least nine
external committee members; a fairly fixed volunteer for the subdistrict and for each of its
communities; at least 20,000 yuan of working funds a year; and, by the committee's own rules,
a published annual plan and a chair who holds an activity in every term.

`assess(root, year)` judges every subdistrict (town-level regional unit) of `root`'s subtree
in ONE query, whatever their number: the evidence querysets of the metrics
(`cobuilding.metrics`) are compiled by Django and joined in a single statement that groups
their rows by subdistrict. A subdistrict's page lists, for each item, the records behind its
number (`records`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import LeagueUnit
from reporting.metrics import DISTINCT, SHARE, SUM, Evidence, evidence_values_sql, live_records, percent

from . import metrics
from .models import STANDARD_FUNDS

SEGMENT = 9  # one tree level in a unit path
RECORDS_SHOWN = 50

Values = dict[str, Decimal]


@dataclass(frozen=True)
class Item:
    """One item of the standard: the metrics it reads and when it is met."""

    key: str
    label: Any
    codes: tuple[str, ...]
    met: Callable[[Values], bool]
    yearly: bool = False  # counted over the year (money); the others are states at the year's end
    shown: str = ""  # the code whose value the page shows (the first by default)

    @property
    def main(self) -> str:
        return self.shown or self.codes[0]


def _volunteers_met(v: Values) -> bool:
    # At least one fixed volunteer, and every recorded community served.
    return v["cobuilding_volunteers"] >= 1 and (
        v["cobuilding_community_volunteers__rows"] == 0 or v["cobuilding_community_volunteers"] >= 100
    )


ITEMS = [
    Item(
        "committee",
        _("One co-building committee"),
        ("cobuilding_committees",),
        lambda v: v["cobuilding_committees"] >= 1,
    ),
    Item(
        "orgs",
        _("At least 2 youth organizations contacted and fostered"),
        ("cobuilding_orgs",),
        lambda v: v["cobuilding_orgs"] >= 2,
    ),
    Item("venue", _("One youth venue"), ("cobuilding_venues",), lambda v: v["cobuilding_venues"] >= 1),
    Item(
        "cadres",
        _("At least 10 full- and part-time league cadres"),
        ("cobuilding_cadres",),
        lambda v: v["cobuilding_cadres"] >= 10,
    ),
    Item(
        "social_worker",
        _("One youth social worker (or full-time volunteer)"),
        ("cobuilding_social_workers",),
        lambda v: v["cobuilding_social_workers"] >= 1,
    ),
    Item(
        "external",
        _("At least 9 external committee members"),
        ("cobuilding_external_members",),
        lambda v: v["cobuilding_external_members"] >= 9,
    ),
    Item(
        "volunteers",
        _("A fixed volunteer for the subdistrict and each community"),
        ("cobuilding_volunteers", "cobuilding_community_volunteers"),
        _volunteers_met,
    ),
    Item(
        "funding",
        _("At least 20,000 yuan of working funds in the year"),
        ("cobuilding_funding",),
        lambda v: v["cobuilding_funding"] >= STANDARD_FUNDS,
        yearly=True,
    ),
    Item(
        "plan",
        _("Annual work plan published"),
        ("cobuilding_plans",),
        lambda v: v["cobuilding_plans"] >= 1,
    ),
    Item(
        "chairs",
        _("A rotating chair who held an activity in every term"),
        ("cobuilding_committees", "cobuilding_chairs_without_activity"),
        lambda v: v["cobuilding_committees"] >= 1 and v["cobuilding_chairs_without_activity"] == 0,
        shown="cobuilding_chairs_without_activity",
    ),
]
ITEM_BY_KEY = {item.key: item for item in ITEMS}
EVIDENCE = {code: func for code, func, _label, _definition, _extra in metrics.REGISTERED}
CODES = list(dict.fromkeys(code for item in ITEMS for code in item.codes))
YEARLY = {code for item in ITEMS if item.yearly for code in item.codes}


def window(year: int, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last day counted for `year`: the whole year, or up to today in the
    current one."""
    today = today or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return start, min(end, today) if year == today.year else end


def evidence_for(code: str, year: int) -> Evidence:
    start, end = window(year)
    return EVIDENCE[code](start if code in YEARLY else None, end)


@dataclass
class Subdistrict:
    id: int
    name: str
    child_id: int
    child_name: str
    values: Values = field(default_factory=dict)
    met: dict[str, bool] = field(default_factory=dict)

    @property
    def met_count(self) -> int:
        return sum(self.met.values())

    @property
    def meets_all(self) -> bool:
        return all(self.met.values())


@dataclass
class Group:
    """The subdistricts of one unit (the whole subtree, or one child unit of it)."""

    id: int
    name: str
    subdistricts: list[Subdistrict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.subdistricts)

    def meeting(self, key: str) -> int:
        return sum(1 for s in self.subdistricts if s.met[key])

    def share(self, key: str) -> Decimal:
        return percent(self.meeting(key), self.total)

    @property
    def shares(self) -> list[tuple[Item, int, Decimal]]:
        return [(item, self.meeting(item.key), self.share(item.key)) for item in ITEMS]

    @property
    def all_met(self) -> int:
        return sum(1 for s in self.subdistricts if s.meets_all)


def _value(aggregate: str, rows: int, distinct: int, amount: Any, hits: int) -> Decimal:
    if aggregate == DISTINCT:
        return Decimal(distinct)
    if aggregate == SUM:
        return Decimal(amount or 0)
    if aggregate == SHARE:
        return percent(hits, rows)
    return Decimal(rows)


def assess(root: LeagueUnit, year: int) -> tuple[Group, list[Group]]:
    """Every subdistrict of `root`'s subtree judged on every item, in ONE query; the whole
    subtree as one group, and one group per unit directly below `root`."""
    evidences = [evidence_for(code, year) for code in CODES]
    parts: list[str] = []
    params: list[Any] = []
    for index, evidence in enumerate(evidences):
        sql, sql_params = evidence_values_sql(evidence, evidence.for_paths([root.path]))
        # Django's compilation of the metric's queryset; its values are in `sql_params`.
        select = "SELECT %s AS m, e.ev_path, e.ev_key::text AS k, e.ev_amount AS a, e.ev_hit AS h FROM ("
        parts.append(f"{select}{sql}) e")
        params += [index]
        params += list(sql_params)
    # Only code reaches this text: fixed SQL and the evidence querysets compiled by Django,
    # whose values travel as parameters. Every record hangs from a committee, owned by its
    # subdistrict (the tree's lowest level): rows join their subdistrict by equal paths.
    statement = f"""
        WITH subs AS (
            SELECT u.id, u.name, u.path, c.id AS child_id, c.name AS child_name
            FROM orgs_leagueunit u JOIN orgs_leagueunit c ON c.path = left(u.path, %s)
            WHERE u.path LIKE %s AND u.level = %s AND u.kind = %s
        ), ev AS ({" UNION ALL ".join(parts)}),
        agg AS (
            SELECT s.id AS sid, ev.m, COUNT(*) AS n, COUNT(DISTINCT ev.k) AS d, SUM(ev.a) AS a,
                   COUNT(*) FILTER (WHERE ev.h) AS h
            FROM ev JOIN subs s ON s.path = ev.ev_path
            GROUP BY s.id, ev.m
        )
        SELECT s.id, s.name, s.child_id, s.child_name, agg.m, agg.n, agg.d, agg.a, agg.h
        FROM subs s LEFT JOIN agg ON agg.sid = s.id
        ORDER BY s.path, agg.m
    """  # noqa: S608 - see above
    head: list[Any] = [
        len(root.path) + SEGMENT,
        f"{root.path}%",
        LeagueUnit.Level.TOWN,
        LeagueUnit.Kind.REGIONAL,
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*head, *params])
        rows = cursor.fetchall()
    found: dict[int, Subdistrict] = {}
    for sid, name, child_id, child_name, m, n, d, a, h in rows:
        sub = found.setdefault(sid, Subdistrict(sid, name, child_id, child_name))
        if m is not None:
            code = CODES[m]
            sub.values[code] = _value(evidences[m].aggregate, n, d, a, h)
            sub.values[f"{code}__rows"] = Decimal(n)
    whole = Group(root.pk, root.name)
    children: dict[int, Group] = {}
    for sub in found.values():
        for code in CODES:
            sub.values.setdefault(code, Decimal(0))
            sub.values.setdefault(f"{code}__rows", Decimal(0))
        sub.met = {item.key: item.met(sub.values) for item in ITEMS}
        whole.subdistricts.append(sub)
        children.setdefault(sub.child_id, Group(sub.child_id, sub.child_name)).subdistricts.append(sub)
    return whole, sorted(children.values(), key=lambda g: g.name)


@dataclass
class Records:
    """The records behind one item of one subdistrict."""

    item: Item
    code: str
    label: Any
    headings: list[str]
    rows: list[tuple[str, list[Any], bool]]  # (url, cells, counts)
    more: int


def _labels(model: type[Model], lookup: str) -> dict[Any, str] | None:
    current: Any = model
    found: Any = None
    for part in lookup.split("__"):
        try:
            found = current._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return None
        current = getattr(found, "related_model", None)
    choices = getattr(found, "flatchoices", None)
    return {key: str(label) for key, label in choices} if choices else None


def _url(name: str | None, pk: int) -> str:
    if not name:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def records(unit: LeagueUnit, year: int) -> list[Records]:
    """For each metric of the standard, the records that make the subdistrict's value (at
    most `RECORDS_SHOWN` each; one query per metric)."""
    from reporting.metrics import registry

    result = []
    for code in CODES:
        evidence = evidence_for(code, year)
        lookups = [lookup for _label, lookup in evidence.columns]
        found = list(
            live_records(evidence, unit).values("pk", "ev_key", "ev_hit", "ev_amount", *lookups)[
                : RECORDS_SHOWN + 1
            ]
        )
        labels = {lookup: _labels(evidence.model, lookup) for lookup in lookups}
        rows = []
        for record in found[:RECORDS_SHOWN]:
            cells = []
            for lookup in lookups:
                value = record[lookup]
                choices = labels.get(lookup)
                cells.append(choices.get(value, value) if choices else value)
            if evidence.aggregate == SUM:
                cells.append(record["ev_amount"])  # what the record adds to the sum
            rows.append((_url(evidence.link, record["pk"]), cells, bool(record["ev_hit"])))
        metric = registry.get(code)
        items = [item for item in ITEMS if code in item.codes]
        result.append(
            Records(
                item=items[0],
                code=code,
                label=metric.label if metric is not None else code,
                headings=[str(label) for label, _lookup in evidence.columns]
                + ([str(evidence.amount_label or "")] if evidence.aggregate == SUM else []),
                rows=rows,
                more=max(0, len(found) - RECORDS_SHOWN),
            )
        )
    return result
