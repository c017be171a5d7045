"""Figures cached until the data under them change.

A statement-level trigger on every table of the portal's apps (history, jobs and the outbox
aside) adds a row to `hubportal_datachange` for each statement that writes one — COPY, bulk
updates and psql included, which signals in Python would miss. The stamp is that table's
identity, row count and highest id, read in one query: a committed write always changes it
(a transaction's row becomes visible at its commit, and the count only grows between two
prunes, which raise the highest id), and a reader that reads the stamp before the figures
can only store newer figures under an older stamp, never older ones under a newer stamp.
So a cached figure is never older than the last committed write; the time-out only bounds
what a write with the triggers switched off (ALTER TABLE … DISABLE TRIGGER ALL) would leave.

Used where a figure is expensive and read far more often than the data change: the counters
of a cadre's home page (one scan of the province's 200,000 organizations each otherwise), the
target dashboard's status counts, the league-unit pickers (2,000 units for a province).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections

T = TypeVar("T")

TRIGGER = "hub_data_change"
FUNCTION = "hub_data_changed"
TIMEOUT = 3600  # seconds; see the module's docstring
# Written on every change or by every page load, and no figure reads them.
UNTRACKED = {"hubportal.datachange", "hubportal.job", "hubportal.outboxmessage"}

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hubportal_datachange DEFAULT VALUES;
    RETURN NULL;
END $$;
"""


def tracked_tables() -> list[str]:
    """The tables of the portal's own apps whose writes change the stamp."""
    from pghistory.models import Event

    root = str(settings.BASE_DIR)
    tables = []
    for config in apps.get_app_configs():
        if not config.path.startswith(root) or "/.venv/" in config.path:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.label_lower in UNTRACKED or issubclass(model, Event):
                continue
            if model._meta.managed and not model._meta.proxy:
                tables.append(model._meta.db_table)
    return sorted(set(tables))


def install_triggers(using: str = "default", **_kwargs: Any) -> None:
    """(Re)create the trigger on every tracked table: after every migrate (post_migrate), so a
    new app's tables are tracked without a migration of their own. A database migrated back
    to before the change log loses the triggers (they would write to a missing table)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if "hubportal_datachange" not in existing:
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")
            return
        cursor.execute(FUNCTION_SQL)
        for table in (t for t in tracked_tables() if t in existing):
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )


# The stamp read once per GET (StampPerRequestMiddleware): the figures a page shows then come
# from one view of the data. Not for a request that writes: it would store figures of its own
# uncommitted writes under the stamp others still read.
_request_stamps: ContextVar[dict[str, str] | None] = ContextVar("hub_request_stamps", default=None)


def stamp(using: str = "default") -> str:
    """Changes with every committed write to a tracked table (one query; once per GET)."""
    memo = _request_stamps.get()
    if memo is not None and using in memo:
        return memo[using]
    value = _read_stamp(using)
    if memo is not None:
        memo[using] = value
    return value


class StampPerRequestMiddleware:
    """Reads the change stamp at most once per GET or HEAD request."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _request_stamps.set({})
        try:
            return self.get_response(request)
        finally:
            _request_stamps.reset(token)


def _read_stamp(using: str) -> str:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT 'hubportal_datachange'::regclass::oid, count(*), coalesce(max(id), 0) FROM hubportal_datachange"
        )
        table, count, highest = cursor.fetchone()
    # The database's name too: two portals' databases (demo and scale data) may share a Redis.
    return f"{connections[using].settings_dict['NAME']}.{table}.{count}.{highest}"


def query_key(prefix: str, queryset: Any) -> str:
    """A cache key naming a query by its SQL and parameters: the same rows for anyone whose
    jurisdiction gives the same query, and never another's."""
    return sql_key(prefix, *queryset.query.sql_with_params())


def sql_key(prefix: str, sql: str, params: Any) -> str:
    """`query_key` for SQL written by hand."""
    digest = hashlib.sha1(f"{sql}|{params!r}".encode(), usedforsecurity=False).hexdigest()
    return f"{prefix}:{digest}"


def cached(key: str, compute: Callable[[], T], using: str = "default") -> T:
    """`compute()`, cached under `key` until a tracked table changes. `using`: the database
    `compute()` reads (a replica's stamp follows its own replay, not the primary's writes)."""
    full_key = f"fresh:{key}:{stamp(using)}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, TIMEOUT)
    return value


def prune(using: str = "default") -> int:
    """Keep the table small (the stamp counts it): all rows but a new one go, in one
    transaction; the new row raises the highest id, so no earlier stamp comes back."""
    from django.db import transaction

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "DELETE FROM hubportal_datachange WHERE id <= (SELECT max(id) FROM hubportal_datachange)"
        )
        removed = cursor.rowcount
        cursor.execute("INSERT INTO hubportal_datachange DEFAULT VALUES")
    return removed
