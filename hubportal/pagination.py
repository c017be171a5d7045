"""Pages of long lists without counting the whole table on every page.

`CountingPaginator` counts exactly up to `HUB_EXACT_COUNT_LIMIT` rows (1,000) with a bounded
count (`SELECT COUNT(*) FROM (… LIMIT 1001)`), which stops reading after that many rows
whatever the table's size. Beyond it the total is the planner's estimate (`EXPLAIN` of the
list's own query: its row estimate, kept true by ANALYZE after bulk writes), shown as
“about N”, never below the limit; the exact figure is counted on demand (`?count=exact` on a
page, the same parameter in the API). A page reads one row more than it shows, so “next” is
right even when the total is an estimate, and a page number past an estimated end is an
empty page rather than a 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_PARAMETER = "count"
EXACT_VALUE = "exact"


def exact_count_limit() -> int:
    return int(getattr(settings, "HUB_EXACT_COUNT_LIMIT", 1_000))


def wants_exact(params: Any) -> bool:
    """The request asks for the exact total (`?count=exact`)."""
    return params.get(EXACT_PARAMETER) == EXACT_VALUE


def planner_estimate(queryset: QuerySet) -> int:
    """The planner's estimate of the rows of `queryset` (one EXPLAIN, nothing read)."""
    compiler = queryset.order_by().query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CountingPage(Page):
    """A page whose `has_next` comes from the extra row read, not from the total."""

    more: bool = False

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CountingPaginator(Paginator):
    def __init__(
        self, object_list: Any, per_page: Any, *args: Any, exact: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.exact = exact
        self.limit = exact_count_limit()

    @cached_property
    def count_is_estimate(self) -> bool:
        self.count  # noqa: B018 - the count decides
        return self._estimated

    @cached_property
    def count(self) -> int:
        self._estimated = False
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if self.exact:
            return queryset.count()
        bounded = queryset.order_by().values("pk")[: self.limit + 1].count()
        if bounded <= self.limit:
            return bounded
        self._estimated = True
        return max(planner_estimate(queryset), self.limit + 1)

    def validate_number(self, number: Any) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.count_is_estimate and int(number) >= 1:
                return int(number)  # past an estimated end: an empty page, not a 404
            raise
        except PageNotAnInteger:
            raise

    def page(self, number: Any) -> CountingPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        page = CountingPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def _get_page(self, *args: Any, **kwargs: Any) -> CountingPage:
        return CountingPage(*args, **kwargs)
