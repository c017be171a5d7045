"""Reads of dashboards, exports and the API's lists from a PostgreSQL read replica.

When `DATABASE_REPLICA_URL` is set, settings add a `replica` database alias and
`HUB_REPLICA_READS` is on. A view opts in with `@reads_from_replica` (or `with
replica_reads():` around its reading part); inside it `ReplicaRouter` sends every read to the
replica, except:

- writes (`db_for_write` is never routed: every write goes to the primary);
- reads inside a transaction on the primary (`transaction.atomic`, `select_for_update`): they
  must see the transaction's own writes and hold its locks;
- a replica that does not answer: the reads go to the primary, the log says so once per
  check (every `CHECK_SECONDS`), and `/healthz` shows the replica's line as down;
- a replica that goes away while it serves a view (a connection refused or cut between two
  checks): `on_replica` (behind `@reads_from_replica` and the lists' and exports' scopes)
  checks it at once and, when it is down, runs the view again on the primary — a read-only
  view, so nothing is done twice — instead of answering 500 until the next check
  (`bin/rehearse-cluster --stop-replica`: 17 of 708 requests failed before this).

Sessions, logins and throttles are never read here (middleware runs outside the scope), so a
replica that lags a second behind never signs anyone out; a dashboard may show figures a
second old.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
CHECK_SECONDS = 15.0

_scope: contextvars.ContextVar[bool] = contextvars.ContextVar("hub_replica_reads", default=False)
_state: dict[str, Any] = {"ok": None, "checked": 0.0, "detail": ""}

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def configured() -> bool:
    return bool(getattr(settings, "HUB_REPLICA_READS", False)) and REPLICA in settings.DATABASES


def replica_state(force: bool = False) -> tuple[bool, str]:
    """Whether the replica answers `SELECT 1` (checked at most every CHECK_SECONDS)."""
    now = time.monotonic()
    if force or _state["ok"] is None or now - _state["checked"] > CHECK_SECONDS:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                in_recovery = bool(cursor.fetchone()[0])
            ok, detail = True, "ok (streaming replica)" if in_recovery else "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means reads go to the primary
            ok, detail = False, str(exc).strip()[:200] or type(exc).__name__
            try:
                connections[REPLICA].close()
            except Exception:  # noqa: BLE001, S110 - a broken connection may not close cleanly
                pass
            if _state["ok"] is not False or force:
                logger.warning("read replica unavailable, reading from the primary: %s", detail)
        _state.update(ok=ok, checked=now, detail=detail)
    return bool(_state["ok"]), str(_state["detail"])


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica (when one is configured and answers)."""
    token = _scope.set(True)
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def _primary_reads() -> Iterator[None]:
    token = _scope.set(False)
    try:
        yield
    finally:
        _scope.reset(token)


def on_replica(read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`read(*args, **kwargs)` with its reads on the replica; when the replica fails under it
    (a connection refused or cut) and is down when checked at once, `read` runs again with
    its reads on the primary. `read` must only read (a view of a dashboard, a list, an export)."""
    try:
        with replica_reads():
            return read(*args, **kwargs)
    except (OperationalError, InterfaceError) as exc:
        if not configured() or replica_state(force=True)[0]:
            raise  # not the replica's failure: the replica answers
        logger.warning("read replica failed during a read, reading again from the primary: %s", exc)
    with _primary_reads():
        return read(*args, **kwargs)


def reads_from_replica(view: F) -> F:
    """A view whose reads go to the replica (dashboards, exports, lists); see `on_replica`."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return on_replica(view, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def read_alias() -> str:
    """Where a read made here goes: the replica inside a `replica_reads()` scope while it
    answers, else the primary."""
    if not _scope.get() or not configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # a transaction reads its own writes, on the primary
    if not replica_state()[0]:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """Routes reads in a `replica_reads()` scope to the replica; everything else to the primary."""

    # Both answer an alias, never None: Django would otherwise take the alias a related
    # instance was read from, and write a record read from the replica to the replica.
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # a replica follows the primary's schema by streaming
