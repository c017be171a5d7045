"""What the targets dashboard and the December ranking show, computed apart from the views.

Dashboard (a fixed number of queries whatever the size of the subtree): the statuses per
quarter in ONE GROUP BY (this quarter's totals and the share met over time), the statuses
per child unit in ONE query, the page of snapshots (its length known from the totals, so
no COUNT), and the matrix of the units below against one programme. The registry-vs-report
comparison is read from the snapshots (computed by the tracking run), never recomputed.

Ranking by peers (`ranking`): units are ranked only against their peers, each group on the
one target set common to all its members, by the documented formula `RANKING_FORMULA`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal import freshness
from hubportal.generic import choice_labels, printed
from orgs.models import LeagueUnit
from orgs.models.units import PATH_SEGMENT_WIDTH

from .models import TargetRule, TargetSnapshot

Status = TargetSnapshot.Status
SEGMENT = PATH_SEGMENT_WIDTH + 1

STATUS_COLOURS: dict[str, str] = {
    Status.MET: "success",
    Status.ON_TRACK: "info",
    Status.BEHIND: "warning",
    Status.OVERDUE: "danger",
    Status.NO_DATA: "secondary",
}


def colour_of(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@dataclass
class Overview:
    """The dashboard's figures for one unit and quarter."""

    totals: list[tuple[str, Any, int, str]]
    chart: dict[str, Any]
    counts: dict[str, int]


def statuses_by_period(snapshots: QuerySet[TargetSnapshot]) -> dict[str, dict[str, int]]:
    """`{period: {status: n}}` over every quarter, one GROUP BY (cached until the data change:
    snapshots change only when tracking runs or a figure is confirmed)."""
    grouped = snapshots.values_list("period", "status").annotate(n=Count("pk")).order_by()

    def compute() -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = defaultdict(dict)
        for period, status, n in grouped:
            result[period][status] = n
        return dict(result)

    # The stamp from the database the figures come from (the replica, when the view reads
    # there): a replica behind the primary must not store old figures under a new stamp.
    return freshness.cached(freshness.query_key("by-period", grouped), compute, using=grouped.db)


def by_child(
    snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Statuses of the snapshots below each child of `unit` (cities under the province): ONE
    query joining each snapshot's unit path to the child whose path is its prefix."""
    inner, params = (
        snapshots.exclude(unit=unit)
        .order_by()
        .values(p=F("unit__path"), st=F("status"))
        .query.sql_with_params()
    )
    sql = (
        f"SELECT c.name, r.st, COUNT(*) FROM ({inner}) r "  # noqa: S608 - Django's SQL, values are parameters
        "JOIN orgs_leagueunit c ON c.path = left(r.p, %s) WHERE c.parent_id = %s "
        "GROUP BY c.path, c.name, r.st ORDER BY c.path"
    )
    arguments = [*params, len(unit.path) + SEGMENT, unit.pk]

    def compute() -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, arguments)
            for name, status, n in cursor.fetchall():
                counts.setdefault(name, {})[status] = n
        return counts

    counts = freshness.cached(freshness.sql_key("by-child", sql, arguments), compute)  # dicts keep the order
    return list(counts), counts


def overview(
    quarter_snapshots: QuerySet[TargetSnapshot],
    all_snapshots: QuerySet[TargetSnapshot],
    unit: LeagueUnit,
    period: str,
) -> Overview:
    """Totals of the quarter, its units below by status and the share met over time (two queries)."""
    per_period = statuses_by_period(all_snapshots)
    counts = per_period.get(period, {})
    names, by_name = by_child(quarter_snapshots, unit)
    periods = sorted(per_period)
    shares = []
    for p in periods:
        measured = sum(n for status, n in per_period[p].items() if status != Status.NO_DATA)
        shares.append(round(100 * per_period[p].get(Status.MET, 0) / measured, 1) if measured else 0)
    chart = {
        "cities": names,
        "series": [
            {"name": str(label), "key": key, "data": [by_name[n].get(key, 0) for n in names]}
            for key, label in Status.choices
        ],
        "periods": periods,
        "met_share": shares,
    }
    totals = [(key, label, counts.get(key, 0), colour_of(key)) for key, label in Status.choices]
    return Overview(totals, chart, counts)


def totals_by_status(snapshots: QuerySet[TargetSnapshot]) -> list[tuple[str, Any, int, str]]:
    """(status, label, count, colour) for every status, one GROUP BY."""
    counts = dict(snapshots.values_list("status").annotate(n=Count("pk")).order_by())
    return [(key, label, counts.get(key, 0), colour_of(key)) for key, label in Status.choices]


