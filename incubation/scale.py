"""Incubation data at provincial scale for `manage.py seed_scale` (its `generate(context)` hook).

In proportion to the generated tree and registry: a base for the province, two per city,
one per county and per university / department / migrant committee, and one in about four
towns out of ten (about 1,000 for 2,000 units, a tenth network-type); residents in every
stage (about one organization in ten ever incubated), two services logged per residency,
the checklist and ratings of half and a third of the bases, and a fund with its movements
for the province, every city and every county. Rows go in with COPY; the rules the
services enforce are kept by construction: capacity, one physical base per organization
at a time, one open application per base, outcomes on graduation, a balance never below
zero that equals the movements.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from .demo import CHECKLIST
from .models import ChecklistItem, Service

D = datetime.date
PHYSICAL_SERVICES = [s for s in Service.values if s != "network"]
OUTCOMES = ["{registered}", "{purchased_service}", "{backbone}", "{purchased_service,registered}"]


def _ids(table: str, n: int) -> list[int]:
    """Reserve `n` primary keys of `table` (its identity sequence), to COPY rows with them."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
        )
        return [row[0] for row in cursor.fetchall()]


def _date_between(rng: Any, start: D, end: D) -> D:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def generate(context: Any) -> None:
    """Bases, residencies with their service log, checklist results and ratings, funds with
    their movements, in that order (each step draws from `context.rng` in turn)."""
    now, today = timezone.now(), timezone.localdate()
    bases = _generate_bases(context, now)
    _generate_residencies(context, bases, today, now)
    _generate_checklist_and_ratings(context, bases, today)
    _generate_funds(context, bases, today, now)
    with connection.cursor() as cursor:
        for table in (
            "incubationbase",
            "residency",
            "servicedelivery",
            "incubationfund",
            "fundmovement",
            "basechecklistresult",
            "baserating",
        ):
            cursor.execute(f"ANALYZE incubation_{table}")


# Bases ------------------------------------------------------------------------------------
def _base_counts(context: Any) -> list[tuple[Any, int]]:
    """How many bases each unit owns: two per city, one per other unit, four towns in ten."""
    specs: list[tuple[Any, int]] = []
    for unit in context.units:
        if unit.level == "province":
            specs.append((unit, 1))
        elif unit.level == "city" and unit.kind == "regional":
            specs.append((unit, 2))
        elif unit.level == "town":
            if context.rng.random() < 0.4:
                specs.append((unit, 1))
        else:
            specs.append((unit, 1))
    return specs


def _base_row(rng: Any, base: dict[str, Any], unit: Any, index: int, now: Any) -> tuple:
    network = base["network"]
    short = unit.name.removesuffix("团委").removesuffix("团工委")
    suffix = "网络亲青家园" if network else ("亲青家园" if index == 0 else f"第{index + 1}亲青家园")
    services = ["network", "training"] if network else rng.sample(PHYSICAL_SERVICES, rng.randint(3, 7))
    return (
        base["id"],
        f"{short}{suffix}",
        unit.id,
        "network" if network else "physical",
        "" if network else f"{short}青年中心",
        None if network else Decimal(f"{22 + rng.random() * 3:.6f}"),
        None if network else Decimal(f"{110 + rng.random() * 6.5:.6f}"),
        None if network else Decimal(rng.randint(80, 1500)),
        base["stations"],
        "{" + ",".join(sorted(services)) + "}",
        base["opened"],
        "",
        "",
        "",
        1,
        now,
        now,
    )


