"""Shared pieces of the round-trip tests: each app lists its edit pages in
`tests/<app>/round_trip_cases.py` as `CASES = {url name: builder}`; a builder makes a fully
filled record and returns a `Page` (its URL, who opens it, how to read what it stores).
`tests/hubportal/test_round_trip.py` runs them all and fails on an edit page no app lists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models

# Fields that a save legitimately moves: bookkeeping, not what the user typed.
BOOKKEEPING = {"updated_at", "version", "updated_by", "name_initials", "path", "depth"}
NARRATIVE = "全年联系青年组织14家，新建团支部3个, 其中:\n（一）楼宇建团 2 个；\n（二）区域建团 1 个。"
TESTS = Path(__file__).resolve().parent


@dataclass
class Page:
    """An edit page under test: its URL, who opens it, and how to read what it stores."""

    url: str
    user: Any
    snapshot: Callable[[], Any]


def fields_of(obj: models.Model) -> Callable[[], dict[str, Any]]:
    """Every stored field (and many-to-many) of the record, re-read from the database."""

    def read() -> dict[str, Any]:
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        values = {
            f.attname: getattr(fresh, f.attname)
            for f in fresh._meta.concrete_fields
            if f.name not in BOOKKEEPING and not getattr(f, "auto_now", False)
        }
        for m2m in fresh._meta.many_to_many:
            values[m2m.name] = sorted(getattr(fresh, m2m.name).values_list("pk", flat=True))
        return values

    return read


def all_cases() -> dict[str, Callable[[Any], Page]]:
    """Every app's `CASES`, by url name."""
    cases: dict[str, Callable[[Any], Page]] = {}
    for path in sorted(TESTS.glob("*/round_trip_cases.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.round_trip_cases")
        cases.update(module.CASES)
    return cases