def matrix(snapshots: QuerySet[TargetSnapshot], unit: LeagueUnit, programme_id: int) -> dict[str, Any] | None:
    """The units directly below `unit` against the programme's targets, one query."""
    rows = list(
        snapshots.filter(unit__parent=unit, rule__programme_id=programme_id)
        .select_related("unit", "rule")
        .order_by("unit__path", "rule__order", "rule_id")
    )
    if not rows:
        return None
    rules = sorted({(s.rule.order, s.rule_id): s.rule for s in rows}.items())
    by_unit: dict[int, dict[int, TargetSnapshot]] = {}
    units: dict[int, LeagueUnit] = {}
    for s in rows:
        units[s.unit_id] = s.unit
        by_unit.setdefault(s.unit_id, {})[s.rule_id] = s
    table = []
    for unit_id, child in units.items():
        cells = []
        for _key, rule in rules:
            found = by_unit[unit_id].get(rule.pk)
            cells.append((found, colour_of(found.status) if found else ""))
        table.append((child, cells))
    return {"rules": [rule for _key, rule in rules], "rows": table}


# Ranking by peers -----------------------------------------------------------------------

RANKING_FORMULA = gettext_lazy(
    "Units are ranked only against their peers: prefecture cities of the Pearl River Delta together, the other "
    "cities together, counties and districts of the Pearl River Delta together and the others together, the towns "
    "and subdistricts of each city together, universities together (government departments and working "
    "committees for migrant youth each by level). Each group is scored on the same target set: the targets that "
    "apply to every unit of the group. Score = 100 × targets met ÷ targets in the group's set. A target is met "
    "when its status for the quarter is “met”, judged on the value after spot checks where a spot check found "
    "reported figures false; a target without data (“no data source yet”) counts as not met. Equal scores share "
    "a rank."
)


@dataclass
class Ranked:
    unit_id: int
    unit_name: str
    targets: int
    met: int
    overdue: int
    no_data: int
    rank: int = 0

    @property
    def score(self) -> float:
        return round(100 * self.met / self.targets, 1) if self.targets else 0.0


@dataclass
class PeerGroup:
    key: str
    label: str
    rules: list[Any]
    rows: list[Ranked] = field(default_factory=list)


def peer_key(unit: LeagueUnit, city_names: dict[str, str]) -> tuple[str, str] | None:
    """The peer group of a unit: (key, label), or None for the province (it has no peers)."""
    K, L = LeagueUnit.Kind, LeagueUnit.Level
    if unit.level == L.PROVINCE:
        return None
    if unit.kind == K.UNIVERSITY:
        return "university", _("Universities")
    if unit.kind != K.REGIONAL:
        return f"{unit.kind}-{unit.level}", f"{unit.get_kind_display()} · {unit.get_level_display()}"
    prd = unit.region == LeagueUnit.Region.PRD
    if unit.level == L.CITY:
        return f"city-{unit.region}", _("Cities of the Pearl River Delta") if prd else _("Other cities")
    if unit.level == L.COUNTY:
        return (
            f"county-{unit.region}",
            _("Counties and districts of the Pearl River Delta")
            if prd
            else _("Other counties and districts"),
        )
    city_path = unit.path[: 2 * SEGMENT]
    name = city_names.get(city_path, "")
    return f"town-{city_path}", _("Towns and subdistricts of %(city)s") % {"city": name}


def ranking(snapshots: QuerySet[TargetSnapshot]) -> list[PeerGroup]:
    """The units of `snapshots` ranked within their peer groups (two queries: the snapshots
    with their units and rules, and the names of the cities of the towns)."""
    rows = list(
        snapshots.select_related("unit", "rule").only(
            "status",
            "unit__id",
            "unit__name",
            "unit__path",
            "unit__level",
            "unit__kind",
            "unit__region",
            "rule__id",
            "rule__label",
            "rule__order",
            "rule__programme_id",
        )
    )
    city_paths = {s.unit.path[: 2 * SEGMENT] for s in rows if s.unit.level == LeagueUnit.Level.TOWN}
    city_names = (
        dict(LeagueUnit.objects.filter(path__in=city_paths).values_list("path", "name")) if city_paths else {}
    )
    groups: dict[str, tuple[str, dict[int, LeagueUnit], dict[int, dict[int, str]], dict[int, Any]]] = {}
    for s in rows:
        peer = peer_key(s.unit, city_names)
        if peer is None:
            continue
        _label, units, statuses, rules = groups.setdefault(peer[0], (peer[1], {}, defaultdict(dict), {}))
        units[s.unit_id] = s.unit
        statuses[s.unit_id][s.rule_id] = s.status
        rules[s.rule_id] = s.rule
    result = []
    for group_key, (label, units, statuses, rules) in groups.items():
        common = [rid for rid in rules if all(rid in statuses[uid] for uid in units)]
        group = PeerGroup(
            group_key,
            label,
            sorted((rules[r] for r in common), key=lambda r: (r.programme_id, r.order, r.pk)),
        )
        for uid, unit in units.items():
            mine = [statuses[uid][rid] for rid in common]
            group.rows.append(
                Ranked(
                    uid,
                    unit.name,
                    len(common),
                    mine.count(Status.MET),
                    mine.count(Status.OVERDUE),
                    mine.count(Status.NO_DATA),
                )
            )
        group.rows.sort(key=lambda r: (-r.score, r.unit_name))
        previous, rank = None, 0
        for position, row in enumerate(group.rows, start=1):
            if row.score != previous:
                rank, previous = position, row.score
            row.rank = rank
        result.append(group)
    result.sort(key=_group_order)
    return result


