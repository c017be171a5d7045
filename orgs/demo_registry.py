"""Demo registry data: a few hundred youth organizations over the Guangdong demo tree.

Deterministic (a seeded random generator) and idempotent: organizations are keyed by name
within their governing unit; related records are added only for organizations created in
this run, so running `seed_demo` again changes nothing. Shared name parts and generators
are reused by `seed_scale`.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import (
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
    StatusChange,
    name_initials,
)
from .validators import credit_code_check_char, id_number_check_char

Org = Organization
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢钟"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓燕",
    "志强",
    "嘉欣",
    "子轩",
    "浩然",
    "梓涵",
    "一鸣",
    "思远",
    "雨桐",
    "俊杰",
    "婉婷",
    "家豪",
    "慧敏",
    "文博",
    "佳琪",
    "泽宇",
    "欣怡",
    "宇航",
]
ROLES = ["会长", "副会长", "秘书长", "理事", "项目主管", "志愿者队长", "财务负责人"]

# (theme, category, service fields): names of tier-N organizations are place + theme.
THEMES: list[tuple[str, str, list[str]]] = [
    ("青年读书会", Org.Category.INTEREST, ["culture_sports", "education"]),
    ("青年摄影协会", Org.Category.INTEREST, ["culture_sports"]),
    ("青年户外运动社", Org.Category.INTEREST, ["culture_sports", "health"]),
    ("青年街舞团", Org.Category.INTEREST, ["culture_sports"]),
    ("醒狮队", Org.Category.INTEREST, ["culture_sports", "community"]),
    ("龙舟协会", Org.Category.INTEREST, ["culture_sports"]),
    ("青年粤剧社", Org.Category.INTEREST, ["culture_sports"]),
    ("外来务工青年互助会", Org.Category.MUTUAL_AID, ["migrant_youth", "community"]),
    ("青年妈妈互助社", Org.Category.MUTUAL_AID, ["children", "community"]),
    ("青年心理互助会", Org.Category.MUTUAL_AID, ["health"]),
    ("助学志愿服务队", Org.Category.PUBLIC_WELFARE, ["education", "children", "poverty_relief"]),
    ("环保志愿服务队", Org.Category.PUBLIC_WELFARE, ["ecology"]),
    ("关爱留守儿童服务队", Org.Category.PUBLIC_WELFARE, ["children", "migrant_youth"]),
    ("长者关怀服务社", Org.Category.PUBLIC_WELFARE, ["elderly", "community"]),
    ("助残志愿服务队", Org.Category.PUBLIC_WELFARE, ["disability"]),
    ("青年法律援助服务队", Org.Category.PUBLIC_WELFARE, ["legal_aid"]),
    ("应急救援志愿队", Org.Category.PUBLIC_WELFARE, ["emergency", "health"]),
    ("青年创业者联盟", Org.Category.EMPLOYMENT, ["employment"]),
    ("青年创客空间", Org.Category.EMPLOYMENT, ["employment", "science"]),
    ("青年电商协会", Org.Category.EMPLOYMENT, ["employment"]),
]
ENTERPRISES = ["青年公益咖啡馆", "助残烘焙坊", "青创手作工坊", "绿色回收工坊"]
BODY_NAMES: dict[str, str] = {
    Org.Body.YOUTH_FEDERATION: "青年联合会",
    Org.Body.YOUNG_ENTREPRENEURS: "青年商会",
    Org.Body.VOLUNTEERS: "义工联合会",
    Org.Body.STUDENT_FEDERATION: "学生联合会",
    Org.Body.YOUTH_SCIENCE: "青年科技工作者协会",
    Org.Body.FEDERATION: "青年社会组织联合会",
}
BODY_CATEGORY: dict[str, tuple[str, list[str]]] = {
    Org.Body.YOUTH_FEDERATION: (Org.Category.PUBLIC_WELFARE, ["community"]),
    Org.Body.YOUNG_ENTREPRENEURS: (Org.Category.EMPLOYMENT, ["employment"]),
    Org.Body.VOLUNTEERS: (Org.Category.PUBLIC_WELFARE, ["elderly", "community", "children"]),
    Org.Body.STUDENT_FEDERATION: (Org.Category.INTEREST, ["education"]),
    Org.Body.YOUTH_SCIENCE: (Org.Category.EMPLOYMENT, ["science"]),
    Org.Body.FEDERATION: (Org.Category.MUTUAL_AID, ["community"]),
    Org.Body.MIGRANT_COMMITTEE: (Org.Category.MUTUAL_AID, ["migrant_youth"]),
}
HOME_PROVINCES = ["湖南", "广西", "江西", "四川", "湖北", "河南", "贵州"]
# The named organizations of the brief, by governing unit code.
FIXED: list[tuple[str, str, str, str, str, str, list[str]]] = [
    (
        "442000",
        "中山市青年创业协会",
        Org.Tier.N,
        "",
        Org.Kind.SOCIAL_ORGANIZATION,
        Org.Category.EMPLOYMENT,
        ["employment"],
    ),
    (
        "442000",
        "中山青年义工联",
        Org.Tier.FIVE,
        Org.Body.VOLUNTEERS,
        "",
        Org.Category.PUBLIC_WELFARE,
        ["elderly", "community"],
    ),
    (
        "442000012",
        "古镇灯饰青年商会",
        Org.Tier.FIVE,
        Org.Body.YOUNG_ENTREPRENEURS,
        "",
        Org.Category.EMPLOYMENT,
        ["employment"],
    ),
    (
        "442000007",
        "小榄义工联合会",
        Org.Tier.FIVE,
        Org.Body.VOLUNTEERS,
        "",
        Org.Category.PUBLIC_WELFARE,
        ["elderly", "children"],
    ),
    (
        "442000001",
        "石岐青年读书会",
        Org.Tier.N,
        "",
        Org.Kind.SOCIAL_ORGANIZATION,
        Org.Category.INTEREST,
        ["culture_sports", "education"],
    ),
]
REP_ORGANIZATION = "石岐青年读书会"  # the demo user org_rep represents it
STATUS_WEIGHTS = [
    (Org.Status.LISTED, 70),
    (Org.Status.PENDING, 10),
    (Org.Status.RETURNED, 5),
    (Org.Status.REJECTED, 5),
    (Org.Status.SUSPENDED, 5),
    (Org.Status.DISSOLVED, 5),
]
# GB 32100: 5 = civil affairs; 1 social group, 2 non-enterprise, 3 foundation
REGISTRATION_PREFIX: dict[str, str] = {
    Org.RegistrationStatus.SOCIAL_GROUP: "51",
    Org.RegistrationStatus.NON_ENTERPRISE: "52",
    Org.RegistrationStatus.FOUNDATION: "53",
}


def short_place(name: str) -> str:
    """石岐区 → 石岐, 古镇镇 → 古镇, 中山市 → 中山, 火炬开发区 → 火炬开发区."""
    for suffix in ("街道", "市", "区", "县", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def make_credit_code(registration_status: str, area_code: str, serial: int) -> str:
    body = f"{REGISTRATION_PREFIX[registration_status]}{area_code[:6]:0<6}{serial % 10**9:09d}"
    return body + credit_code_check_char(body)


def make_id_number(rng: random.Random, area_code: str, born: datetime.date) -> str:
    body = f"{area_code[:6]:0<6}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_number_check_char(body)


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max(1, (end - start).days)))


def organization_spec(
    rng: random.Random, unit: LeagueUnit, area_code: str, serial: int, today: datetime.date
) -> dict[str, Any]:
    """One synthetic organization's fields (name excluded), realistic in its mix."""
    registration = rng.choices(
        [
            Org.RegistrationStatus.UNREGISTERED,
            Org.RegistrationStatus.SOCIAL_GROUP,
            Org.RegistrationStatus.NON_ENTERPRISE,
            Org.RegistrationStatus.FOUNDATION,
        ],
        [45, 25, 25, 5],
    )[0]
    founded = random_date(rng, datetime.date(2005, 1, 1), today - datetime.timedelta(days=60))
    registered_on = None
    credit_code = ""
    if registration != Org.RegistrationStatus.UNREGISTERED:
        credit_code = make_credit_code(registration, area_code, serial)
        if rng.random() < 0.6:  # became registered while in the registry: 实体化
            registered_on = random_date(rng, max(founded, datetime.date(2024, 1, 1)), today)
    status = rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]
    youth = int(rng.lognormvariate(5.0, 1.1))
    created = random_date(rng, datetime.date(2025, 1, 1), today)
    return {
        "registration_status": registration,
        "credit_code": credit_code,
        "founded_on": founded,
        "registered_on": registered_on,
        "youth_covered": min(youth, 50000),
        "status": status,
        "contact_person": person_name(rng),
        "phone": mobile(rng),
        "address": f"{unit.name}{rng.randrange(1, 300)}号",
        "created_at": timezone.make_aware(
            datetime.datetime.combine(created, datetime.time(9, rng.randrange(60)))
        ),
        "submitted_at": None,
    }


