"""The metric registry: every number a target can be measured with, by code, and the
protocol by which an app gives the target engine a number together with its evidence.

The protocol (what every app that registers a metric must follow)
-----------------------------------------------------------------

1. **One definition per metric of what it counts.** A metric is registered once, by code,
   with a `definition`: a translated sentence or two saying

   - *which records* count (e.g. "training camps organised by the unit"),
   - *which statuses* count — pending, rejected, dissolved, cancelled, withdrawn records do
     not count unless the definition says so,
   - *which date decides the period*: the portal's own time, when the record entered the
     portal or was approved in it (`created_at`, `approved_at`, the time of the status
     change in the history), never a date a user typed (`held_on`, `since`, `founded_on`):
     typed dates stay facts for display and filters, but a record entered on 1 December
     and dated 31 March does not count in March;
   - *whose records*: the unit's whole subtree (`SUBTREE`, the default) or only the unit's
     own records (`OWN`: "the province's own pilot list", "city-level bases").

   The definition is shown on the dashboard's help and the drill-down page; the function
   that builds the evidence says the same in its docstring.

2. **The value and the records come from the same query.** A metric does not compute a
   number: it returns an `Evidence` — ONE queryset of the records that count (already
   restricted to the counting statuses and to the period by the portal's date) and how to
   aggregate them. The engine derives both the per-unit value (one set-based query for any
   number of units) and the drill-down rows from that queryset, so a drill-down always
   lists exactly the records that make the value:

   - `COUNT`: each row counts 1; the drill-down has as many rows as the value.
   - `DISTINCT`: the distinct values of `distinct` (e.g. "organization_id": an organization
     on a town's and on its city's list counts once for the city); one drill-down row each.
   - `SUM`: each row contributes `amount` (a lookup or expression); the drill-down shows each
     row with its contribution.
   - `SHARE`: the rows are the denominator, `hit` (a boolean Q or Exists) marks the numerator;
     the value is 100 × hits ÷ rows in percent (0 when there is no row), and the drill-down
     shows every row with whether it counts, plus the numerator and the denominator.

   Registry facts that a phone spot check found false (and that were not corrected since)
   stop counting: the engine leaves out every row that is itself a false fact; a metric
   whose rows only *depend* on another record (coverage depends on league branches) wraps
   that dependency in `not_found_false(...)`.

3. **Registration** — in the app's `AppConfig.ready()`, only when `apps.is_installed("reporting")`:

   ```python
   from reporting.metrics import COUNT, Evidence, entered_between, registry

   def camps_held(start, end):
       \"\"\"Camps organised in each subtree that were held (not cancelled); a camp counts in the
       period in which it was recorded as held in the portal.\"\"\"
       return Evidence(
           rows=Camp.objects.filter(status="held").filter(entered_between("held_recorded_at", start, end)),
           unit="organizer",                       # the FK to the owning LeagueUnit ("" for units)
           columns=[(_("Camp"), "title"), (_("Dates"), "starts_on"), (_("Organiser"), "organizer__name")],
           link="training:camp_detail",            # optional: a row's page, reversed with its pk
       )

   registry.register(
       "camps_held",
       evidence=camps_held,
       label=_("Training camps held"),
       definition=_("Camps organised in the unit's subtree and held, counted in the period "
                    "in which the portal recorded them as held."),
   )
   ```

   `evidence(start, end) -> Evidence`: `start` is the first day counted (None: since ever),
   `end` the last (inclusive). A state metric (a share "at the end of the period") may
   ignore `start`. The function only builds a queryset; it must not run queries itself.
   Registering a code that is declared (`people_trained`, `camps_held`, `heads_trained`,
   `bases_star_rated`, the co-building and card metrics below) gives its targets a source;
   registering it again replaces the earlier source (the evaluation app may take over
   `bases_star_rated` from incubation's `BaseRating`).

   The older call `registry.register(code, func)` with `func(units, start, end) ->
   {unit_id: value}` still works but gives numbers without evidence: the drill-down then
   says so and the evidence test (`tests/reporting/test_evidence.py`) fails for that metric.

Report metrics are metrics too: `report:<metric code>` sums the approved values of that
report metric over the subtree, for the reports whose period lies in the window (the period
of a report is the portal's, not a typed date; a quarter closes after its last report
deadline, so a later approval never rewrites it). Values a spot check found false are kept
in the value "as reported" and left out of the value "after spot checks", which decides
the status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from os.path import commonprefix
from typing import Any

from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import subtree_q

logger = logging.getLogger(__name__)

MetricFunc = Callable[[Sequence[Any], date | None, date], dict[int, Any]]
DrilldownFunc = Callable[[Any, date | None, date], str]
EARLIEST = date(1900, 1, 1)  # "since the beginning" for report sums
REPORT_PREFIX = "report:"
SEGMENT = 9  # one tree level in a unit path: 8 digits and a dot
MAX_PREFIXES = 40  # beyond this many subtrees a row filter narrows by their common ancestor

# How the rows of an evidence make a number.
COUNT = "count"
DISTINCT = "distinct"
SUM = "sum"
SHARE = "share"
# Whose rows a unit counts.
SUBTREE = "subtree"
OWN = "own"
# What a fact found false by a spot check does to a number.
EXCLUDE = "exclude"  # registry facts: it stops counting (until corrected)
DISCOUNT = "discount"  # reported figures: kept "as reported", left out "after spot checks"


def outermost_paths(paths: Sequence[str]) -> list[str]:
    """The paths not inside another one of them (a town under a listed city is dropped)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def day_bounds(start: date | None, end: date) -> tuple[datetime | None, datetime]:
    """The aware datetimes bounding the local calendar days start..end: [lower, upper)."""
    zone = timezone.get_current_timezone()
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    lower = datetime.combine(start, time.min, tzinfo=zone) if start is not None else None
    return lower, upper


