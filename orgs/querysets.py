"""Querysets of the registry: jurisdiction, the named subsets, search, and per-unit rollups.

A rollup answers "how many X in the subtree of each of these units" for many units in ONE
query: the rows are first grouped by the path of the unit that owns them, then every owning
path is expanded into its ancestor prefixes (a path is its ancestors' paths plus its own
segment) and joined to the requested units by equality. That keeps the work proportional to
(owning units × depth), not (rows × requested units) as a `LIKE prefix%` join would be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from hubportal.jurisdiction import JurisdictionQuerySet, subtree_q

if TYPE_CHECKING:
    from orgs.models import LeagueUnit

BACKBONE_YOUTH = 1000
SEGMENT = 9  # PATH_SEGMENT_WIDTH + the dot: one tree level in a path
TRIGRAM_MIN_SIMILARITY = 0.3  # pg_trgm's own default for the % operator
_ASCII_WORD = re.compile(r"^[0-9a-z]+$")


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
    field) it is summed; with `distinct` the distinct values of that field are counted
    (an organization contacted by a town and by its city counts once for the city).
    Units without rows get 0.
    """
    units = list(units)
    if not units:
        return {}
    rows = rows.filter(subtree_q([u.path for u in units], path_field.removesuffix("__path")))
    columns: dict[str, Any] = {"owner_path": models.F(path_field)}
    if value:
        columns["v"] = models.F(value)
    if distinct:
        columns["d"] = models.F(distinct)
    inner_sql, inner_params = rows.order_by().values(**columns).query.sql_with_params()
    unit_table = "orgs_leagueunit"
    expand = (
        f"CROSS JOIN LATERAL generate_series(1, length(r.owner_path) / {SEGMENT}) AS k "
        f"JOIN {unit_table} u ON u.path = left(r.owner_path, {SEGMENT} * k)"
    )
    if distinct:
        sql = (
            f"SELECT u.id, COUNT(DISTINCT r.d) FROM ({inner_sql}) r {expand} "
            f"WHERE u.id = ANY(%s) GROUP BY u.id"
        )
    else:
        aggregate = "SUM(r0.v)" if value else "COUNT(*)"
        sql = (
            f"SELECT u.id, SUM(r.n) FROM (SELECT r0.owner_path, {aggregate} AS n FROM ({inner_sql}) r0 "
            f"GROUP BY r0.owner_path) r {expand} WHERE u.id = ANY(%s) GROUP BY u.id"
        )
    zero: Any = Decimal(0) if value else 0
    result = {u.pk: zero for u in units}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, [u.pk for u in units]])
        for unit_id, number in cursor.fetchall():
            result[unit_id] = number if value else int(number or 0)
    return result


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
        """`has_league_building` and `is_backbone_org` on every row, for list pages."""
        return self.annotate(
            has_league_building=self._league_building_exists(),
            is_backbone_org=models.ExpressionWrapper(
                Q(youth_covered__gte=BACKBONE_YOUTH), output_field=models.BooleanField()
            ),
        )

    def directly_contacted_by(self, unit: LeagueUnit) -> Self:
        """Organizations on the direct-contact list of `unit` or any unit below it."""
        from orgs.models import DirectContact

        return self.filter(
            Exists(DirectContact.objects.in_subtree(unit).filter(organization_id=OuterRef("pk")))
        )

    def search(self, text: str) -> Self:
        """Find organizations by a piece of their name, their pinyin initials, or a near name.

        - substring of the name (中山青年义工联 is found by “义工”);
        - substring of the pinyin initials (by “zsqn”, or “ygl”);
        - trigram similarity for near matches and typing errors (by “中山青年义工连”).
        All three are served by the GIN trigram indexes on name and name_initials.
        """
        text = (text or "").strip()
        if not text:
            return self
        condition = Q(name__contains=text)
        lowered = text.lower()
        if lowered != text:
            condition |= Q(name__icontains=text)
        compact = re.sub(r"\s+", "", lowered)
        if _ASCII_WORD.match(compact):
            condition |= Q(name_initials__contains=compact)
        if len(text) >= 3:
            condition |= Q(name__trigram_similar=text)
        return self.filter(condition)

    def ranked_by_similarity(self, text: str) -> Self:
        """Closest names first (for search results and duplicate checks)."""
        return self.annotate(similarity=TrigramSimilarity("name", text)).order_by("-similarity", "name", "pk")

    def count_by_unit(self, units: Iterable[LeagueUnit], **filters: Any) -> dict[int, int]:
        """`{unit_id: n}`: organizations (matching `filters`) in each unit's subtree, one query."""
        return rollup_by_unit(units, self.filter(**filters), "governing_unit__path")