def names_for_unit(
    rng: random.Random, unit: LeagueUnit, count: int, migrant: bool = False
) -> list[tuple[str, str, str, str, str, list[str]]]:
    """(name, tier, body, kind, category, service fields) for `count` organizations of a unit."""
    place = short_place(unit.name)
    result: list[tuple[str, str, str, str, str, list[str]]] = []
    used: set[str] = set()

    def add(name: str, tier: str, body: str, kind: str, category: str, fields: list[str]) -> None:
        if name not in used and len(result) < count:
            used.add(name)
            result.append((name, tier, body, kind, category, fields))

    if migrant:
        for province in HOME_PROVINCES[:2]:
            add(
                f"{province}驻{place}青年团工委",
                Org.Tier.TWO,
                Org.Body.MIGRANT_COMMITTEE,
                "",
                *BODY_CATEGORY[Org.Body.MIGRANT_COMMITTEE],
            )
    bodies = list(BODY_NAMES)
    rng.shuffle(bodies)
    for body in bodies[: max(1, count // 6)]:
        tier = Org.Tier.TWO if body == Org.Body.FEDERATION else Org.Tier.FIVE
        add(f"{place}{BODY_NAMES[body]}", tier, body, "", *BODY_CATEGORY[body])
    if count >= 4:
        add(
            f"{place}青年社区学院",
            Org.Tier.N,
            "",
            Org.Kind.COMMUNITY_COLLEGE,
            Org.Category.INTEREST,
            ["education", "community"],
        )
        enterprise = rng.choice(ENTERPRISES)
        add(
            f"{place}{enterprise}",
            Org.Tier.N,
            "",
            Org.Kind.SOCIAL_ENTERPRISE,
            Org.Category.EMPLOYMENT,
            ["employment", "disability"],
        )
    themes = THEMES[:]
    rng.shuffle(themes)
    attempt = 0
    while len(result) < count and attempt < count * 4:
        theme, category, fields = themes[attempt % len(themes)]
        prefix = place if attempt < len(themes) else f"{place}{'东南西北中'[attempt // len(themes) % 5]}区"
        add(f"{prefix}{theme}", Org.Tier.N, "", Org.Kind.SOCIAL_ORGANIZATION, category, fields)
        attempt += 1
    return result


# How many organizations each part of the demo tree gets.
def demo_plan(units: dict[str, LeagueUnit]) -> list[tuple[LeagueUnit, int, bool]]:
    by_parent: dict[int, list[LeagueUnit]] = {}
    for unit in units.values():
        if unit.parent_id:
            by_parent.setdefault(unit.parent_id, []).append(unit)
    plan: list[tuple[LeagueUnit, int, bool]] = [(units["440000"], 6, False), (units["442000"], 14, True)]
    plan += [(units[f"442000{i:03d}"], 6, False) for i in range(1, 25)]  # 中山's 24 towns
    for code, city_count, per_county, counties in (
        ("440600", 8, 6, 5),  # 佛山
        ("440100", 8, 4, 6),  # 广州
        ("440300", 6, 4, 5),  # 深圳
        ("440800", 5, 3, 3),  # 湛江
        ("441400", 5, 3, 2),  # 梅州
        ("440200", 4, 0, 0),  # 韶关
        ("441800", 4, 0, 0),  # 清远
    ):
        city = units[code]
        plan.append((city, city_count, code == "440600"))
        children = sorted(
            (u for u in by_parent.get(city.pk, []) if u.kind == LeagueUnit.Kind.REGIONAL),
            key=lambda u: u.code or "",
        )
        plan += [(child, per_county, False) for child in children[:counties]]
    return plan


@transaction.atomic
def seed_registry(units: dict[str, LeagueUnit]) -> int:
    """Create the demo organizations and their records; returns how many were created."""
    rng = random.Random(2026)  # noqa: S311 - seeded demo data, not a secret
    today = timezone.localdate()
    existing = set(Organization.objects.values_list("governing_unit_id", "name"))
    specs: list[Organization] = []
    serial = 0
    for code, name, tier, body, kind, category, fields in FIXED:
        unit = units[code]
        serial += 1
        spec = organization_spec(rng, unit, unit.code or "440000", serial, today)
        spec.update(status=Org.Status.LISTED, youth_covered=max(spec["youth_covered"], 1200))
        specs.append(
            Org(
                name=name,
                governing_unit=unit,
                tier=tier,
                body=body,
                kind=kind,
                category=category,
                service_fields=fields,
                **spec,
            )
        )
    fixed_names = {(units[c].pk, n) for c, n, *_rest in FIXED}
    for unit, count, migrant in demo_plan(units):
        area = (unit.code or "440000")[:6]
        for name, tier, body, kind, category, fields in names_for_unit(rng, unit, count, migrant):
            serial += 1
            spec = organization_spec(rng, unit, area, serial, today)
            if (unit.pk, name) in fixed_names:
                continue
            specs.append(
                Org(
                    name=name,
                    governing_unit=unit,
                    tier=tier,
                    body=body,
                    kind=kind,
                    category=category,
                    service_fields=fields,
                    **spec,
                )
            )
    new = [o for o in specs if (o.governing_unit_id, o.name) not in existing]
    for org in new:
        org.name_initials = name_initials(org.name)
        if org.status in (Org.Status.PENDING, Org.Status.RETURNED):
            org.submitted_at = org.created_at
    created = Organization.objects.bulk_create(new)
    if not created:
        _attach_representative()
        return 0
    _status_history(rng, created)
    _backbone_members(rng, created)
    _direct_contacts(rng, units, created, today)
    _league_building(rng, created, today)
    _contact_logs(rng, units, created, today)
    _attach_representative()
    return len(created)


def _cadres() -> dict[str, User]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["gd_admin", "zs_cadre", "fs_cadre", "guzhen_cadre"])
    }


