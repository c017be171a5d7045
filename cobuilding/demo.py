"""Demo data of 区域化大团建: co-building committees in four 中山 towns and three 广州
subdistricts (北京街道, 农林街道 under 越秀区 and 石牌街道 under 天河区, added to the tree
here: the reference data stops at the districts), with their communities, member units of
every affiliation, chairs rotating through the year by quarter (东区's second-quarter chair
held no activity: the term is flagged), published plans, joint meetings, venues on the map,
people (农林街道 falls short of the standard: six cadres, no social worker, 12,000 yuan),
activities with the registry's youth organizations (each gets its contact-log entry) and
the Pudong-style subsidies of league branches founded in youth organizations.

Everything goes through the services, with a cadre of the city as the actor, so the demo
has the history and the effects of real use. Idempotent: a subdistrict that already has
its committee is left alone; a branch already paid is not paid again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from orgs.demo import DEMO_PASSWORD
from orgs.models import LeagueBuilding, LeagueUnit, Organization

from . import services
from .models import BranchSubsidy, Committee

D = datetime.date
Level, Kind = LeagueUnit.Level, LeagueUnit.Kind

# The Guangzhou subdistricts the demo adds below their districts: (code, name, district code).
GUANGZHOU_SUBDISTRICTS = [
    ("440104001", "北京街道", "440104"),
    ("440104002", "农林街道", "440104"),
    ("440106001", "石牌街道", "440106"),
]
SUBDISTRICT_CADRE = ("bjj_cadre", "林北京", "440104001")

# Per subdistrict: (unit code, committee name, communities, lat/lng of its venue, short of the standard)
COMMITTEES = [
    (
        "442000001",
        "石岐区区域团组织共建委员会",
        ["悦来社区", "太平社区", "民生社区"],
        (22.5220, 113.3830),
        False,
    ),
    (
        "442000002",
        "东区区域团组织共建委员会",
        ["长江社区", "起湾社区", "银湾社区"],
        (22.5170, 113.4080),
        False,
    ),
    ("442000007", "小榄镇区域团组织共建委员会", ["西区社区", "东区社区"], (22.6690, 113.2520), False),
    (
        "442000012",
        "古镇镇区域团组织共建委员会",
        ["海洲社区", "曹一社区", "冈东社区"],
        (22.6110, 113.1910),
        False,
    ),
    (
        "440104001",
        "北京街道区域团组织共建委员会",
        ["府学社区", "流水井社区", "都府社区"],
        (23.1250, 113.2700),
        False,
    ),
    ("440104002", "农林街道区域团组织共建委员会", ["东山口社区", "龟岗社区"], (23.1260, 113.2950), True),
    (
        "440106001",
        "石牌街道区域团组织共建委员会",
        ["华师社区", "暨大社区", "东风社区"],
        (23.1360, 113.3450),
        False,
    ),
]

# Member units: (suffix of the name, affiliation, league organization, leader, leader's title)
MEMBER_UNITS = [
    ("街道办事处", "agency", "街道机关团支部", "陈立新", "团支部书记"),
    ("社区卫生服务中心", "institution", "社区卫生服务中心团支部", "何美玲", "团支部书记"),
    ("供电局营业所", "enterprise", "供电所团支部", "梁志强", "团支部书记"),
    ("电子科技有限公司", "new_economic", "公司团委", "周俊杰", "团委书记"),
    ("青年志愿服务中心", "new_social", "志愿服务中心团支部", "黄晓婷", "团支部书记"),
    ("第一中学", "school", "学校团委", "吴家明", "团委书记"),
]
CADRE_NAMES = ["李", "王", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马"]
GIVEN = [
    "晓明",
    "丽华",
    "志强",
    "静怡",
    "嘉豪",
    "雅婷",
    "俊杰",
    "佩珊",
    "文博",
    "思琪",
    "家乐",
    "欣怡",
    "子轩",
]


def _person(i: int) -> str:
    return CADRE_NAMES[i % len(CADRE_NAMES)] + GIVEN[(i * 7) % len(GIVEN)]


def _actor(code: str) -> Any:
    """The city's cadre (中山) or the province's administrator (广州)."""
    username = "zs_cadre" if code.startswith("442000") else "gd_admin"
    return User.objects.filter(username=username).first() or User.objects.filter(is_superuser=True).first()


def seed_subdistricts(units: dict[str, LeagueUnit]) -> None:
    """The Guangzhou subdistricts of the demo, and a cadre of 北京街道 (idempotent)."""
    for code, name, district in GUANGZHOU_SUBDISTRICTS:
        if code in units or district not in units:
            continue
        unit = LeagueUnit.objects.filter(code=code).first()
        if unit is None:
            unit = LeagueUnit(
                code=code, name=name, parent=units[district], level=Level.TOWN, kind=Kind.REGIONAL
            )
            unit.save()
        units[code] = unit
    username, full_name, code = SUBDISTRICT_CADRE
    if code in units:
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "email": f"{username}@demo.hubportal.local"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, unit=units[code], defaults={"role": Membership.Role.EDITOR}
        )


def _quarters(year: int) -> list[tuple[D, D]]:
    return [
        (D(year, 1, 1), D(year, 3, 31)),
        (D(year, 4, 1), D(year, 6, 30)),
        (D(year, 7, 1), D(year, 9, 30)),
        (D(year, 10, 1), D(year, 12, 31)),
    ]


def _organizations(unit: LeagueUnit) -> list[Organization]:
    """Listed organizations near the subdistrict: its own, then its district's or city's."""
    nearby = list(Organization.objects.in_subtree(unit).listed().order_by("name", "pk")[:4])
    area = unit.parent
    if len(nearby) < 4 and area is not None:
        nearby += list(
            Organization.objects.in_subtree(area)
            .listed()
            .exclude(pk__in=[o.pk for o in nearby])
            .order_by("name", "pk")[: 4 - len(nearby)]
        )
    return nearby


def seed_committee(unit: LeagueUnit, spec: tuple[Any, ...], today: D) -> Committee | None:
    _code, name, communities, (lat, lng), short = spec
    actor = _actor(unit.code or "")
    if actor is None or Committee.objects.filter(subdistrict=unit).exists():
        return None
    year = today.year
    committee = services.create_committee(
        actor,
        {
            "subdistrict": unit.pk,
            "name": name,
            "founded_on": D(year - 1, 9, 1),
            "secretariat_address": f"{unit.name}团工委（{unit.name}党群服务中心三楼）",
            "secretariat_contact": "林晓燕",
            "secretariat_phone": "0760-88123456"
            if (unit.code or "").startswith("442000")
            else "020-83001234",
            "description": f"以{unit.name}团工委为核心，按属地就近原则组建，成员单位不分隶属关系，轮值主席每季度轮换。",
            "communities": communities,
        },
    )
    short_name = unit.name.removesuffix("街道").removesuffix("镇").removesuffix("区")
    members = [
        services.add_member_unit(
            actor,
            committee.pk,
            {
                "name": f"{short_name}{suffix}",
                "affiliation": affiliation,
                "league_organization": f"{short_name}{league}",
                "leader_name": leader,
                "leader_title": title,
                "contact_person": leader,
                "contact_phone": f"1380760{index:04d}",
                "joined_on": D(year - 1, 9, 1),
            },
        )
        for index, (suffix, affiliation, league, leader, title) in enumerate(MEMBER_UNITS)
    ]
    venue = services.create_venue(
        actor,
        committee.pk,
        {
            "name": f"{short_name}青年之家",
            "kind": "youth_home",
            "setup": "cobuilt",
            "address": f"{unit.name}文化中心二楼",
            "latitude": Decimal(str(lat)),
            "longitude": Decimal(str(lng)),
            "opening_hours": "周二至周日 9:00–21:00",
            "offers": ["integration", "employment", "volunteering", "study", "org_space"],
            "description": "共建单位共享的青年活动阵地，面向辖区所有青年开放，特别欢迎进城务工青年。",
            "opened_on": D(year - 1, 10, 1),
            "shared_by": [members[0].pk, members[3].pk],
        },
    )
    if not short:
        services.create_venue(
            actor,
            committee.pk,
            {
                "name": f"{short_name}流动团员联络站",
                "kind": "migrant_station",
                "setup": "plaque",
                "address": f"{members[3].name}厂区",
                "latitude": Decimal(str(round(lat + 0.006, 6))),
                "longitude": Decimal(str(round(lng - 0.005, 6))),
                "opening_hours": "工作日 12:00–14:00、18:00–20:00",
                "offers": ["integration", "social"],
                "opened_on": D(year - 1, 11, 15),
                "shared_by": [members[3].pk],
            },
        )
    _people(actor, committee, members, short, year)
    _plans_and_meetings(actor, committee, members, unit, year, today, short)
    _chairs_and_activities(actor, committee, members, venue, unit, today)
    services.record_funding(
        actor,
        committee.pk,
        {
            "year": year,
            "source": "upper_league",
            "amount": Decimal("12000.00"),
            "received_on": D(year, 3, 10),
            "note": "团区委拨付基本工作经费",
        },
    )
    if not short:
        services.record_funding(
            actor,
            committee.pk,
            {
                "year": year,
                "source": "subdistrict",
                "amount": Decimal("15000.00"),
                "received_on": D(year, 4, 20),
                "note": "街道财政配套",
            },
        )
        services.record_funding(
            actor,
            committee.pk,
            {
                "year": year,
                "source": "member_units",
                "amount": Decimal("3600.00"),
                "received_on": D(year, 6, 1),
                "note": "共建单位资助",
            },
        )
    return committee


def _people(actor: Any, committee: Committee, members: list[Any], short: bool, year: int) -> None:
    communities = list(committee.communities.order_by("name"))
    cadres = 6 if short else 11
    for i in range(cadres):
        services.add_person(
            actor,
            committee.pk,
            {
                "name": _person(i + committee.pk),
                "role": "full_time_cadre" if i < 2 else "part_time_cadre",
                "position": "书记" if i == 0 else ("副书记" if i < 3 else "委员"),
                "member_unit": members[i % len(members)].pk if i >= 2 else None,
                "phone": f"1390760{i:04d}",
                "started_on": D(year - 1, 9, 1),
            },
        )
    if not short:
        services.add_person(
            actor,
            committee.pk,
            {
                "name": "郑雨晴",
                "role": "social_worker",
                "position": "青年社工",
                "phone": "13560001111",
                "started_on": D(year - 1, 10, 8),
            },
        )
    for i in range(5 if short else 10):
        services.add_person(
            actor,
            committee.pk,
            {
                "name": _person(i + 40 + committee.pk),
                "role": "external_member",
                "position": "编制外委员",
                "member_unit": members[i % len(members)].pk,
                "started_on": D(year - 1, 9, 1),
            },
        )
    for i, community in enumerate(communities):
        if short and i > 0:
            break  # 农林街道: one community without its volunteer
        services.add_person(
            actor,
            committee.pk,
            {
                "name": _person(i + 80 + committee.pk),
                "role": "community_volunteer",
                "position": "社区志愿者",
                "community": community.pk,
                "started_on": D(year - 1, 11, 1),
            },
        )
    # A cadre who left: kept with the dates of the role, no longer counted.
    left = services.add_person(
        actor,
        committee.pk,
        {"name": "冯志远", "role": "part_time_cadre", "position": "委员", "started_on": D(year - 1, 9, 1)},
    )
    services.update_person(actor, left.pk, {"ended_on": D(year, 2, 28)}, left.version)


def _plans_and_meetings(
    actor: Any, committee: Committee, members: list[Any], unit: LeagueUnit, year: int, today: D, short: bool
) -> None:
    plan = services.create_work_plan(
        actor,
        committee.pk,
        {
            "year": year,
            "title": f"{unit.name}区域化大团建{year}年工作计划",
            "content": (
                f"一、组织共建：全年召开区域青年工作联席会议不少于4次，成员单位由{len(members)}家扩大到10家。\n"
                "二、轮值主席：按季度轮值，每位轮值主席任期内至少牵头开展一次活动。\n"
                "三、阵地建设：用好青年之家，探索楼宇、园区“小型青年阵地”共建挂牌。\n"
                "四、项目服务：开展公益项目洽谈会、亲青议事沙龙和新市民融入城市培训。\n"
                "五、经费保障：争取街道财政配套，确保基本工作经费不少于2万元。"
            ),
        },
    )
    if not short:
        services.publish_work_plan(actor, plan.pk)
    for month in (1, 4, 7, 10):
        held = D(year, month, 15)
        if held > today:
            break
        services.record_meeting(
            actor,
            committee.pk,
            {
                "held_on": held,
                "place": f"{unit.name}党群服务中心会议室",
                "member_units": [m.pk for m in members[: 4 + month % 3]],
                "attendees": "\n".join(f"{m.leader_name}（{m.name}{m.leader_title}）" for m in members[:4]),
                "decisions": f"一、确定第{(month - 1) // 3 + 1}季度轮值主席及活动安排；\n二、共享成员单位活动阵地；\n三、通报青年社会组织联系情况。",
            },
        )


ACTIVITY_PLAN = [
    ("公益项目洽谈会", "project_fair", 42),
    ("亲青议事：青年就业创业沙龙", "salon", 35),
    ("新市民融入城市培训", "integration", 60),
    ("社区志愿服务日", "volunteering", 80),
]


def _chairs_and_activities(
    actor: Any, committee: Committee, members: list[Any], venue: Any, unit: LeagueUnit, today: D
) -> None:
    """A chair a quarter through the year; each holds an activity once the term has begun,
    except 东区's second-quarter chair (the flagged term)."""
    organizations = _organizations(unit)
    flagged = unit.code == "442000002"
    for index, (start, end) in enumerate(_quarters(today.year)):
        member = members[index % len(members)]
        services.appoint_chair(
            actor, committee.pk, {"member_unit": member.pk, "starts_on": start, "ends_on": end}
        )
        if start > today or (flagged and index == 1):
            continue
        held = min(start + datetime.timedelta(days=40), today)
        title, kind, participants = ACTIVITY_PLAN[index % len(ACTIVITY_PLAN)]
        services.record_activity(
            actor,
            committee.pk,
            {
                "title": f"{unit.name}{title}",
                "kind": kind,
                "organiser": member.pk,
                "held_on": held,
                "place": venue.name,
                "venue": venue.pk,
                "participants": participants,
                "member_units": [m.pk for m in members[:3]],
                "organizations": [o.pk for o in organizations[index % 2 :: 2]][:2] if organizations else [],
                "description": f"由轮值主席{member.leader_name}（{member.name}）牵头组织。",
            },
        )