def entered_between(field_name: str, start: date | None, end: date) -> Q:
    """Rows whose portal time `field_name` (an aware datetime) falls on a local calendar day
    between start and end, inclusive; written as a range so the column's index serves it."""
    lower, upper = day_bounds(start, end)
    q = Q(**{f"{field_name}__lt": upper})
    if lower is not None:
        q &= Q(**{f"{field_name}__gte": lower})
    return q


def first_recorded(event_model: type[models.Model], condition: Q, fallback: str = "created_at") -> Any:
    """When the portal first recorded a state of a row (the outer query's pk): the earliest
    history event (`pghistory`) of the row matching `condition`, or the row's `fallback`
    time for data loaded without a history (bulk loads)."""
    from django.db.models import DateTimeField, Min, Subquery

    first = (
        event_model._default_manager.filter(condition, pgh_obj_id=OuterRef("pk"))
        .order_by()
        .values("pgh_obj_id")
        .annotate(at=Min("pgh_created_at"))
        .values("at")
    )
    return Coalesce(Subquery(first, output_field=DateTimeField()), F(fallback))


def not_found_false(model: type[models.Model], ref: str = "pk") -> Any:
    """A condition keeping `model` rows (referred to by `ref` from the outer query) that no
    spot check has found false, or that were corrected since: `Q(not_found_false(LeagueBuilding,
    "leaguebuilding_id"))` inside a subquery."""
    from .models import SpotCheckItem

    # The content type by its natural key (a join, not an extra query).
    false_items = SpotCheckItem.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        object_id=OuterRef(ref),
        outcome=SpotCheckItem.Outcome.FALSE,
    )
    return ~Exists(false_items)


