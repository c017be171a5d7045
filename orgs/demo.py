"""The demo league tree: Guangdong as the reference data describes it, plus a few
universities, a department and two 驻外团工委, and the demo accounts.

Every step is idempotent (keyed by division code or username), so `seed_demo` can run on
every start.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import Membership, User

from .models import LeagueUnit

DATA_FILE = Path(__file__).parent / "data" / "guangdong-units.csv"
DEMO_PASSWORD = "hub-demo-2026"  # noqa: S105 - printed by `make run` for the demo only

Level, Kind, Region = LeagueUnit.Level, LeagueUnit.Kind, LeagueUnit.Region

# (code, name, parent code, level, kind, undergraduate)
EXTRA_UNITS = [
    ("U440001", "中山大学团委", "440000", Level.CITY, Kind.UNIVERSITY, True),
    ("U440002", "华南理工大学团委", "440000", Level.CITY, Kind.UNIVERSITY, True),
    ("U440003", "暨南大学团委", "440000", Level.CITY, Kind.UNIVERSITY, True),
    ("U440004", "广东轻工职业技术学院团委", "440000", Level.CITY, Kind.UNIVERSITY, False),
    ("U442001", "电子科技大学中山学院团委", "442000", Level.COUNTY, Kind.UNIVERSITY, True),
    ("D440001", "广东省直属机关团工委", "440000", Level.CITY, Kind.DEPARTMENT, False),
    ("D442001", "中山市直属机关团工委", "442000", Level.COUNTY, Kind.DEPARTMENT, False),
    ("M442001", "湖南驻中山团工委", "442000", Level.COUNTY, Kind.MIGRANT, False),
    ("M440601", "广西驻佛山团工委", "440600", Level.COUNTY, Kind.MIGRANT, False),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    unit_code: str | None
    role: str | None
    superuser: bool = False
    assessor: bool = False
    representative: bool = False
    note: str = ""


DEMO_USERS = [
    DemoUser("admin", "系统管理员", None, None, superuser=True, note="superuser"),
    DemoUser("gd_admin", "李广东", "440000", Membership.Role.ADMIN, note="团省委 province administrator"),
    DemoUser("zs_cadre", "陈中山", "442000", Membership.Role.ADMIN, note="中山市 city cadre"),
    DemoUser("fs_cadre", "黄佛山", "440600", Membership.Role.ADMIN, note="佛山市 city cadre"),
    DemoUser("guzhen_cadre", "梁古镇", "442000012", Membership.Role.EDITOR, note="古镇镇 town cadre"),
    DemoUser("assessor", "张评审", None, None, assessor=True, note="expert assessor"),
    DemoUser("org_rep", "何青年", None, None, representative=True, note="organization representative"),
]


def _read_reference() -> list[dict[str, str]]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def town_code(city_code: str, index: int) -> str:
    """Towns have no code in the reference data: the city's code and a 3-digit sequence."""
    return f"{city_code}{index:03d}"


@transaction.atomic
def seed_units() -> dict[str, LeagueUnit]:
    """Create or update the demo tree; returns the units by code."""
    rows = _read_reference()
    units: dict[str, LeagueUnit] = {u.code: u for u in LeagueUnit.objects.exclude(code=None) if u.code}
    town_counters: dict[str, int] = {}

    def upsert(
        code: str,
        name: str,
        parent_code: str | None,
        level: str,
        kind: str = Kind.REGIONAL,
        region: str = "",
        undergraduate: bool = False,
    ) -> None:
        parent = units[parent_code] if parent_code else None
        unit = units.get(code) or LeagueUnit(code=code)
        wanted = {
            "name": name,
            "parent": parent,
            "level": level,
            "kind": kind,
            "region": region,
            "is_undergraduate": undergraduate,
        }
        if unit.pk is None or any(getattr(unit, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(unit, key, value)
            unit.save()
        units[code] = unit

    for row in rows:
        code, name, level, parent_code = row["code"], row["name"], row["level"], row["parent_code"] or None
        region = {"PRD": Region.PRD, "non-PRD": Region.NON_PRD}.get(row["region"], "")
        if code == "440606":
            # 顺德区 reports to the province like a city (各地级以上市并顺德区).
            upsert(code, name, "440000", Level.CITY, region=Region.PRD)
        elif level == "town":
            city = parent_code or ""
            town_counters[city] = town_counters.get(city, 0) + 1
            upsert(town_code(city, town_counters[city]), name, parent_code, Level.TOWN)
        else:
            upsert(code, name, parent_code, level, region=region)
    for code, name, parent_code, level, kind, undergraduate in EXTRA_UNITS:
        upsert(code, name, parent_code, level, kind, undergraduate=undergraduate)
    return units


@transaction.atomic
def seed_users(units: dict[str, LeagueUnit]) -> list[DemoUser]:
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(username=demo.username)
        user.full_name = demo.full_name
        user.email = f"{demo.username}@demo.hubportal.local"
        user.is_superuser = user.is_staff = demo.superuser
        user.is_assessor, user.is_representative = demo.assessor, demo.representative
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        if demo.unit_code:
            Membership.objects.update_or_create(
                user=user, unit=units[demo.unit_code], defaults={"role": demo.role or Membership.Role.VIEWER}
            )
    return DEMO_USERS


def seed_registry(units: dict[str, LeagueUnit]) -> int:
    """The demo youth organizations and their records (see `orgs.demo_registry`)."""
    from .demo_registry import seed_registry as seed

    return seed(units)