def _status_history(rng: random.Random, orgs: list[Organization]) -> None:
    cadres = _cadres()
    reviewer = cadres.get("zs_cadre")
    rows = []
    reasons: dict[str, str] = {
        Org.Status.RETURNED: "请补充组织章程和负责人信息",
        Org.Status.REJECTED: "非青年社会组织，不予入库",
        Org.Status.SUSPENDED: "连续半年未开展活动",
        Org.Status.DISSOLVED: "组织已自行解散",
    }
    for org in orgs:
        at = org.created_at
        rows.append(StatusChange(organization=org, from_status="", to_status=Org.Status.PENDING, at=at))
        if org.status == Org.Status.PENDING:
            continue
        first = (
            Org.Status.LISTED
            if org.status in (Org.Status.LISTED, Org.Status.SUSPENDED, Org.Status.DISSOLVED)
            else org.status
        )
        at = at + datetime.timedelta(days=rng.randrange(1, 10))
        rows.append(
            StatusChange(
                organization=org,
                from_status=Org.Status.PENDING,
                to_status=first,
                by=reviewer,
                at=at,
                reason=reasons.get(first, ""),
            )
        )
        if org.status in (Org.Status.SUSPENDED, Org.Status.DISSOLVED):
            rows.append(
                StatusChange(
                    organization=org,
                    from_status=Org.Status.LISTED,
                    to_status=org.status,
                    by=reviewer,
                    at=at + datetime.timedelta(days=30),
                    reason=reasons[org.status],
                )
            )
    StatusChange.objects.bulk_create(rows)