@dataclass(frozen=True)
class Evidence:
    """The records behind a metric and how they make its value (see the module docstring)."""

    rows: QuerySet
    unit: str  # lookup of the owning LeagueUnit from a row ("governing_unit", "base__unit"; "" for units)
    aggregate: str = COUNT
    scope: str = SUBTREE
    distinct: str | None = None
    amount: Any = None  # SUM: each row's contribution (a lookup or expression); SHARE: shown per row
    hit: Any = None  # SHARE: a Q or Exists saying whether a row is in the numerator
    columns: Sequence[tuple[Any, str]] = ()
    link: str | None = None  # URL name of a row's page, reversed with the row's pk
    amount_label: Any = None  # the heading of the contribution column (SUM)
    false_facts: str = EXCLUDE
    order: Sequence[str] = ("pk",)

    def __post_init__(self) -> None:
        if self.aggregate not in (COUNT, DISTINCT, SUM, SHARE) or self.scope not in (SUBTREE, OWN):
            raise ValueError(f"unknown aggregate or scope: {self.aggregate}, {self.scope}")
        if (self.aggregate == DISTINCT) != bool(self.distinct):
            raise ValueError("DISTINCT needs `distinct`, and only DISTINCT takes it")
        if self.aggregate == SUM and self.amount is None:
            raise ValueError("SUM needs `amount`")
        if self.aggregate in (COUNT, DISTINCT) and self.amount is not None:
            raise ValueError("COUNT and DISTINCT take no `amount` (SHARE may show one per row)")
        if (self.aggregate == SHARE) != (self.hit is not None):
            raise ValueError("SHARE needs `hit`, and only SHARE takes it")

    @property
    def model(self) -> type[models.Model]:
        return self.rows.model

    @property
    def path_lookup(self) -> str:
        return f"{self.unit}__path" if self.unit else "path"

    @property
    def unit_id_lookup(self) -> str:
        return f"{self.unit}_id" if self.unit else "pk"

    def for_paths(self, paths: Sequence[str]) -> QuerySet:
        """The rows of the units with these paths (their subtrees, or the units only): a
        narrowing only — the rollup joins each row to the requested units exactly."""
        if self.scope == OWN:
            return self.rows.filter(**{f"{self.path_lookup}__in": list(paths)})
        outermost = outermost_paths(paths)
        if len(outermost) <= MAX_PREFIXES:
            return self.rows.filter(subtree_q(outermost, self.unit))
        # Hundreds of towns: an OR of as many LIKEs would be tested on every row; their
        # common ancestor narrows as well, at the cost of one predicate.
        common = commonprefix(outermost)
        common = common[: len(common) // SEGMENT * SEGMENT]
        return self.rows.filter(**{f"{self.path_lookup}__startswith": common}) if common else self.rows

    def annotated(self, rows: QuerySet) -> QuerySet:
        """`rows` with the columns the engine reads: `ev_path`, `ev_unit`, `ev_key`, `ev_amount`,
        `ev_hit`, `ev_false`."""
        expressions: dict[str, Any] = {
            "ev_path": F(self.path_lookup),
            "ev_unit": F(self.unit_id_lookup),
            "ev_key": F(self.distinct) if self.distinct else F("pk"),
            "ev_amount": _as_decimal(self.amount) if self.amount is not None else Value(Decimal(1)),
            "ev_hit": _as_bool(self.hit) if self.hit is not None else Value(True),
            "ev_false": _as_bool(~not_found_false(self.model)),
        }
        if self.false_facts == EXCLUDE:
            rows = rows.filter(not_found_false(self.model))
            expressions["ev_false"] = Value(False)
        return rows.annotate(**expressions)


def _as_decimal(expression: Any) -> Any:
    value = F(expression) if isinstance(expression, str) else expression
    return models.ExpressionWrapper(
        Coalesce(value, Value(Decimal(0)), output_field=models.DecimalField(max_digits=20, decimal_places=2)),
        output_field=models.DecimalField(max_digits=20, decimal_places=2),
    )


def _as_bool(expression: Any) -> Any:
    return models.ExpressionWrapper(expression, output_field=models.BooleanField())


@dataclass(frozen=True)
class Figures:
    """A unit's number, with what makes it: `value` as counted, `confirmed` after spot checks
    (reported figures only), and for shares the numerator and the denominator."""

    value: Decimal
    confirmed: Decimal | None = None
    numerator: int | None = None
    denominator: int | None = None
    rows: int | None = None  # how many records make it (None: a number without evidence)


def percent(part: Any, whole: Any) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"))


def _unit_join(evidence: Evidence, source_sql: str) -> str:
    """SQL joining rows that carry `ev_path` (alias r) to the requested units (alias u): by
    equality for OWN, else each owning path expanded into its ancestors' prefixes, so that
    the work grows with the owning units, not with rows × requested units."""
    if evidence.scope == OWN:
        return f"FROM ({source_sql}) r JOIN orgs_leagueunit u ON u.path = r.ev_path WHERE u.id = ANY(%s)"
    return (
        f"FROM ({source_sql}) r "
        f"CROSS JOIN LATERAL generate_series(1, length(r.ev_path) / {SEGMENT}) AS k "
        f"JOIN orgs_leagueunit u ON u.path = left(r.ev_path, {SEGMENT} * k) WHERE u.id = ANY(%s)"
    )


def rollup_sql(evidence: Evidence, source_sql: str) -> str:
    """One SELECT of `u.id, value, confirmed, numerator, denominator, rows` per requested unit
    over rows that carry the `ev_*` columns (a queryset's SQL, or the rows a run stores)."""
    if evidence.aggregate == DISTINCT:
        select = (
            "COUNT(DISTINCT r.ev_key), COUNT(DISTINCT r.ev_key) FILTER (WHERE NOT r.ev_false), 0, 0, "
            "COUNT(DISTINCT r.ev_key)"
        )
        return f"SELECT u.id, {select} {_unit_join(evidence, source_sql)} GROUP BY u.id"
    inner = {
        COUNT: "COUNT(*) AS v, COUNT(*) FILTER (WHERE NOT r0.ev_false) AS c, 0 AS n, 0 AS d",
        SUM: "SUM(r0.ev_amount) AS v, COALESCE(SUM(r0.ev_amount) FILTER (WHERE NOT r0.ev_false), 0) AS c, "
        "0 AS n, 0 AS d",
        SHARE: "0 AS v, 0 AS c, COUNT(*) FILTER (WHERE r0.ev_hit) AS n, COUNT(*) AS d",
    }[evidence.aggregate]
    # Rows are first grouped by their owning unit's id (an integer: a hash aggregate over at
    # most as many groups as units, where grouping by the path text sorted every row of the
    # province, on disk at 155,917 organizations), then each unit's group takes its path.
    # Only code reaches this text: the aggregates above and SQL compiled by Django from the
    # metric's queryset, whose values travel as parameters.
    grouped = (
        f"SELECT o.path AS ev_path, g.* FROM (SELECT r0.ev_unit, {inner}, COUNT(*) AS t "  # noqa: S608
        f"FROM ({source_sql}) r0 GROUP BY r0.ev_unit) g JOIN orgs_leagueunit o ON o.id = g.ev_unit"
    )
    return (
        "SELECT u.id, SUM(r.v), SUM(r.c), SUM(r.n), SUM(r.d), SUM(r.t) "
        f"{_unit_join(evidence, grouped)} GROUP BY u.id"
    )


def figures_from_rows(
    evidence: Evidence, rows: Sequence[Sequence[Any]], unit_ids: Sequence[int]
) -> dict[int, Figures]:
    """`{unit_id: Figures}` from the rollup's rows; units without rows get zero."""
    found = {row[0]: row[1:6] for row in rows}
    result = {}
    for unit_id in unit_ids:
        value, confirmed, numerator, denominator, count = found.get(unit_id, (0, 0, 0, 0, 0))
        if evidence.aggregate == SHARE:
            n, d = int(numerator or 0), int(denominator or 0)
            result[unit_id] = Figures(percent(n, d), None, n, d, d)
            continue
        confirmed_value = Decimal(confirmed or 0) if evidence.false_facts == DISCOUNT else None
        result[unit_id] = Figures(Decimal(value or 0), confirmed_value, rows=int(count or 0))
    return result


def evidence_values_sql(
    evidence: Evidence, rows: QuerySet, ordered: bool = False
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of `rows` reduced to the engine's columns (ev_path, ev_unit, ev_key, ev_amount,
    ev_hit, ev_false, ev_object); `ordered` keeps the evidence's order (for storing)."""
    annotated = evidence.annotated(rows)
    annotated = annotated.order_by(*evidence.order) if ordered else annotated.order_by()
    sql, params = annotated.values(
        "ev_path", "ev_unit", "ev_key", "ev_amount", "ev_hit", "ev_false", ev_object=F("pk")
    ).query.sql_with_params()
    return sql, params


def store_evidence(
    evidence: Evidence,
    units: Sequence[Any],
    period: str,
    code: str,
    start: date | None,
    end: date,
    now: datetime,
) -> tuple[int, dict[int, Figures]]:
    """Store the records behind `code` over (start, end) for a tracking run of `period` and
    compute every unit's figures FROM the stored rows, in ONE statement: the set, its rows
    and the per-unit aggregates are written and read together, so the value of every
    snapshot is exactly the sum of the rows its drill-down lists."""
    from django.contrib.contenttypes.models import ContentType

    units = list(units)
    content_type = ContentType.objects.get_for_model(evidence.model)
    sql, params = evidence_values_sql(evidence, evidence.for_paths([u.path for u in units]), ordered=True)
    stored = "SELECT ev_path, ev_unit, ev_key, ev_amount, ev_hit, ev_false FROM ins"  # the rows as written
    statement = f"""
        WITH s AS (
            INSERT INTO reporting_evidenceset (period, metric, start, "end", content_type_id, aggregate, scope,
                                               computed_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
        ), ins AS (
            INSERT INTO reporting_evidencerow (evidence_set_id, owner_path, unit_id, object_id, key, amount, hit,
                                               found_false)
            SELECT s.id, x.ev_path, x.ev_unit, x.ev_object, x.ev_key::text, x.ev_amount, x.ev_hit, x.ev_false
            FROM s, ({sql}) x
            RETURNING owner_path AS ev_path, unit_id AS ev_unit, key AS ev_key, amount AS ev_amount, hit AS ev_hit,
                      found_false AS ev_false
        )
        SELECT t.*, (SELECT id FROM s) FROM ({rollup_sql(evidence, stored)}) t
        UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, (SELECT id FROM s)
    """  # noqa: S608 - fixed text and Django's compiled SQL; every value is a parameter
    head = [period, code, start, end, content_type.pk, evidence.aggregate, evidence.scope, now]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*head, *params, [u.pk for u in units]])
        rows = cursor.fetchall()
    set_id = rows[-1][-1]
    figures = figures_from_rows(evidence, [r[:-1] for r in rows if r[0] is not None], [u.pk for u in units])
    return int(set_id), figures


