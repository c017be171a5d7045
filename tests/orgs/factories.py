"""Small builders of registry records for tests (plain functions, sensible defaults)."""

from __future__ import annotations

import itertools
from typing import Any

from orgs.models import LeagueUnit, Organization
from orgs.validators import credit_code_check_char, id_number_check_char

_serial = itertools.count(1)


def credit_code(serial: int | None = None) -> str:
    """A valid unified social credit code: 52 (social organization) + 442000 + 9 digits + check."""
    body = f"52442000{(serial if serial is not None else next(_serial)):09d}"
    return body + credit_code_check_char(body)


def id_number(birth: str = "19950612", serial: int = 123) -> str:
    body = f"442000{birth}{serial:03d}"
    return body + id_number_check_char(body)


def make_org(unit: LeagueUnit, name: str | None = None, **fields: Any) -> Organization:
    defaults: dict[str, Any] = {
        "tier": Organization.Tier.N,
        "kind": Organization.Kind.SOCIAL_ORGANIZATION,
        "category": Organization.Category.PUBLIC_WELFARE,
        "status": Organization.Status.LISTED,
    }
    defaults.update(fields)
    if defaults.get("registration_status", "unregistered") != "unregistered":
        defaults.setdefault("credit_code", credit_code())
    return Organization.objects.create(
        name=name or f"测试青年组织{next(_serial)}", governing_unit=unit, **defaults
    )