def _backbone_members(rng: random.Random, orgs: list[Organization]) -> None:
    rows = []
    for org in orgs:
        if org.status in (Org.Status.REJECTED,):
            continue
        for _i in range(rng.randrange(2, 6)):
            born = random_date(rng, datetime.date(1988, 1, 1), datetime.date(2006, 12, 31))
            with_id = rng.random() < 0.5
            rows.append(
                BackboneMember(
                    organization=org,
                    name=person_name(rng),
                    gender=rng.choice([BackboneMember.Gender.FEMALE, BackboneMember.Gender.MALE]),
                    birth_year=born.year,
                    birth_date=born if with_id else None,
                    phone=mobile(rng),
                    id_number=make_id_number(rng, (org.governing_unit.code or "440000"), born)
                    if with_id
                    else "",
                    role=rng.choice(ROLES),
                )
            )
    BackboneMember.objects.bulk_create(rows, ignore_conflicts=True)


def _entered(day: datetime.date) -> datetime.datetime:
    """When a demo record was entered in the portal: the day after its typed date (never in
    the future), so that targets, which count by entry time, see a year of use."""
    at = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(10)))
    return min(at, timezone.now())


def _contact(unit: LeagueUnit, org: Organization, since: datetime.date) -> DirectContact:
    return DirectContact(unit=unit, organization=org, since=since, created_at=_entered(since))