def stored_rows(snapshot: Any, evidence_set: Any) -> QuerySet:
    """The stored records behind a snapshot's value: the rows of its evidence set owned by
    its unit (OWN) or its subtree, one per distinct key; in the order they were counted."""
    from .models import EvidenceRow

    rows = EvidenceRow.objects.filter(evidence_set_id=evidence_set.pk)
    if evidence_set.scope == OWN:
        rows = rows.filter(owner_path=snapshot.unit.path)
    else:
        rows = rows.filter(owner_path__startswith=snapshot.unit.path)
    if evidence_set.aggregate == DISTINCT:
        first = rows.order_by("key", "pk").distinct("key").values("pk")
        rows = EvidenceRow.objects.filter(pk__in=first)
    return rows.order_by("pk")


def compute_figures(evidence: Evidence, units: Sequence[Any]) -> dict[int, Figures]:
    """Every unit's figures from the evidence, in ONE query whatever the number of units."""
    units = list(units)
    if not units:
        return {}
    sql, params = evidence_values_sql(evidence, evidence.for_paths([u.path for u in units]))
    with connection.cursor() as cursor:
        cursor.execute(rollup_sql(evidence, sql), [*params, [u.pk for u in units]])
        rows = cursor.fetchall()
    return figures_from_rows(evidence, rows, [u.pk for u in units])


