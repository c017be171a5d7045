"""Bulk writes with PostgreSQL's COPY (scale data, large imports): the rows streamed in
(`copy_rows`), their ids taken beforehand (`reserve_ids`) and, for a tracked model, their
history events written afterwards in one statement (`record_inserts`; `record_events` with
`history_triggers_off` for a set-based update)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Stream rows into a table with COPY; returns how many were written.

    Must run inside a transaction. The table's history insert trigger is switched off for
    the COPY and back on before returning: under `pgtrigger.ignore()` it would still fire
    for every row only to return early, which makes a bulk load about 15 times slower.
    `table` and `columns` are names from the code, never from input.
    """
    count = 0
    with history_triggers_off(table, "insert"), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


@contextmanager
def history_triggers_off(table: str, operation: str) -> Iterator[None]:
    """The table's history trigger for `operation` ("insert" or "update") switched off for
    the block and back on after it, inside the caller's transaction (the table stays locked
    against other writers until it ends): the block writes the history itself, set-based
    (`record_events`). Names from the code, never from input."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s",
            [table, f"pgtrigger_{operation}_{operation}_%"],
        )
        history_triggers = [row[0] for row in cursor.fetchall()]
        if history_triggers:
            # Foreign keys are checked at commit by default; check them now (what the
            # transaction wrote before, then the block's writes), so that the table has no
            # pending trigger events when its trigger is switched off and on again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in history_triggers:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    yield
    if history_triggers:
        with connection.cursor() as cursor:
            for name in history_triggers:
                cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def reserve_ids(table: str, count: int) -> list[int]:
    """`count` fresh ids from the table's identity sequence, in one statement (rows written by
    COPY then carry their ids, and what refers to them can be written in the same pass)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def record_inserts(model: type[Any], ids: Sequence[int]) -> None:
    """The history events of rows of a tracked model written by `copy_rows` (whose insert
    trigger was off), set-based: one INSERT … SELECT under the current history context (the
    import's user and file), as the trigger would have written them one by one."""
    record_events(model, ids, "insert")


def record_events(model: type[Any], ids: Sequence[int], label: str) -> None:
    """The history events labelled `label` ("insert", "update") of the rows `ids` as they are
    now, in one statement: what the trigger switched off by `history_triggers_off` (or by
    `copy_rows`) would have written row by row."""
    if not ids:
        return
    event = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
    tracked = [
        f.column
        for f in event._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in ("pgh_obj", "pgh_context")
    ]
    columns = ", ".join(f'"{c}"' for c in tracked)
    source = ", ".join(f't."{c}"' for c in tracked)
    # Names from the models, never from input; the ids are a parameter. The context is attached
    # once for the whole statement (per row it would upsert the same context row every time).
    # The ids as bigint[] like the column: psycopg sends small ids as integer[], and `bigint =
    # ANY(integer[])` is not hashed — a sequential scan searches the whole array for each row
    # (7.6 s instead of 0.3 s for 50,000 status changes).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {event._meta.db_table} ({columns}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id)
            SELECT {source}, ctx.id, NOW(), %s, t.id
            FROM {model._meta.db_table} t CROSS JOIN (SELECT _pgh_attach_context() AS id) ctx
            WHERE t.id = ANY(%s::bigint[])
            """,  # noqa: S608 - see above
            [label, list(ids)],
        )