def _direct_contacts(
    rng: random.Random, units: dict[str, LeagueUnit], orgs: list[Organization], today: datetime.date
) -> None:
    listed = [o for o in orgs if o.status == Org.Status.LISTED]
    rows = []
    province, zhongshan = units["440000"], units["442000"]
    in_zhongshan = [o for o in listed if o.governing_unit.path.startswith(zhongshan.path)]
    for org in rng.sample(in_zhongshan, min(32, len(in_zhongshan))):
        rows.append(_contact(zhongshan, org, random_date(rng, datetime.date(2025, 1, 1), today)))
    for org in rng.sample(listed, min(10, len(listed))):
        rows.append(_contact(province, org, random_date(rng, datetime.date(2025, 1, 1), today)))
    # Towns and districts contact a few of their own organizations.
    for org in listed:
        if (
            org.governing_unit.level in (LeagueUnit.Level.TOWN, LeagueUnit.Level.COUNTY)
            and rng.random() < 0.35
        ):
            rows.append(_contact(org.governing_unit, org, random_date(rng, datetime.date(2025, 1, 1), today)))
    DirectContact.objects.bulk_create(rows, ignore_conflicts=True)


def _league_building(rng: random.Random, orgs: list[Organization], today: datetime.date) -> None:
    listed = [o for o in orgs if o.status == Org.Status.LISTED]
    by_unit: dict[int, list[Organization]] = {}
    for org in listed:
        by_unit.setdefault(org.governing_unit_id, []).append(org)
    buildings: list[tuple[LeagueBuilding, list[Organization]]] = []
    for unit_orgs in by_unit.values():
        share = 0.5 if unit_orgs[0].governing_unit.path.count(".") >= 2 else 0.3
        pool = [o for o in unit_orgs if rng.random() < share]
        while pool:
            lead = pool.pop()
            if pool and rng.random() < 0.25:  # 联合建团: two or three small organizations share a branch
                members = [lead] + [pool.pop() for _i in range(min(len(pool), rng.randrange(1, 3)))]
                form = LeagueBuilding.Form.JOINT
                branch = f"{short_place(lead.governing_unit.name)}青年社会组织联合团支部"
            else:
                members = [lead]
                form = rng.choice(
                    [LeagueBuilding.Form.INDEPENDENT, LeagueBuilding.Form.BUILDING, LeagueBuilding.Form.AREA]
                )
                branch = f"{lead.name}团支部"
            founded = random_date(
                rng, max(lead.founded_on or datetime.date(2020, 1, 1), datetime.date(2020, 1, 1)), today
            )
            building = LeagueBuilding(
                unit_id=lead.governing_unit_id,
                lead_organization=lead,
                mode=rng.choice(list(LeagueBuilding.Mode.values)),
                form=form,
                branch_name=branch,
                founded_on=founded,
                member_count=rng.randrange(3, 40),
                created_at=_entered(founded),
            )
            buildings.append((building, members))
    LeagueBuilding.objects.bulk_create([b for b, _m in buildings])
    through = LeagueBuilding.organizations.through
    through.objects.bulk_create(
        [through(leaguebuilding_id=b.pk, organization_id=o.pk) for b, members in buildings for o in members]
    )


def _contact_logs(
    rng: random.Random, units: dict[str, LeagueUnit], orgs: list[Organization], today: datetime.date
) -> None:
    cadres = _cadres()
    plan = [
        ("zs_cadre", "442000"),
        ("guzhen_cadre", "442000012"),
        ("fs_cadre", "440600"),
        ("gd_admin", "440000"),
    ]
    listed = [o for o in orgs if o.status == Org.Status.LISTED]
    rows = []
    for username, code in plan:
        cadre, unit = cadres.get(username), units[code]
        if cadre is None:
            continue
        mine = [o for o in listed if o.governing_unit.path.startswith(unit.path)]
        for org in rng.sample(mine, min(12, len(mine))):
            kind = rng.choices(list(ContactLog.Kind.values), [6, 2, 2, 1])[0]
            rows.append(
                ContactLog(
                    organization=org,
                    cadre=cadre,
                    unit=unit,
                    date=(visited := random_date(rng, datetime.date(today.year, 1, 1), today)),
                    created_at=_entered(visited),
                    kind=kind,
                    days=Decimal(rng.choice(["0.5", "1.0", "1.0", "1.5", "2.0"])),
                    note=rng.choice(
                        [
                            "了解组织近况和需求",
                            "参加组织开展的公益活动",
                            "座谈交流，指导建团工作",
                            "协助筹备年度活动",
                        ]
                    ),
                )
            )
    ContactLog.objects.bulk_create(rows)


def _attach_representative() -> None:
    user = User.objects.filter(username="org_rep").first()
    org = Organization.objects.filter(name=REP_ORGANIZATION).first()
    if user is not None and org is not None:
        org.representatives.add(user)