def live_records(evidence: Evidence, unit: Any) -> QuerySet:
    """The records that make `unit`'s value now, with `ev_amount`, `ev_hit` and `ev_false`
    on each (for DISTINCT, one row per distinct value: the first by `order`)."""
    rows = evidence.annotated(evidence.for_paths([unit.path]))
    if evidence.aggregate == DISTINCT:
        return rows.order_by("ev_key", *evidence.order).distinct("ev_key")
    return rows.order_by(*evidence.order)


@dataclass(frozen=True)
class Metric:
    """A measurable number. Without `evidence` (nor a legacy `func`) it has no data source."""

    code: str
    label: Any
    func: MetricFunc | None = None
    drilldown: DrilldownFunc | None = None
    # The report metric that reports the same fact over the same window (item "like with like"),
    # and how far the two may differ before the difference is flagged.
    report_metric: str | None = None
    source: str = "registry"
    evidence: Callable[[date | None, date], Evidence] | None = None
    definition: Any = ""
    tolerance: Decimal = Decimal(0)
    tolerance_percent: Decimal = Decimal(0)
    unit_label: Any = ""  # e.g. "%" for shares

    @property
    def has_source(self) -> bool:
        return self.evidence is not None or self.func is not None

    @property
    def has_evidence(self) -> bool:
        return self.evidence is not None

    def figures(self, units: Sequence[Any], start: date | None, end: date) -> dict[int, Figures] | None:
        if self.evidence is not None:
            return compute_figures(self.evidence(start, end), units)
        if self.func is None:
            return None
        raw = self.func(units, start, end)
        return {unit.pk: Figures(Decimal(str(raw.get(unit.pk) or 0))) for unit in units}

    def compute(self, units: Sequence[Any], start: date | None, end: date) -> dict[int, Decimal] | None:
        figures = self.figures(units, start, end)
        if figures is None:
            return None
        return {pk: f.value for pk, f in figures.items()}

    def records(self, unit: Any, start: date | None, end: date) -> QuerySet | None:
        """The records behind `unit`'s value now (None without evidence)."""
        if self.evidence is None:
            return None
        return live_records(self.evidence(start, end), unit)

    def drilldown_url(self, unit: Any, start: date | None, end: date) -> str:
        return self.drilldown(unit, start, end) if self.drilldown is not None else ""

    def differs(self, a: Decimal | None, b: Decimal | None) -> bool:
        """Whether two values of the same fact differ by more than this metric's tolerance."""
        if a is None or b is None:
            return False
        allowed = max(self.tolerance, self.tolerance_percent * max(abs(a), abs(b)) / 100)
        return abs(a - b) > allowed


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def declare(
        self,
        code: str,
        label: Any,
        report_metric: str | None = None,
        *,
        definition: Any = "",
        unit_label: Any = "",
    ) -> None:
        """Name a metric the targets may use before any app can compute it."""
        if code not in self._metrics:
            self._metrics[code] = Metric(
                code, label, report_metric=report_metric, definition=definition, unit_label=unit_label
            )

    def register(
        self,
        code: str,
        func: MetricFunc | None = None,
        label: Any = None,
        drilldown: DrilldownFunc | None = None,
        report_metric: str | None = None,
        *,
        evidence: Callable[[date | None, date], Evidence] | None = None,
        definition: Any = None,
        tolerance: Decimal | int | None = None,
        tolerance_percent: Decimal | int | None = None,
        unit_label: Any = None,
    ) -> None:
        """Provide (or replace) the source of a metric; other apps call this in ready().

        `evidence` is the protocol (see the module docstring); `func` the older form that
        gives numbers without evidence."""
        if evidence is None and func is None:
            raise ValueError(f"metric {code}: give `evidence` (or the older `func`)")
        current = self._metrics.get(code) or Metric(code, label or code)
        self._metrics[code] = replace(
            current,
            func=func if evidence is None else None,
            evidence=evidence,
            label=label or current.label,
            drilldown=drilldown or current.drilldown,
            report_metric=report_metric or current.report_metric,
            definition=definition or current.definition,
            tolerance=Decimal(tolerance) if tolerance is not None else current.tolerance,
            tolerance_percent=Decimal(tolerance_percent)
            if tolerance_percent is not None
            else current.tolerance_percent,
            unit_label=unit_label if unit_label is not None else current.unit_label,
        )

    def get(self, code: str) -> Metric | None:
        if code.startswith(REPORT_PREFIX):
            metric_code = code[len(REPORT_PREFIX) :]
            if not metric_code:
                return None
            return Metric(
                code,
                _("Reported: %(code)s") % {"code": metric_code},
                evidence=lambda start, end: reported_values(metric_code, start, end),
                drilldown=lambda unit, start, end: report_drilldown(metric_code, unit, start, end),
                source="reports",
                definition=_(
                    "The approved values of the report metric “%(code)s” filed by the unit and the units "
                    "below it, for the reports whose period lies in the window; values a spot check found "
                    "false are left out of the figure after spot checks."
                )
                % {"code": metric_code},
            )
        return self._metrics.get(code)

    def all(self) -> list[Metric]:
        return sorted(self._metrics.values(), key=lambda m: m.code)

    def choices(self) -> list[tuple[str, Any]]:
        return [(m.code, m.label) for m in self.all()]


