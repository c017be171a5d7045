"""Synthetic data at provincial scale for `manage.py seed_scale`: the league-unit tree (the
real Guangdong skeleton filled with synthetic towns, universities and departments),
organizations, backbone members and the registry's other records.

Rows are written with PostgreSQL `COPY` (psycopg 3) inside one transaction, with the
history triggers ignored (`pgtrigger.ignore`): history is for changes people make, not for
a generated load. Later domains add their share through `<app>.scale.generate(context)`.
"""

from __future__ import annotations

import csv
import datetime
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from hubportal.bulk import copy_rows, reserve_ids

from .demo import DATA_FILE, EXTRA_UNITS, town_code
from .demo_registry import (
    BODY_CATEGORY,
    BODY_NAMES,
    ENTERPRISES,
    GIVEN,
    ROLES,
    SURNAMES,
    THEMES,
    make_credit_code,
    make_id_number,
    short_place,
)
from .models import LeagueUnit, Organization, name_initials, path_segment

Org = Organization
TOWN_NAMES = [
    "城关街道",
    "东城街道",
    "西城街道",
    "南城街道",
    "北城街道",
    "新城镇",
    "石桥镇",
    "龙潭镇",
    "白沙镇",
    "黄沙镇",
    "河口镇",
    "长安镇",
    "凤凰镇",
    "金山镇",
    "青云镇",
    "大岭镇",
    "沙坪镇",
    "横江镇",
    "太平镇",
    "三江镇",
    "高岭镇",
    "竹林镇",
    "松岗镇",
    "梅林镇",
    "桥头镇",
    "新圩镇",
    "官渡镇",
    "荷塘镇",
]
MODIFIERS = [
    "",
    "",
    "",
    "青年",
    "阳光",
    "彩虹",
    "启航",
    "同心",
    "向日葵",
    "蒲公英",
    "星火",
    "红棉",
    "木棉",
    "新青年",
    "益起来",
    "微光",
]
UNIVERSITY_PLACES = [
    "理工",
    "师范",
    "财经",
    "医科",
    "农业",
    "海洋",
    "外语",
    "科技",
    "艺术",
    "工商",
    "交通",
    "信息",
]
DEPARTMENTS = [
    "直属机关团工委",
    "教育系统团工委",
    "卫健系统团委",
    "国资系统团委",
    "公安系统团委",
    "交通系统团委",
]
MIGRANT_HOMES = ["湖南", "广西", "江西", "四川", "湖北", "河南", "贵州", "重庆"]


@dataclass
class ScaleUnit:
    id: int
    code: str
    name: str
    level: str
    kind: str
    path: str
    region: str


@dataclass
class ScaleContext:
    """What a domain's `scale.generate(context)` receives: the generated tree, the
    organizations' id range, a seeded random generator and a way to report a stage."""

    units: list[ScaleUnit]
    organization_ids: range
    rng: random.Random
    options: dict[str, Any]
    report: Callable[[str, float, int], None]
    extra: dict[str, Any] = field(default_factory=dict)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        return copy_rows(table, columns, rows)


# The tree ------------------------------------------------------------------------------
UnitRow = tuple[str, str, str | None, str, str, str, bool]


def _reference_units(
    rows: list[dict[str, str]],
) -> tuple[list[UnitRow], dict[str, list[str]], dict[str, str]]:
    """The skeleton of the data file, parents first: the plan rows, each city's counties and
    every unit's name by code."""
    plan: list[UnitRow] = []
    regional = LeagueUnit.Kind.REGIONAL
    counters: dict[str, int] = {}
    counties_by_city: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for level in ("province", "city", "county", "town"):
        for row in rows:
            if row["level"] != level:
                continue
            code, name, parent = row["code"], row["name"], row["parent_code"] or None
            region = {"PRD": "prd", "non-PRD": "non_prd"}.get(row["region"], "")
            if code == "440606":
                plan.append((code, name, "440000", "city", regional, "prd", False))
            elif level == "town":
                counters[parent or ""] = counters.get(parent or "", 0) + 1
                plan.append(
                    (
                        town_code(parent or "", counters[parent or ""]),
                        name,
                        parent,
                        level,
                        regional,
                        "",
                        False,
                    )
                )
            else:
                plan.append((code, name, parent, level, regional, region, False))
                if level == "county":
                    counties_by_city.setdefault(parent or "", []).append(code)
            names[code] = name
    return plan, counties_by_city, names


