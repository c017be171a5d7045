"""Querysets of the registry: jurisdiction, the named subsets, search, and per-unit rollups.

A rollup answers "how many X in the subtree of each of these units" for many units in ONE
query: the rows are first grouped by the path of the unit that owns them, then every owning
path is expanded into its ancestor prefixes (a path is its ancestors' paths plus its own
segment) and joined to the requested units by equality. That keeps the work proportional to
(owning units × depth), not (rows × requested units) as a `LIKE prefix%` join would be.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from hubportal.jurisdiction import JurisdictionQuerySet, subtree_q
from hubportal.search import SHORT, grams_alias, holds_short

if TYPE_CHECKING:
    from orgs.models import LeagueUnit

BACKBONE_YOUTH = 1000
SEGMENT = 9  # PATH_SEGMENT_WIDTH + the dot: one tree level in a path
TRIGRAM_MIN_SIMILARITY = 0.3  # pg_trgm's own default for the % operator
_ASCII_WORD = re.compile(r"^[0-9a-z]+$")


def _expand_to_units(owner_rows_sql: str) -> str:
    """Join rows carrying `owner_path` to every requested unit whose path is a prefix of it."""
    return (
        f"FROM ({owner_rows_sql}) r "
        f"CROSS JOIN LATERAL generate_series(1, length(r.owner_path) / {SEGMENT}) AS k "
        f"JOIN orgs_leagueunit u ON u.path = left(r.owner_path, {SEGMENT} * k) "
        f"WHERE u.id = ANY(%s) GROUP BY u.id"
    )


def rollup_rows(
    units: Iterable[LeagueUnit],
    rows: models.QuerySet,
    path_field: str,
    aggregates: list[str],
    columns: dict[str, Any] | None = None,
) -> dict[int, list[Any]]:
    """The general rollup: `{unit_id: [a0, a1, ...]}` in ONE query.

    `aggregates` are SQL aggregates over the columns of `rows` (alias `r0`), e.g.
    `"COUNT(*)"` or `"COUNT(*) FILTER (WHERE r0.flag)"` or `"SUM(r0.v)"`, with `columns`
    naming the expressions they use. They are computed per owning unit first and then summed
    up the tree, so they must be additive (counts and sums). They are SQL text: callers pass
    constants written in code, never anything taken from a request.
    """
    units = list(units)
    if not units:
        return {}
    rows = rows.filter(subtree_q([u.path for u in units], path_field.removesuffix("__path")))
    inner_sql, params = (
        rows.order_by().values(owner_path=models.F(path_field), **(columns or {})).query.sql_with_params()
    )
    pre = ", ".join(f"{aggregate} AS a{i}" for i, aggregate in enumerate(aggregates))
    outer = ", ".join(f"SUM(r.a{i})" for i in range(len(aggregates)))
    # Only code reaches this text: the aggregates are constants of the callers (metrics), the
    # inner SQL is Django's own compilation with its values in `params`, the unit ids a parameter.
    grouped = f"SELECT r0.owner_path, {pre} FROM ({inner_sql}) r0 GROUP BY r0.owner_path"  # noqa: S608 - no input here, see above
    sql = f"SELECT u.id, {outer} {_expand_to_units(grouped)}"
    result: dict[int, list[Any]] = {u.pk: [0] * len(aggregates) for u in units}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, [u.pk for u in units]])
        for unit_id, *values in cursor.fetchall():
            result[unit_id] = [v if v is not None else 0 for v in values]
    return result


def rollup_by_unit(
    units: Iterable[LeagueUnit],
    rows: models.QuerySet,
    path_field: str,
    *,
    value: str | None = None,
    distinct: str | None = None,
) -> dict[int, Any]:
    """Aggregate `rows` over the subtree of each unit in ONE query: `{unit_id: number}`.

    `path_field` is the lookup of the owning unit's path on `rows` (e.g.
    "governing_unit__path"). Without `value` the rows are counted; with `value` (a numeric
    field) it is summed (a Decimal); with `distinct` the distinct values of that field are
    counted (an organization contacted by a town and by its city counts once for the city).
    Units without rows get 0.
    """
    units = list(units)
    if not units:
        return {}
    if distinct:
        rows = rows.filter(subtree_q([u.path for u in units], path_field.removesuffix("__path")))
        inner_sql, params = (
            rows.order_by()
            .values(owner_path=models.F(path_field), d=models.F(distinct))
            .query.sql_with_params()
        )
        result = {u.pk: 0 for u in units}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT u.id, COUNT(DISTINCT r.d) {_expand_to_units(inner_sql)}",
                [*params, [u.pk for u in units]],
            )
            result.update({unit_id: int(n) for unit_id, n in cursor.fetchall()})
        return result
    if value:
        sums = rollup_rows(units, rows, path_field, ["SUM(r0.v)"], {"v": models.F(value)})
        return {pk: Decimal(v[0]) for pk, v in sums.items()}
    counts = rollup_rows(units, rows, path_field, ["COUNT(*)"])
    return {pk: int(v[0]) for pk, v in counts.items()}


class OrganizationQuerySet(JurisdictionQuerySet):
    """Organizations: scoping, the named subsets, search and per-unit counters."""

    def listed(self) -> Self:
        return self.filter(status="listed")

    def backbone(self) -> Self:
        """骨干型组织: organizations covering at least 1,000 young people."""
        return self.filter(youth_covered__gte=BACKBONE_YOUTH)

    def registered(self) -> Self:
        return self.exclude(registration_status="unregistered")

    def _league_building_exists(self) -> Exists:
        from orgs.models import LeagueBuilding

        return Exists(LeagueBuilding.organizations.through.objects.filter(organization_id=OuterRef("pk")))

    def with_league_building(self) -> Self:
        """Organizations covered by at least one league-building record (团建)."""
        return self.filter(self._league_building_exists())

    def without_league_building(self) -> Self:
        return self.exclude(self._league_building_exists())

    def annotate_flags(self) -> Self:
        """`has_league_building` and `is_backbone_org` on every row, for exports (a page of a
        list takes `annotate_backbone()` and `mark_league_building()` instead)."""
        return self.annotate_backbone().annotate(has_league_building=self._league_building_exists())

    def annotate_backbone(self) -> Self:
        return self.annotate(
            is_backbone_org=models.ExpressionWrapper(
                Q(youth_covered__gte=BACKBONE_YOUTH), output_field=models.BooleanField()
            )
        )

    def directly_contacted_by(self, unit: LeagueUnit) -> Self:
        """Organizations on the direct-contact list of `unit` or any unit below it."""
        from orgs.models import DirectContact

        return self.filter(
            Exists(DirectContact.objects.in_subtree(unit).filter(organization_id=OuterRef("pk")))
        )

    def search(self, text: str, fuzzy: bool | None = None) -> Self:
        """Find organizations by a piece of their name, their pinyin initials, or a near name.

        - substring of the name (中山青年义工联 is found by “义工”);
        - substring of the pinyin initials (by “zsqn”, or “ygl”);
        - trigram similarity for near matches and typing errors (by “中山青年义工连”).
        The GIN trigram indexes on name and name_initials serve all three from three
        characters on; a piece of one or two characters is looked up in the GIN index over the
        name's characters and character pairs (`hubportal.search`). Similarity is
        costly on common words (every other name holds 青年), so by default (`fuzzy=None`)
        it is the fallback when nothing matches exactly: one cheap EXISTS query decides.
        """
        text = (text or "").strip()
        if not text:
            return self
        terms = text.split()
        queryset = self
        if any(len(term) <= SHORT for term in [text, *terms]):
            # One or two characters (义工, 青): the grams index, as trigrams need three.
            queryset = queryset.alias(**grams_alias("name"))

        def holds(term: str) -> Q:
            return holds_short("name", term) if len(term) <= SHORT else Q(name__contains=term)

        strict = holds(text)
        if len(terms) > 1:
            # “中山 青年”: names holding every word, in any order.
            strict |= functools.reduce(operator.and_, (holds(term) for term in terms))
        lowered = text.lower()
        if lowered != text and len(text) > SHORT:
            strict |= Q(name__icontains=text)
        compact = re.sub(r"\s+", "", lowered)
        if _ASCII_WORD.match(compact):
            strict |= Q(name_initials__contains=compact)
            fuzzy = False  # initials are matched exactly; names are not spelled in letters
        if fuzzy is None:
            fuzzy = len(text) >= 3 and not queryset.filter(strict).exists()
        if fuzzy and len(text) >= 3:
            return queryset.filter(strict | Q(name__trigram_similar=text))
        return queryset.filter(strict)

    def ranked_by_similarity(self, text: str) -> Self:
        """Closest names first (for search results and duplicate checks)."""
        return self.annotate(similarity=TrigramSimilarity("name", text)).order_by("-similarity", "name", "pk")

    def count_by_unit(self, units: Iterable[LeagueUnit], **filters: Any) -> dict[int, int]:
        """`{unit_id: n}`: organizations (matching `filters`) in each unit's subtree, one query."""
        return rollup_by_unit(units, self.filter(**filters), "governing_unit__path")


def mark_league_building(page: Iterable[Any]) -> None:
    """Set `has_league_building` on a page of organizations in one query. As an annotation of a
    paginated list, PostgreSQL hashed the whole link table (54,374 rows, ≈ 21 ms) for the
    50 rows a page shows; here it looks up those 50."""
    from orgs.models import LeagueBuilding

    organizations = list(page)  # the same objects: the flags land on the page's rows
    covered = set(
        LeagueBuilding.organizations.through.objects.filter(
            organization_id__in=[o.pk for o in organizations]
        ).values_list("organization_id", flat=True)
    )
    for organization in organizations:
        organization.has_league_building = organization.pk in covered