registry = MetricRegistry()


def reported_values(metric_code: str, start: date | None, end: date) -> Evidence:
    """The approved values of one report metric whose report period lies in the window."""
    from .models import ReportValue

    rows = ReportValue.objects.filter(
        metric__code=metric_code,
        report__status="approved",
        report__period_start__gte=start or EARLIEST,
        report__period_end__lte=end,
    )
    return Evidence(
        rows=rows,
        unit="report__unit",
        aggregate=SUM,
        amount=Coalesce(F("int_value"), Value(0)) + Coalesce(F("decimal_value"), Value(Decimal(0))),
        columns=[
            (_("Unit"), "report__unit__name"),
            (_("Period"), "report__period_start"),
            (_("Approved at"), "report__approved_at"),
        ],
        amount_label=_("Reported value"),
        false_facts=DISCOUNT,
        order=("report__unit__path", "report__period_start", "pk"),
    )


def report_metric_totals(
    metric_code: str,
    units: Sequence[Any],
    start: date | None,
    end: date,
    exclude_false: bool = False,
) -> dict[int, Decimal]:
    """Sum of the approved values of one report metric over each unit's subtree, one query;
    `exclude_false` gives the figure after spot checks."""
    figures = compute_figures(reported_values(metric_code, start, end), units)
    return {
        pk: (f.confirmed if exclude_false and f.confirmed is not None else f.value)
        for pk, f in figures.items()
    }