def _unit_plan(target: int, rng: random.Random) -> list[UnitRow]:
    """(code, name, parent code, level, kind, region, undergraduate) in parents-first order,
    cut at `target` units: the reference skeleton first, then synthetic units."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    regional = LeagueUnit.Kind.REGIONAL
    plan, counties_by_city, names = _reference_units(rows)
    for code, name, parent, level, kind, undergraduate in EXTRA_UNITS:
        plan.append((code, name, parent, level, kind, "", undergraduate))
    # Synthetic: towns under every county (and under 东莞, which has no county level),
    # then universities, departments and 驻外团工委, round-robin so any cut stays balanced.
    serial = 0
    synthetic_towns: list[tuple[str, str, str | None, str, str, str, bool]] = []
    parents = [c for city in sorted(counties_by_city) for c in counties_by_city[city]] + ["441900"]
    per_parent = {p: rng.randrange(10, 18) for p in parents}
    for round_ in range(max(per_parent.values())):
        for parent in parents:
            if round_ < per_parent[parent]:
                serial += 1
                place = short_place(names.get(parent, "东莞市"))
                town_name = f"{place}{TOWN_NAMES[(round_ + serial) % len(TOWN_NAMES)]}"
                synthetic_towns.append((f"S{serial:07d}", town_name, parent, "town", regional, "", False))
    others: list[tuple[str, str, str | None, str, str, str, bool]] = []
    cities = [row["code"] for row in rows if row["level"] == "city"]
    for i in range(150):
        city = cities[i % len(cities)]
        serial += 1
        name = f"{short_place(names[city])}{UNIVERSITY_PLACES[i % len(UNIVERSITY_PLACES)]}学院团委"
        others.append((f"S{serial:07d}", name, city, "county", LeagueUnit.Kind.UNIVERSITY, "", i % 3 == 0))
    for i, city in enumerate(cities * 5):
        serial += 1
        name = f"{short_place(names[city])}{DEPARTMENTS[i % len(DEPARTMENTS)]}"
        others.append((f"S{serial:07d}", name, city, "county", LeagueUnit.Kind.DEPARTMENT, "", False))
    for i, city in enumerate(cities * 2):
        serial += 1
        name = f"{MIGRANT_HOMES[i % len(MIGRANT_HOMES)]}驻{short_place(names[city])}团工委"
        others.append((f"S{serial:07d}", name, city, "county", LeagueUnit.Kind.MIGRANT, "", False))
    # Interleave: about six towns for every other synthetic unit.
    mixed: list[tuple[str, str, str | None, str, str, str, bool]] = []
    towns_iter, others_iter = iter(synthetic_towns), iter(others)
    while True:
        batch = [t for t in (next(towns_iter, None) for _i in range(6)) if t is not None]
        other = next(others_iter, None)
        mixed += batch + ([other] if other else [])
        if not batch and other is None:
            break
    return (plan + mixed)[:target]


def generate_units(target: int, rng: random.Random) -> list[ScaleUnit]:
    """Create the units of the plan that do not exist yet (by code); returns the whole tree."""
    plan = _unit_plan(target, rng)
    existing = {
        u.code: ScaleUnit(u.pk, u.code or "", u.name, u.level, u.kind, u.path, u.region)
        for u in LeagueUnit.objects.exclude(code=None)
    }
    missing = [p for p in plan if p[0] not in existing]
    ids = iter(reserve_ids(LeagueUnit._meta.db_table, len(missing)))
    now = timezone.now()
    rows = []
    for code, name, parent_code, level, kind, region, undergraduate in plan:
        if code in existing:
            continue
        parent = existing.get(parent_code) if parent_code else None
        pk = next(ids)
        path = (parent.path if parent else "") + path_segment(pk)
        inherited = region if level == "city" else (parent.region if parent else "")
        unit = ScaleUnit(pk, code, name, level, kind, path, inherited)
        existing[code] = unit
        rows.append(
            (
                pk,
                name,
                code,
                level,
                kind,
                inherited,
                undergraduate,
                parent.id if parent else None,
                path,
                path.count(".") - 1,
                "",
                "",
                True,
                now,
                now,
            )
        )
    copy_rows(
        "orgs_leagueunit",
        [
            "id",
            "name",
            "code",
            "level",
            "kind",
            "region",
            "is_undergraduate",
            "parent_id",
            "path",
            "depth",
            "address",
            "phone",
            "is_active",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    return [existing[p[0]] for p in plan]


# Organizations ---------------------------------------------------------------------------
def _weight(unit: ScaleUnit) -> float:
    # Most organizations live at town and district level; universities hold student groups.
    return {"province": 3.0, "city": 12.0, "county": 6.0, "town": 8.0}[unit.level] * (
        0.5 if unit.kind in (LeagueUnit.Kind.DEPARTMENT, LeagueUnit.Kind.MIGRANT) else 1.0
    )


_initials_cache: dict[str, str] = {}


def _initials(part: str) -> str:
    value = _initials_cache.get(part)
    if value is None:
        value = _initials_cache[part] = name_initials(part)
    return value


def generate_organizations(units: list[ScaleUnit], n: int, rng: random.Random) -> range:
    """n organizations spread over the units; returns their id range."""
    ids = reserve_ids(Org._meta.db_table, n)
    if not ids:
        return range(0)
    first = ids[0]
    if ids != list(range(first, first + n)):  # sequences hand out a contiguous block here
        raise RuntimeError("Organization ids are not contiguous; run seed_scale alone on its database.")
    today = timezone.localdate()
    chosen = rng.choices(units, weights=[_weight(u) for u in units], k=n)
    statuses, status_weights = zip(
        *[
            ("listed", 78),
            ("pending", 7),
            ("returned", 3),
            ("rejected", 3),
            ("suspended", 5),
            ("dissolved", 4),
        ],
        strict=True,
    )
    registrations, registration_weights = zip(
        *[("unregistered", 45), ("social_group", 25), ("non_enterprise", 25), ("foundation", 5)], strict=True
    )
    bodies: list[str] = list(BODY_NAMES)
    now = timezone.now()
    base_created = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    span_days = (today - base_created.date()).days

    def rows():
        for i, unit in enumerate(chosen):
            pk = first + i
            place = short_place(unit.name)
            roll = rng.random()
            if roll < 0.06:
                body = bodies[rng.randrange(len(bodies))]
                tier = "2" if body == Org.Body.FEDERATION else "5"
                kind = ""
                suffix = BODY_NAMES[body]
                category, fields = BODY_CATEGORY[body]
            elif roll < 0.07:
                body, tier, kind = Org.Body.MIGRANT_COMMITTEE, "2", ""
                suffix = f"驻{place}青年团工委"
                place = MIGRANT_HOMES[pk % len(MIGRANT_HOMES)]
                category, fields = BODY_CATEGORY[body]
            else:
                body, tier = "", "N"
                kind_roll = rng.random()
                if kind_roll < 0.05:
                    kind, suffix, category, fields = (
                        Org.Kind.COMMUNITY_COLLEGE,
                        "青年社区学院",
                        Org.Category.INTEREST,
                        ["education"],
                    )
                elif kind_roll < 0.12:
                    kind = Org.Kind.SOCIAL_ENTERPRISE
                    suffix, category, fields = (
                        rng.choice(ENTERPRISES),
                        Org.Category.EMPLOYMENT,
                        ["employment"],
                    )
                else:
                    kind = Org.Kind.SOCIAL_ORGANIZATION
                    theme, category, fields = THEMES[rng.randrange(len(THEMES))]
                    suffix = rng.choice(MODIFIERS) + theme
            name = f"{place}{suffix}"[:100]
            initials = (_initials(place) + _initials(suffix))[:100]
            registration = rng.choices(registrations, registration_weights)[0]
            credit = (
                make_credit_code(registration, unit.code if unit.code[:1].isdigit() else "440000", pk)
                if registration != "unregistered"
                else ""
            )
            founded = datetime.date(2003, 1, 1) + datetime.timedelta(days=rng.randrange(8000))
            founded = min(founded, today)
            registered = None
            if credit and rng.random() < 0.5:
                registered = max(founded, today - datetime.timedelta(days=rng.randrange(1500)))
            status = rng.choices(statuses, status_weights)[0]
            created = base_created + datetime.timedelta(
                days=rng.randrange(span_days), minutes=rng.randrange(1440)
            )
            youth = min(int(rng.lognormvariate(5.0, 1.1)), 50000)
            yield (
                pk,
                name,
                initials,
                tier,
                body,
                kind,
                category,
                fields,
                registration,
                credit,
                founded,
                registered,
                youth,
                "",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "",
                f"{unit.name}{rng.randrange(1, 500)}号",
                status,
                "{}",
                created if status in ("pending", "returned") else None,
                1,
                created,
                now,
                unit.id,
            )

    copy_rows(
        "orgs_organization",
        [
            "id",
            "name",
            "name_initials",
            "tier",
            "body",
            "kind",
            "category",
            "service_fields",
            "registration_status",
            "credit_code",
            "founded_on",
            "registered_on",
            "youth_covered",
            "description",
            "contact_person",
            "phone",
            "email",
            "address",
            "status",
            "pending_changes",
            "submitted_at",
            "version",
            "created_at",
            "updated_at",
            "governing_unit_id",
        ],
        rows(),
    )
    return range(first, first + n)


def generate_people(units: list[ScaleUnit], organizations: range, n: int, rng: random.Random) -> int:
    """n backbone members over the organizations (about n / organizations each)."""
    if not organizations or n <= 0:
        return 0
    now = timezone.now()
    genders = ("female", "male")

    def rows():
        count = len(organizations)
        for i in range(n):
            org_id = organizations[0] + (i % count if i < count * (n // count) else rng.randrange(count))
            year = 1985 + rng.randrange(22)
            with_id = rng.random() < 0.3
            born = datetime.date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
            yield (
                org_id,
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                genders[i & 1],
                year,
                born if with_id else None,
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                # 440000 plus the row number keeps (organization, id number) unique
                make_id_number(rng, f"44{i % 10000:04d}", born) if with_id else "",
                ROLES[rng.randrange(len(ROLES))],
                now,
            )

    return copy_rows(
        "orgs_backbonemember",
        [
            "organization_id",
            "name",
            "gender",
            "birth_year",
            "birth_date",
            "phone",
            "id_number",
            "role",
            "created_at",
        ],
        rows(),
    )


def generate_related(units: list[ScaleUnit], organizations: range, rng: random.Random) -> dict[str, int]:
    """Direct contacts, league building and contact logs, set-based in SQL from the loaded rows."""
    if not organizations:
        return {}
    lo, hi = organizations[0], organizations[-1]
    counts = {}
    with connection.cursor() as cursor:
        # Each unit directly contacts about 3% of the listed organizations it governs.
        cursor.execute(
            """INSERT INTO orgs_directcontact (unit_id, organization_id, since, note)
               SELECT governing_unit_id, id, DATE '2024-01-01' + (id %% 1000)::int, ''
               FROM orgs_organization WHERE id BETWEEN %s AND %s AND status = 'listed' AND id %% 33 = 0
               ON CONFLICT DO NOTHING""",
            [lo, hi],
        )
        counts["direct contacts"] = cursor.rowcount
        # League building in about 35% of the listed organizations (independent branches).
        cursor.execute(
            """WITH src AS (
                   SELECT id, governing_unit_id, name FROM orgs_organization
                   WHERE id BETWEEN %s AND %s AND status = 'listed' AND id %% 20 < 7),
               ins AS (
                   INSERT INTO orgs_leaguebuilding (unit_id, lead_organization_id, mode, form, branch_name,
                                                   founded_on, member_count, created_at)
                   SELECT governing_unit_id, id,
                          (ARRAY['embedded','hub','identity','project'])[1 + id %% 4],
                          (ARRAY['independent','building','area'])[1 + id %% 3],
                          left(name || '团支部', 100), DATE '2018-01-01' + (id %% 2900)::int, (3 + id %% 40)::int, now()
                   FROM src RETURNING id, lead_organization_id)
               INSERT INTO orgs_leaguebuilding_organizations (leaguebuilding_id, organization_id)
               SELECT id, lead_organization_id FROM ins""",
            [lo, hi],
        )
        counts["league building"] = cursor.rowcount
    return counts


def ensure_bench_users(units: list[ScaleUnit]) -> list[str]:
    """A province administrator and a city cadre (广州) for the benchmark."""
    from accounts.models import Membership, User

    by_code = {u.code: u for u in units}
    made = []
    for username, code, name in (("bench_province", "440000", "李省级"), ("bench_city", "440100", "王市级")):
        if code not in by_code:
            continue
        user, _created = User.objects.get_or_create(username=username, defaults={"full_name": name})
        Membership.objects.get_or_create(
            user=user, unit_id=by_code[code].id, defaults={"role": Membership.Role.ADMIN}
        )
        made.append(username)
    return made


class Timer:
    """Prints one progress line per stage with its duration."""

    def __init__(self, write: Callable[[str], None]):
        self.write = write
        self.started = time.perf_counter()

    def report(self, stage: str, seconds: float, rows: int) -> None:
        rate = f", {rows / seconds:,.0f} rows/s" if seconds > 0 and rows else ""
        self.write(
            f"[{time.perf_counter() - self.started:7.1f}s] {stage}: {rows:,} rows in {seconds:.1f}s{rate}"
        )