def _group_order(group: PeerGroup) -> tuple[int, str]:
    """Cities (PRD first), counties (PRD first), the towns of each city, universities, others."""
    order = ["city-prd", "city-non_prd", "county-prd", "county-non_prd"]
    if group.key in order:
        return order.index(group.key), ""
    if group.key.startswith("town-"):
        return 10, group.key
    return (20, "") if group.key == "university" else (30, group.key)


@dataclass
class QuarterEvent:
    when: Any
    who: str
    closed: bool
    reason: str


def quarter_history(closures: list[Any]) -> list[tuple[Any, list[QuarterEvent]]]:
    """Each closed or reopened quarter with its change history (closed, reopened and why, by
    whom, when): two queries for any number of quarters."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    event_model = apps.get_model("reporting", "QuarterClosureEvent")
    events = list(
        event_model.objects.filter(pgh_obj_id__in=[c.pk for c in closures])
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")
    )
    user_ids = {
        int(u)
        for e in events
        if e.pgh_context is not None and (u := e.pgh_context.metadata.get("user")) is not None
    }
    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    by_quarter: dict[int, list[QuarterEvent]] = defaultdict(list)
    for event in events:
        meta = event.pgh_context.metadata if event.pgh_context is not None else {}
        who = users.get(int(meta["user"])) if meta.get("user") is not None else None
        by_quarter[event.pgh_obj_id].append(
            QuarterEvent(event.pgh_created_at, who or meta.get("actor") or "", event.closed, event.reason)
        )
    return [(c, by_quarter.get(c.pk, [])) for c in closures]


def snapshot_rows_html(rows: list[tuple[TargetSnapshot, str, Any]], quarter: Any) -> SafeString:
    """The dashboard's page of snapshots (`rows`: snapshot, colour, metric) drawn in Python, as
    its template drew them — 100 rows of floatformat, links and translated titles were about
    two thirds of the page's time. tests/reporting/test_pages.py compares the two."""
    no_source, behind = _("No data source yet"), _("The records behind this number")
    left_out = _("Reported figures a spot check found false are left out")
    not_reported, differs = _("not reported"), _("differs")
    tolerance = _("Registry and reports differ by more than the tolerance")
    # Labels and the drill-down address worked out once for the page, not once per row.
    statuses = {key: escape(label) for key, label in (choice_labels(TargetSnapshot, "status") or {}).items()}
    comparators = {
        key: escape(label) for key, label in (choice_labels(TargetRule, "comparator") or {}).items()
    }
    drilldown = reverse("reporting:snapshot_drilldown", args=[PK_MARK]).split(str(PK_MARK))
    lines = []
    for s, colour, metric in rows:
        definition = getattr(metric, "definition", None)
        unit_label = getattr(metric, "unit_label", None)
        info = (
            f' <i class="bi bi-info-circle text-muted" title="{printed(definition)}" aria-label="{printed(definition)}"></i>'
            if definition
            else ""
        )
        if s.value is None:
            value = f'<span class="text-muted small">{escape(no_source)}</span>'
        else:
            url = f"{drilldown[0]}{s.pk}{drilldown[1]}"
            value = f'<a href="{escape(url)}" title="{escape(behind)}">{_number(s.value)}{printed(unit_label) if unit_label else ""}</a>'
            if s.denominator is not None:
                value += (
                    f'<div class="small text-muted">{printed(s.numerator)} / {printed(s.denominator)}</div>'
                )
        confirmed = ""
        if s.confirmed_value is not None and s.confirmed_value != s.value:
            confirmed = (
                f'<span class="text-danger" title="{escape(left_out)}">{_number(s.confirmed_value)}</span>'
            )
        compared = ""
        if s.compared_metric:
            if s.compared_value is None:
                compared = f'<span class="text-muted">{escape(not_reported)}</span>'
            else:
                compared = _number(s.compared_value)
                if s.compared_flag:
                    compared += f' <span class="badge text-bg-warning" title="{escape(tolerance)}">{escape(differs)}</span>'
        lines.append(
            f'<tr class="table-{escape(colour)}">\n'
            f'<td><a href="?unit={s.unit_id}&amp;period={printed(quarter)}">{printed(s.unit.name)}</a></td>'
            f'<td class="small">{printed(s.rule.label)}{info}</td>\n'
            f'<td class="text-end">{value}</td>\n'
            f'<td class="text-end">{confirmed}</td>\n'
            f'<td class="text-end">{comparators.get(s.rule.comparator, printed(s.rule.comparator))} {_number(s.threshold)}</td>'
            f'<td><span class="badge text-bg-{escape(colour)}">{statuses.get(s.status, printed(s.status))}</span></td>\n'
            f'<td class="text-end small">{compared}</td></tr>\n'
        )
    return mark_safe("".join(lines))  # noqa: S308 - every value escaped above


PK_MARK = 987654321  # stands for a snapshot's id in the drill-down address, replaced per row


def _number(value: Any) -> str:
    """What `{{ value|floatformat:"-2" }}` prints."""
    return str(conditional_escape(floatformat(value, "-2")))