def seed_subsidies(today: D) -> None:
    """The city's and the district's 300 yuan for league branches founded in youth
    organizations of 中山 and 广州 (not yet paid; the district's only where there is one)."""
    actor = User.objects.filter(username="gd_admin").first()
    if actor is None:
        return
    cities = LeagueUnit.objects.filter(code__in=["442000", "440100"])
    for city in cities:
        for building in LeagueBuilding.objects.in_subtree(city).order_by("founded_on", "pk")[:4]:
            for payer in (BranchSubsidy.Payer.CITY, BranchSubsidy.Payer.COUNTY):
                if BranchSubsidy.objects.filter(league_building=building, payer=payer).exists():
                    continue
                if services._payer_unit(building, payer) is None:
                    continue  # 中山 has no district level: the city's payment only
                services.pay_branch_subsidy(
                    actor,
                    building.pk,
                    {
                        "payer": payer,
                        "paid_on": min(max(building.founded_on, today - datetime.timedelta(days=60)), today),
                        "voucher": f"{city.code}-{building.pk:05d}-{'S' if payer == 'city' else 'Q'}",
                    },
                )


def seed_targets() -> None:
    """The items of the standard the reporting demo leaves out, as targets of its programme
    (区域化大团建): a fixed volunteer in every community, the published plan, an activity in
    every chair's term."""
    if not apps.is_installed("reporting"):
        return
    from reporting.models import Comparator, Programme, TargetRule, Window

    programme = (
        Programme.objects.filter(owner__code="440000", name__startswith="区域化大团建")
        .order_by("-start_year")
        .first()
    )
    if programme is None:
        return
    targets = [
        (
            "每个社区至少1名相对固定的志愿者（%）",
            "cobuilding_community_volunteers",
            100,
            Comparator.GTE,
            Window.TO_DATE,
            4,
        ),
        ("每年年初制定工作计划并公示", "cobuilding_plans", 1, Comparator.GTE, Window.YEAR, 0),
        (
            "轮值主席任期内至少开展一次活动（未开展活动的任期）",
            "cobuilding_chairs_without_activity",
            0,
            Comparator.LTE,
            Window.YEAR,
            0,
        ),
    ]
    last = programme.rules.order_by("-order").values_list("order", flat=True).first() or 0
    for offset, (label, metric, threshold, comparator, window, years) in enumerate(targets, start=1):
        TargetRule.objects.update_or_create(
            programme=programme,
            label=label,
            defaults={
                "metric": metric,
                "comparator": comparator,
                "threshold": Decimal(threshold),
                "window": window,
                "deadline": D(programme.start_year + years, 12, 31),
                "levels": [Level.TOWN],
                "region": TargetRule.RegionScope.ANY,
                "kinds": [],
                "order": last + offset,
            },
        )


def seed(units: dict[str, LeagueUnit]) -> None:
    """Entry point of `manage.py seed_demo`; safe to run again."""
    today = timezone.localdate()
    with transaction.atomic():
        seed_subdistricts(units)
    for spec in COMMITTEES:
        unit = units.get(spec[0]) or LeagueUnit.objects.filter(code=spec[0]).first()
        if unit is None:
            continue
        with transaction.atomic():
            seed_committee(unit, spec, today)
    with transaction.atomic():
        seed_subsidies(today)
        seed_targets()