def _generate_bases(context: Any, now: Any) -> list[dict[str, Any]]:
    """COPY the bases; return what the later steps need of each (id, owner, capacity...)."""
    rng = context.rng
    started = time.perf_counter()
    specs = _base_counts(context)
    base_ids = iter(_ids("incubation_incubationbase", sum(n for _unit, n in specs)))
    bases: list[dict[str, Any]] = []
    rows = []
    for unit, n in specs:
        for index in range(n):
            network = rng.random() < 0.1
            base = {
                "id": next(base_ids),
                "unit_path": unit.path,
                "network": network,
                "stations": None if network else rng.randint(5, 30),
                "opened": _date_between(rng, D(2012, 3, 1), D(2024, 12, 31)),
            }
            bases.append(base)
            rows.append(_base_row(rng, base, unit, index, now))
    context.copy_rows(
        "incubation_incubationbase",
        [
            "id",
            "name",
            "unit_id",
            "base_type",
            "address",
            "latitude",
            "longitude",
            "floor_area",
            "work_stations",
            "services",
            "opened_on",
            "description",
            "paired_group_name",
            "paired_group_contact",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    context.report("incubation bases", time.perf_counter() - started, len(rows))
    return bases


# Residencies and the service log ----------------------------------------------------------
STAGES = ["graduated"] * 4 + ["exited"] + ["declined"] + ["applied"] * 2


def _residency_plan(rng: Any, base: dict[str, Any]) -> list[str]:
    """The stages of a base's residencies: its residents now, then closed or open applications."""
    capacity = base["stations"] or rng.randint(5, 20)
    occupied = rng.randint(0, capacity)
    plan = ["incubating"] * (occupied * 2 // 3) + ["admitted"] * (occupied - occupied * 2 // 3)
    plan += [rng.choice(STAGES) for _ in range(rng.randint(2, 2 * capacity))]
    return plan


def _residency_row(rng: Any, base: dict[str, Any], org: int, stage: str, today: D, now: Any) -> tuple:
    """One residency at `stage`, its dates in order and never after today."""
    applied = _date_between(rng, base["opened"], today - datetime.timedelta(days=30))
    admitted: D | None = None
    started_on: D | None = None
    ended: D | None = None
    outcomes, reason = "{}", ""
    if stage not in ("applied", "declined"):
        admitted = min(today, applied + datetime.timedelta(days=rng.randint(3, 30)))
    if admitted is not None and stage in ("incubating", "graduated", "exited"):
        started_on = min(today, admitted + datetime.timedelta(days=rng.randint(0, 20)))
    if started_on is not None and stage in ("graduated", "exited"):
        ended = min(today, started_on + datetime.timedelta(days=rng.randint(90, 720)))
    if stage == "declined":
        ended, reason = min(today, applied + datetime.timedelta(days=14)), "暂不符合入驻条件"
    if stage == "exited":
        reason = "组织暂停活动"
    if stage == "graduated":
        outcomes = rng.choice(OUTCOMES)
    physical = not base["network"]
    return (base["id"], org, stage, physical, applied, admitted, started_on, ended, outcomes, reason, "", now)


def _residencies_of(
    rng: Any, base: dict[str, Any], org_ids: Any, resident_physical: set[int], today: D, now: Any
) -> list[tuple]:
    """A base's residencies; an organization is resident in one physical base at a time."""
    physical = not base["network"]
    rows = []
    seen: set[int] = set()
    for stage in _residency_plan(rng, base):
        org = org_ids[rng.randrange(len(org_ids))] if len(org_ids) else None
        if org is None or org in seen:
            continue
        if stage in ("admitted", "incubating") and physical:
            if org in resident_physical:
                continue
            resident_physical.add(org)
        seen.add(org)
        rows.append(_residency_row(rng, base, org, stage, today, now))
    return rows


def _generate_residencies(context: Any, bases: list[dict[str, Any]], today: D, now: Any) -> None:
    rng = context.rng
    started = time.perf_counter()
    resident_physical: set[int] = set()  # organizations now resident in a physical base
    residencies: list[tuple] = []
    for base in bases:
        residencies += _residencies_of(rng, base, context.organization_ids, resident_physical, today, now)
    residency_ids = _ids("incubation_residency", len(residencies))
    context.copy_rows(
        "incubation_residency",
        [
            "id",
            "base_id",
            "organization_id",
            "status",
            "is_physical",
            "applied_on",
            "admitted_on",
            "started_on",
            "ended_on",
            "outcomes",
            "reason",
            "note",
            "created_at",
        ],
        ((rid, *row) for rid, row in zip(residency_ids, residencies, strict=True)),
    )
    deliveries: list[tuple] = []
    for rid, row in zip(residency_ids, residencies, strict=True):
        started_on, ended = row[6], row[7]
        if started_on is None:
            continue
        last = ended or today
        for _ in range(2):
            deliveries.append(
                (
                    rid,
                    rng.choice(PHYSICAL_SERVICES),
                    _date_between(rng, started_on, last),
                    "",
                    Decimal(rng.randint(1, 8)),
                    now,
                )
            )
    context.copy_rows(
        "incubation_servicedelivery",
        ["residency_id", "service_type", "date", "description", "hours", "created_at"],
        deliveries,
    )
    context.report("incubation residencies", time.perf_counter() - started, len(residencies))
    context.report("incubation services delivered", 0, len(deliveries))


# Checklist and ratings ---------------------------------------------------------------------
def _generate_checklist_and_ratings(context: Any, bases: list[dict[str, Any]], today: D) -> None:
    rng = context.rng
    started = time.perf_counter()
    for order, (code, text, weight) in enumerate(CHECKLIST):
        ChecklistItem.objects.update_or_create(
            code=code, defaults={"text": text, "weight": weight, "order": order}
        )
    items = list(ChecklistItem.objects.values_list("pk", flat=True))
    results, ratings = [], []
    for base in bases:
        if rng.random() < 0.5:
            checked = _date_between(rng, base["opened"], today)
            results += [(base["id"], item, rng.random() < 0.7, "", checked) for item in items]
        if rng.random() < 0.33:
            year = rng.randint(max(2012, base["opened"].year), today.year - 1 if today.year > 2012 else 2012)
            ratings.append((base["id"], year, rng.randint(1, 5), "星级评估", D(year, 12, 20)))
    context.copy_rows(
        "incubation_basechecklistresult", ["base_id", "item_id", "met", "note", "checked_on"], results
    )
    context.copy_rows("incubation_baserating", ["base_id", "year", "stars", "source", "rated_on"], ratings)
    context.report(
        "incubation checklist results and ratings", time.perf_counter() - started, len(results) + len(ratings)
    )


# Funds and their movements -------------------------------------------------------------------
def _bases_by_prefix(bases: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Each base under its owner's path prefixes of the upper levels, to choose grantees."""
    found: dict[str, list[int]] = {}
    for base in bases:
        for length in (9, 18, 27):
            if len(base["unit_path"]) >= length:
                found.setdefault(base["unit_path"][:length], []).append(base["id"])
    return found


def _fund_movements(
    rng: Any, fund_id: int, established: D, grantees: list[int], today: D, now: Any
) -> tuple[list[tuple], Decimal]:
    """Money raised, then grants that never overdraw it; the movements and the balance left."""
    movements: list[tuple] = []
    balance = Decimal("0.00")
    for _ in range(rng.randint(1, 3)):
        amount = Decimal(rng.randint(5, 200) * 10_000)
        balance += amount
        raised_on = _date_between(rng, established, established + datetime.timedelta(days=90))
        movements.append(
            (fund_id, "raised", amount, raised_on, "社会捐赠与财政配套", None, None, "", None, now)
        )
    for _ in range(rng.randint(0, 8) if grantees else 0):
        amount = Decimal(rng.randint(1, 50) * 2_000) + Decimal(rng.randint(0, 99)) / 100
        if amount > balance:
            break
        balance -= amount
        # Grants follow the money raised, so the running balance never dips below zero either.
        day = _date_between(rng, established + datetime.timedelta(days=91), today)
        movements.append(
            (
                fund_id,
                "granted",
                amount,
                day,
                "“亲青家园”配套培育基金",
                rng.choice(grantees),
                None,
                "办公会",
                day,
                now,
            )
        )
    return movements, balance


def _generate_funds(context: Any, bases: list[dict[str, Any]], today: D, now: Any) -> None:
    rng = context.rng
    started = time.perf_counter()
    fund_units = [
        u
        for u in context.units
        if u.level in ("province", "county") or (u.level == "city" and u.kind == "regional")
    ]
    fund_ids = _ids("incubation_incubationfund", len(fund_units))
    funds: list[tuple] = []
    movements: list[tuple] = []
    bases_by_prefix = _bases_by_prefix(bases)
    for fund_id, unit in zip(fund_ids, fund_units, strict=True):
        established = _date_between(rng, D(2012, 3, 1), D(2020, 12, 31))
        moved, balance = _fund_movements(
            rng, fund_id, established, bases_by_prefix.get(unit.path, []), today, now
        )
        movements += moved
        funds.append(
            (fund_id, unit.id, f"{unit.name.removesuffix('团委')}孵化基金", established, "", balance, 1, now)
        )
    context.copy_rows(
        "incubation_incubationfund",
        ["id", "unit_id", "name", "established_on", "description", "balance", "version", "created_at"],
        funds,
    )
    context.copy_rows(
        "incubation_fundmovement",
        [
            "fund_id",
            "kind",
            "amount",
            "date",
            "purpose",
            "grantee_base_id",
            "grantee_organization_id",
            "approved_by",
            "disbursed_on",
            "created_at",
        ],
        movements,
    )
    context.report(
        "incubation funds and movements", time.perf_counter() - started, len(funds) + len(movements)
    )
