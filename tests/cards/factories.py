"""Builders of card records for tests."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from cards.models import Card, Holder
from orgs.models import LeagueUnit
from orgs.validators import id_number_check_char

_serial = itertools.count(1)


def id_for(born: datetime.date, serial: int | None = None) -> str:
    body = f"442000{born:%Y%m%d}{(serial if serial is not None else next(_serial)) % 1000:03d}"
    return body + id_number_check_char(body)


def holder(unit: LeagueUnit, born: datetime.date = datetime.date(2003, 5, 6), **fields: Any) -> Holder:
    defaults: dict[str, Any] = {"name": "王小明", "phone": "13800138000", "is_member": True}
    defaults.update(fields)
    return Holder.objects.create(unit=unit, id_number=id_for(born), birth_date=born, **defaults)


def card(h: Holder, unit: LeagueUnit | None = None, kind: str = "member", **fields: Any) -> Card:
    defaults: dict[str, Any] = {"issued_on": datetime.date(2026, 3, 1), "number": f"T{next(_serial):08d}"}
    defaults.update(fields)
    return Card.objects.create(holder=h, issuing_unit=unit or h.unit, kind=kind, **defaults)