def report_drilldown(metric_code: str, unit: Any, start: date | None, end: date) -> str:
    """The approved reports behind a reported figure; no start date means since ever (not
    "period_from=None", which the filter would refuse)."""
    query: dict[str, Any] = {"subtree": unit.pk, "metric": metric_code}
    if start is not None:
        query["period_from"] = start
    query.update(period_to=end, status="approved")
    try:
        from django.utils.http import urlencode

        return f"{reverse('reporting:report_list')}?{urlencode(query)}"
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Declared:
    code: str
    label: Any
    definition: Any = ""
    report_metric: str | None = None
    unit_label: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)


# Metrics the targets of SPEC §5 are measured with. The registry (`orgs.metrics`) and
# incubation (`incubation.metrics`) register theirs in their ready(); training, evaluation,
# co-building and cards register the codes declared for them when they exist, with the
# definition written here (they may sharpen it).
DECLARED = [
    # Training (training/): counted by the trainee's organization's unit.
    Declared(
        "people_trained",
        _("Backbone members trained"),
        _(
            "People who completed a training camp, counted once per camp, by the unit of their organization's "
            "governing unit's subtree, in the period in which the portal recorded their completion."
        ),
        report_metric="people_trained",
    ),
    Declared(
        "camps_held",
        _("Training camps held"),
        _(
            "Camps organised in the unit's subtree and held (not cancelled), in the period in which the portal "
            "recorded them as held."
        ),
        report_metric="camps_held",
    ),
    Declared(
        "heads_trained",
        _("Organization heads trained (%)"),
        _(
            "Of the listed organizations in the subtree, the share whose head (会长/负责人) completed a training "
            "camp by the end of the period."
        ),
        unit_label="%",
    ),
    # Evaluation (evaluation/) may take these over from incubation's BaseRating.
    Declared("bases_star_rated", _("Star-rated 亲青家园"), unit_label=""),
    Declared("bases_rated_share", _("亲青家园 star-rated (%)"), unit_label="%"),
    # Co-building (cobuilding/): per subdistrict.
    Declared("cobuilding_committees", _("Co-building committees")),
    Declared("cobuilding_orgs", _("Youth organizations in co-building committees")),
    Declared("cobuilding_venues", _("Co-building venues")),
    Declared("cobuilding_cadres", _("Co-building committee cadres")),
    Declared("cobuilding_social_workers", _("Youth social workers of co-building committees")),
    Declared("cobuilding_external_members", _("External members of co-building committees")),
    Declared("cobuilding_funding", _("Co-building funding (yuan)")),
    # Cards (cards/).
    Declared("member_cards", _("Member cards issued")),
    Declared("volunteer_cards", _("Volunteer cards issued")),
    Declared(
        "member_card_coverage",
        _("League members holding a member card (%)"),
        _(
            "Of the league members aged 14–28 known to the portal in the subtree, the share holding an active "
            "member card issued by the end of the period."
        ),
        unit_label="%",
    ),
    Declared(
        "volunteer_card_coverage",
        _("Volunteers holding a volunteer card (%)"),
        _(
            "Of the volunteers known to the portal in the subtree, the share holding an active volunteer card "
            "issued by the end of the period."
        ),
        unit_label="%",
    ),
]


def register_builtin_metrics() -> None:
    for item in DECLARED:
        registry.declare(
            item.code,
            item.label,
            report_metric=item.report_metric,
            definition=item.definition,
            unit_label=item.unit_label,
        )
    try:
        from orgs import metrics as orgs_metrics
    except ImportError:  # the registry app is always installed; this is only for clarity
        return
    orgs_metrics.register_with_reporting()
