"""Co-building data at provincial scale for `manage.py seed_scale` (its `generate(context)` hook).

A committee for every subdistrict (town-level regional unit) of the generated tree, in
proportion to a real one: three communities, six member units of mixed affiliation, a chair
for each quarter of the year (one term in ten without an activity), activities with youth
organizations of the registry, a venue on the map, people around the standard (some
subdistricts short of it), working funds, a published plan for most, two joint meetings;
and the city's and the district's subsidies for half of the registry's league branches.
Rows go in with COPY; the rules the services enforce hold by construction (terms of three
months that never overlap, a chair who leads a member unit, one payment per branch and payer).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from hubportal.bulk import reserve_ids

from .models import BRANCH_SUBSIDY

D = datetime.date
AFFILIATIONS = ["agency", "institution", "enterprise", "new_economic", "new_social", "school"]
KINDS = [
    "youth_centre",
    "youth_hub",
    "youth_home",
    "service_centre",
    "new_citizen_school",
    "migrant_station",
    "small",
]
ACTIVITY_KINDS = ["project_fair", "salon", "conference", "volunteering", "training", "integration", "social"]
SURNAMES = "李王张刘陈杨黄赵周吴徐孙马朱胡郭何林罗梁"
GIVEN = ["晓明", "丽华", "志强", "静怡", "嘉豪", "雅婷", "俊杰", "佩珊", "文博", "思琪", "家乐", "欣怡"]
PROVINCE_BOX = ((21.6, 24.9), (110.4, 116.8))  # latitude, longitude of Guangdong, roughly


def _name(rng: Any) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _quarters(year: int) -> list[tuple[D, D]]:
    return [
        (D(year, 1, 1), D(year, 3, 31)),
        (D(year, 4, 1), D(year, 6, 30)),
        (D(year, 7, 1), D(year, 9, 30)),
        (D(year, 10, 1), D(year, 12, 31)),
    ]


def generate(context: Any) -> None:
    """Committees and all that hangs from them, then the branch subsidies."""
    rng, today, now = context.rng, timezone.localdate(), timezone.now()
    subdistricts = [u for u in context.units if u.level == "town" and u.kind == "regional"]
    committee_ids = reserve_ids("cobuilding_committee", len(subdistricts))
    orgs = context.organization_ids
    rows: dict[str, list[tuple[Any, ...]]] = {
        name: []
        for name in (
            "committee",
            "community",
            "memberunit",
            "chairterm",
            "activity",
            "activityorganization",
            "venue",
            "person",
            "funding",
            "workplan",
            "jointmeeting",
        )
    }
    counts = {
        "community": 3,
        "memberunit": 6,
        "venue": 1,
        "person": 32,
        "funding": 3,
        "activity": 4,
        "jointmeeting": 2,
    }
    ids = {name: iter(reserve_ids(f"cobuilding_{name}", n * len(subdistricts))) for name, n in counts.items()}
    extra_ids = {"chairterm": iter(reserve_ids("cobuilding_chairterm", 4 * len(subdistricts)))}
    plan_ids = iter(reserve_ids("cobuilding_workplan", len(subdistricts)))
    participation_ids = iter(reserve_ids("cobuilding_activityorganization", 8 * len(subdistricts)))
    year = today.year
    for unit, committee_id in zip(subdistricts, committee_ids, strict=True):
        rows["committee"].append(
            (
                committee_id,
                unit.id,
                f"{unit.name}区域团组织共建委员会",
                D(year - 1, 9, 1),
                f"{unit.name}党群服务中心",
                "林晓燕",
                "",
                "",
                1,
                now,
            )
        )
        communities = [next(ids["community"]) for _ in range(3)]
        rows["community"] += [
            (cid, committee_id, f"{unit.name}第{i + 1}社区", now) for i, cid in enumerate(communities)
        ]
        members = []
        for i in range(6):
            member_id, leader = next(ids["memberunit"]), _name(rng)
            members.append((member_id, leader))
            rows["memberunit"].append(
                (
                    member_id,
                    committee_id,
                    f"{unit.name}成员单位{i + 1}",
                    AFFILIATIONS[i],
                    f"成员单位{i + 1}团组织",
                    leader,
                    "团委书记",
                    leader,
                    "",
                    D(year - 1, 9, 1),
                    None,
                    1,
                    now,
                )
            )
        venue = next(ids["venue"])
        lat = Decimal(str(round(rng.uniform(*PROVINCE_BOX[0]), 6)))
        lng = Decimal(str(round(rng.uniform(*PROVINCE_BOX[1]), 6)))
        rows["venue"].append(
            (
                venue,
                committee_id,
                f"{unit.name}青年之家",
                rng.choice(KINDS),
                "cobuilt",
                f"{unit.name}文化中心",
                lat,
                lng,
                "9:00–21:00",
                "{volunteering,study}",
                "",
                D(year - 1, 10, 1),
                None,
                None,
                1,
                now,
            )
        )
        _people(
            rows["person"], ids["person"], committee_id, communities, [m for m, _l in members], rng, year, now
        )
        short = rng.random() < 0.25  # a quarter of the subdistricts is short of funds
        for i in range(1 if short else 2):
            rows["funding"].append(
                (
                    next(ids["funding"]),
                    committee_id,
                    year,
                    ["upper_league", "subdistrict"][i],
                    Decimal(rng.choice([8000, 12000, 15000])),
                    D(year, 3 + i, 10),
                    "",
                    now,
                )
            )
        if rng.random() < 0.8:
            rows["workplan"].append(
                (
                    next(plan_ids),
                    committee_id,
                    year,
                    f"{year}年工作计划",
                    "一、组织共建。\n二、阵地建设。",
                    "published",
                    now,
                    1,
                    now,
                )
            )
        for index, (start, end) in enumerate(_quarters(year)):
            member_id, leader = members[index]
            rows["chairterm"].append(
                (
                    next(extra_ids["chairterm"]),
                    committee_id,
                    member_id,
                    leader,
                    "团委书记",
                    start,
                    end,
                    "",
                    now,
                )
            )
            if start > today or rng.random() < 0.1:
                continue  # a term without an activity (or not begun)
            activity = next(ids["activity"])
            rows["activity"].append(
                (
                    activity,
                    committee_id,
                    f"{unit.name}第{index + 1}季度活动",
                    rng.choice(ACTIVITY_KINDS),
                    member_id,
                    min(start + datetime.timedelta(days=30), today),
                    f"{unit.name}青年之家",
                    venue,
                    rng.randrange(20, 120),
                    "",
                    1,
                    now,
                )
            )
            if len(orgs):
                for org in {orgs[rng.randrange(len(orgs))] for _ in range(2)}:
                    rows["activityorganization"].append((next(participation_ids), activity, org, None, now))
        for month in (1, 7):
            if D(year, month, 15) <= today:
                rows["jointmeeting"].append(
                    (
                        next(ids["jointmeeting"]),
                        committee_id,
                        D(year, month, 15),
                        "会议室",
                        "成员单位负责人",
                        "确定轮值主席。",
                        now,
                    )
                )
    _copy(context, rows)
    _subsidies(context, now, today)


def _people(
    out: list[tuple[Any, ...]],
    ids: Any,
    committee_id: int,
    communities: list[int],
    members: list[int],
    rng: Any,
    year: int,
    now: Any,
) -> None:
    """Cadres around ten, a social worker in most, external members around nine, a
    volunteer in most communities."""
    since = D(year - 1, 9, 1)
    roles = ["full_time_cadre"] * 2 + ["part_time_cadre"] * rng.randrange(6, 12)
    roles += ["social_worker"] * (rng.random() < 0.85) + ["external_member"] * rng.randrange(6, 12)
    for role in roles:
        member = members[rng.randrange(len(members))] if role != "full_time_cadre" else None
        out.append(
            (next(ids), committee_id, _name(rng), role, "", member, None, "", since, None, None, 1, now)
        )
    for community in communities:
        if rng.random() < 0.85:
            out.append(
                (
                    next(ids),
                    committee_id,
                    _name(rng),
                    "community_volunteer",
                    "",
                    None,
                    community,
                    "",
                    since,
                    None,
                    None,
                    1,
                    now,
                )
            )


COLUMNS = {
    "committee": [
        "id",
        "subdistrict_id",
        "name",
        "founded_on",
        "secretariat_address",
        "secretariat_contact",
        "secretariat_phone",
        "description",
        "version",
        "created_at",
    ],
    "community": ["id", "committee_id", "name", "created_at"],
    "memberunit": [
        "id",
        "committee_id",
        "name",
        "affiliation",
        "league_organization",
        "leader_name",
        "leader_title",
        "contact_person",
        "contact_phone",
        "joined_on",
        "left_on",
        "version",
        "created_at",
    ],
    "venue": [
        "id",
        "committee_id",
        "name",
        "kind",
        "setup",
        "address",
        "latitude",
        "longitude",
        "opening_hours",
        "offers",
        "description",
        "opened_on",
        "closed_on",
        "closed_at",
        "version",
        "created_at",
    ],
    "person": [
        "id",
        "committee_id",
        "name",
        "role",
        "position",
        "member_unit_id",
        "community_id",
        "phone",
        "started_on",
        "ended_on",
        "ended_at",
        "version",
        "created_at",
    ],
    "funding": ["id", "committee_id", "year", "source", "amount", "received_on", "note", "created_at"],
    "workplan": [
        "id",
        "committee_id",
        "year",
        "title",
        "content",
        "status",
        "published_at",
        "version",
        "created_at",
    ],
    "chairterm": [
        "id",
        "committee_id",
        "member_unit_id",
        "chair_name",
        "chair_title",
        "starts_on",
        "ends_on",
        "note",
        "created_at",
    ],
    "activity": [
        "id",
        "committee_id",
        "title",
        "kind",
        "organiser_id",
        "held_on",
        "place",
        "venue_id",
        "participants",
        "description",
        "version",
        "created_at",
    ],
    "activityorganization": ["id", "activity_id", "organization_id", "contact_log_id", "created_at"],
    "jointmeeting": ["id", "committee_id", "held_on", "place", "attendees", "decisions", "created_at"],
}


def _copy(context: Any, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    for name in COLUMNS:
        started = datetime.datetime.now()  # noqa: DTZ005 - a duration only
        written = context.copy_rows(f"cobuilding_{name}", COLUMNS[name], rows[name])
        context.report(f"cobuilding {name}", (datetime.datetime.now() - started).total_seconds(), written)  # noqa: DTZ005
    with connection.cursor() as cursor:
        for name in COLUMNS:
            cursor.execute(f"ANALYZE cobuilding_{name}")


def _subsidies(context: Any, now: Any, today: D) -> None:
    """The city's 300 yuan for half of the registry's league branches, the district's too
    where there is a district (one payment per branch and payer, by construction)."""
    by_path = {u.path: u for u in context.units}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.id, u.path, b.founded_on FROM orgs_leaguebuilding b JOIN orgs_leagueunit u ON u.id = b.unit_id ORDER BY b.id"
        )
        branches = cursor.fetchall()
    rows = []
    for building_id, path, founded in branches:
        if context.rng.random() < 0.5:
            continue
        ancestors = [by_path.get(path[: i * 9]) for i in range(1, len(path) // 9 + 1)]
        for payer, level in (("city", "city"), ("county", "county")):
            unit = next(
                (a for a in ancestors if a is not None and a.level == level and a.kind == "regional"), None
            )
            if unit is not None:
                rows.append(
                    (
                        building_id,
                        payer,
                        unit.id,
                        BRANCH_SUBSIDY,
                        max(founded, today - datetime.timedelta(days=90)),
                        "",
                        now,
                    )
                )
    written = context.copy_rows(
        "cobuilding_branchsubsidy",
        ["league_building_id", "payer", "payer_unit_id", "amount", "paid_on", "voucher", "created_at"],
        rows,
    )
    context.report("cobuilding branch subsidies", 0.0, written)
