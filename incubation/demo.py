"""Demo data of 亲青家园: the standard manual's checklist, bases at province, city and town
level (one network-type), residents in every stage drawn from the registry's demo
organizations, the province's 5,000,000-yuan fund with grants, and a 中山 fund.

Idempotent and deterministic: records are keyed by name (bases, checklist codes) or unit
(funds); residencies and movements are written once, through the services, only while
the base or fund has none. Without registry organizations no residency is created.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from orgs.models import LeagueUnit, Organization

from . import services
from .models import BaseChecklistResult, ChecklistItem, IncubationBase, IncubationFund, Residency

D = datetime.date

# 《“亲青家园”标准化建设手册》: the items a base is checked against, with their weights.
CHECKLIST = [
    ("A1", "有固定的办公场地，面积不少于100平方米", 3),
    ("A2", "统一挂牌“亲青家园”标识", 1),
    ("A3", "配备办公家具、网络等基本办公设施", 2),
    ("A4", "有专职或兼职管理人员", 2),
    ("B1", "建立入驻、孵化、出壳管理制度", 3),
    ("B2", "提供注册辅导、财务托管等专业服务", 3),
    ("B3", "建立入驻组织档案和服务台账", 2),
    ("C1", "与青联小组“小组基地一对一”结对", 2),
    ("C2", "每季度至少举办一次交流或培训活动", 2),
    ("C3", "承接或对接政府购买服务项目", 2),
]

ALL_PHYSICAL = [
    "free_office",
    "furniture_logistics",
    "registration",
    "financial_custody",
    "purchased_services",
    "training",
    "venue",
]


def _base_specs(units: dict[str, LeagueUnit]) -> list[dict[str, Any]]:
    by_name = {(u.parent_id, u.name): u for u in units.values()}
    zhongshan, foshan = units["442000"], units["440600"]
    xiaolan = by_name.get((zhongshan.pk, "小榄镇"))
    nanhai = units.get("440605")
    specs = [
        dict(
            unit=units["440000"],
            name="广东青年社会组织孵化中心",
            base_type="physical",
            work_stations=30,
            address="广州市天河区天河北路",
            latitude="23.145000",
            longitude="113.332000",
            floor_area="1200",
            opened_on=D(2012, 6, 1),
            services=ALL_PHYSICAL + ["network"],
            paired_group_name="省青联社会组织界别小组",
            paired_group_contact="省青联秘书处 020-87000000",
            description="团省委、省青联依托广州1850创意园建设的省级“亲青家园”，配套扶持市县“亲青家园”建设。",
        ),
        dict(
            unit=zhongshan,
            name="亲青家园·中山市青年社会组织孵化培育基地",
            base_type="physical",
            work_stations=20,
            address="中山市石岐区兴中道",
            latitude="22.517000",
            longitude="113.392000",
            floor_area="800",
            opened_on=D(2012, 5, 4),
            services=ALL_PHYSICAL,
            paired_group_name="中山市青联第一小组",
            paired_group_contact="陈委员 0760-88000000",
            description="中山市青年社会组织总部，为新成立的孵化组织提供办公、注册辅导和财务托管。",
        ),
        dict(
            unit=zhongshan,
            name="中山市网络亲青家园",
            base_type="network",
            work_stations=None,
            address="",
            latitude=None,
            longitude=None,
            floor_area=None,
            opened_on=D(2012, 9, 1),
            services=["network", "training", "registration"],
            paired_group_name="",
            paired_group_contact="",
            description="全市青年社会组织网站与论坛，为自组织提供展示、交流、对接的虚拟空间。",
        ),
        dict(
            unit=foshan,
            name="佛山市亲青家园",
            base_type="physical",
            work_stations=15,
            address="佛山市禅城区季华路",
            latitude="23.021500",
            longitude="113.121400",
            floor_area="600",
            opened_on=D(2012, 5, 20),
            services=["free_office", "furniture_logistics", "registration", "training"],
            paired_group_name="佛山市青联第二小组",
            paired_group_contact="黄委员 0757-83000000",
            description="",
        ),
        dict(
            unit=units["442000012"],
            name="古镇镇亲青家园",
            base_type="physical",
            work_stations=8,
            address="中山市古镇镇中兴大道",
            latitude="22.612000",
            longitude="113.190000",
            floor_area="260",
            opened_on=D(2012, 7, 1),
            services=["free_office", "venue", "training"],
            paired_group_name="中山市青联第四小组",
            paired_group_contact="梁委员 0760-22300000",
            description="依托古镇镇青年中心建设，服务灯饰行业青年。",
        ),
    ]
    if xiaolan is not None:
        specs.append(
            dict(
                unit=xiaolan,
                name="小榄镇亲青家园",
                base_type="physical",
                work_stations=6,
                address="中山市小榄镇升平中路",
                latitude="22.666000",
                longitude="113.250000",
                floor_area="180",
                opened_on=D(2012, 8, 1),
                services=["free_office", "registration", "venue"],
                paired_group_name="中山市青联第五小组",
                paired_group_contact="何委员 0760-22100000",
                description="",
            )
        )
    if nanhai is not None:
        specs.append(
            dict(
                unit=nanhai,
                name="南海桂城创益中心亲青家园",
                base_type="physical",
                work_stations=12,
                address="佛山市南海区桂城街道",
                latitude="23.033000",
                longitude="113.152000",
                floor_area="1000",
                opened_on=D(2012, 4, 1),
                services=["free_office", "purchased_services", "training", "venue"],
                paired_group_name="南海区青联小组",
                paired_group_contact="",
                description="",
            )
        )
    return specs


def _actor() -> User | None:
    return User.objects.filter(username="gd_admin").first() or User.objects.filter(is_superuser=True).first()


@transaction.atomic
def seed(units: dict[str, LeagueUnit]) -> None:
    for order, (code, text, weight) in enumerate(CHECKLIST):
        ChecklistItem.objects.update_or_create(
            code=code, defaults={"text": text, "weight": weight, "order": order}
        )
    bases: dict[str, IncubationBase] = {}
    for spec in _base_specs(units):
        fields = {k: v for k, v in spec.items() if k != "name"}
        for key in ("latitude", "longitude", "floor_area"):
            if fields[key] is not None:
                fields[key] = Decimal(fields[key])
        base, _created = IncubationBase.objects.get_or_create(name=spec["name"], defaults=fields)
        bases[base.name] = base
    _seed_checklist(list(bases.values()))
    actor = _actor()
    if actor is None:
        return
    _seed_ratings(actor, list(bases.values()))
    _seed_residencies(actor, bases, units)
    _seed_funds(actor, bases, units)


def _seed_checklist(bases: list[IncubationBase]) -> None:
    items = list(ChecklistItem.objects.order_by("order"))
    for index, base in enumerate(bases):
        if base.checklist_results.exists():
            continue
        # Deterministic: the first bases meet more of the manual than the later ones.
        met_count = max(3, len(items) - 2 * index)
        BaseChecklistResult.objects.bulk_create(
            BaseChecklistResult(base=base, item=item, met=i < met_count, checked_on=D(2012, 12, 10))
            for i, item in enumerate(items)
        )


def _seed_ratings(actor: User, bases: list[IncubationBase]) -> None:
    """The 2012 star ratings, given by the province administrator (the assessment round)."""
    stars = {"广东青年社会组织孵化中心": 5, "亲青家园·中山市青年社会组织孵化培育基地": 4, "古镇镇亲青家园": 3}
    for base in bases:
        if base.name in stars:
            services.rate_base(actor, base.pk, 2012, stars[base.name], "2012年度“亲青家园”星级评估")


def _organizations(unit: LeagueUnit, exclude: set[int]) -> list[Organization]:
    return list(
        Organization.objects.in_subtree(unit).listed().exclude(pk__in=exclude).order_by("name", "pk")[:12]
    )


def _seed_residencies(actor: User, bases: dict[str, IncubationBase], units: dict[str, LeagueUnit]) -> None:
    """Residents in every stage; each base is seeded once, when it has no residency yet."""
    used = set(Residency.objects.values_list("organization_id", flat=True))
    rep_orgs = set(
        Organization.objects.filter(representatives__username="org_rep").values_list("pk", flat=True)
    )
    used |= rep_orgs  # the demo representative's organization stays free to apply
    plan = [
        # base, unit whose organizations reside there, stages in order
        (
            "亲青家园·中山市青年社会组织孵化培育基地",
            "442000",
            [
                "graduated",
                "graduated",
                "incubating",
                "incubating",
                "incubating",
                "admitted",
                "exited",
                "applied",
                "declined",
            ],
        ),
        ("古镇镇亲青家园", "442000012", ["incubating", "incubating", "graduated", "applied"]),
        ("中山市网络亲青家园", "442000", ["incubating", "applied"]),
        ("佛山市亲青家园", "440600", ["incubating", "admitted", "graduated", "applied"]),
        ("广东青年社会组织孵化中心", "440100", ["incubating", "graduated", "admitted"]),
    ]
    outcomes = [["registered"], ["purchased_service", "registered"], ["backbone"]]
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date for recent service log entries
    for base_name, unit_code, stages in plan:
        base = bases.get(base_name)
        unit = units.get(unit_code)
        if base is None or unit is None or base.residencies.exists():
            continue
        candidates = _organizations(unit, used)
        for index, (stage, org) in enumerate(zip(stages, candidates, strict=False)):
            used.add(org.pk)
            applied = D(2012, 6 + index % 6, 1 + index)
            residency = services.apply_for_residency(actor, base.pk, org.pk, note="申请入驻孵化", on=applied)
            if stage == "declined":
                services.decline_residency(
                    actor,
                    residency.pk,
                    "暂不符合入驻条件，建议先参加训练营",
                    on=applied + datetime.timedelta(days=7),
                )
                continue
            if stage == "applied":
                continue
            services.admit_residency(actor, residency.pk, on=applied + datetime.timedelta(days=10))
            if stage == "admitted":
                continue
            services.start_residency(actor, residency.pk, on=applied + datetime.timedelta(days=20))
            services.log_service(
                actor, residency.pk, "registration", applied + datetime.timedelta(days=30), 2, "注册辅导"
            )
            services.log_service(
                actor, residency.pk, "financial_custody", applied + datetime.timedelta(days=60), 4, "财务托管"
            )
            if stage == "incubating":
                services.log_service(
                    actor,
                    residency.pk,
                    "training",
                    today - datetime.timedelta(days=index % 5),
                    3,
                    "骨干能力培训",
                )
                continue
            if stage == "graduated":
                chosen = outcomes[index % len(outcomes)]
                if "registered" in chosen:
                    services.record_milestone(
                        actor, residency.pk, "registered", D(2013, 3, 1), "登记为民办非企业单位"
                    )
                services.graduate_residency(actor, residency.pk, chosen, on=D(2013, 6, 1))
            elif stage == "exited":
                services.exit_residency(
                    actor, residency.pk, "核心成员离开中山，组织暂停活动", on=D(2013, 1, 15)
                )


def _seed_funds(actor: User, bases: dict[str, IncubationBase], units: dict[str, LeagueUnit]) -> None:
    """The province's 5,000,000-yuan fund (团省委、省青联筹集) with grants, and a 中山 fund."""
    province, zhongshan = units["440000"], units["442000"]
    fund, _created = IncubationFund.objects.get_or_create(
        unit=province,
        defaults={
            "name": "广东省青年社会组织培育发展基金",
            "established_on": D(2012, 3, 1),
            "description": "团省委、省青联筹集500万元设立，用于省级“亲青家园”建设并配套扶持市县“亲青家园”建设。",
        },
    )
    if not fund.movements.exists():
        services.raise_money(actor, fund.pk, "3000000.00", D(2012, 3, 1), "团省委")
        services.raise_money(
            actor, fund.pk, "2000000.00", D(2012, 3, 15), "省青联（发动青联委员、青企会员筹集）"
        )
        grants = [
            ("广东青年社会组织孵化中心", "800000.00", "省级“亲青家园”建设"),
            ("亲青家园·中山市青年社会组织孵化培育基地", "300000.00", "配套扶持市级“亲青家园”建设"),
            ("佛山市亲青家园", "300000.00", "配套扶持市级“亲青家园”建设"),
            ("古镇镇亲青家园", "100000.00", "配套扶持镇级“亲青家园”试点"),
        ]
        made = []
        for index, (base_name, amount, purpose) in enumerate(grants):
            base = bases.get(base_name)
            if base is None:
                continue
            made.append(
                services.grant_money(
                    actor,
                    fund.pk,
                    amount,
                    D(2012, 6, 10 + index),
                    purpose,
                    grantee_base=base.pk,
                    approved_by="团省委书记办公会",
                    disbursed_on=D(2012, 6, 20 + index),
                )
            )
        organization = (
            Organization.objects.in_subtree(province).listed().order_by("-youth_covered", "pk").first()
        )
        if organization is not None:
            services.grant_money(
                actor,
                fund.pk,
                "50000.00",
                D(2012, 12, 5),
                "对团建工作良好的青年社会组织给予培育基金资助",
                grantee_organization=organization.pk,
                approved_by="五四评比评审会",
                disbursed_on=D(2012, 12, 20),
            )
        if made:
            services.reverse_grant(actor, made[-1].pk, D(2012, 7, 1), "镇级试点延后，资金退回基金")
    zs_fund, _created = IncubationFund.objects.get_or_create(
        unit=zhongshan,
        defaults={
            "name": "中山市青年社会组织孵化基金",
            "established_on": D(2012, 5, 1),
            "description": "依托市青年创业基金、市志愿事业发展基金，发动青联委员、青企（青商）会员筹措设立。",
        },
    )
    if not zs_fund.movements.exists():
        services.raise_money(actor, zs_fund.pk, "600000.00", D(2012, 5, 1), "市财政配套")
        services.raise_money(actor, zs_fund.pk, "400000.00", D(2012, 5, 20), "中山市青年企业家协会")
        for index, base_name in enumerate(["中山市网络亲青家园", "古镇镇亲青家园", "小榄镇亲青家园"]):
            base = bases.get(base_name)
            if base is not None:
                services.grant_money(
                    actor,
                    zs_fund.pk,
                    "120000.00",
                    D(2012, 9, 1 + index),
                    "“亲青家园”配套培育基金",
                    grantee_base=base.pk,
                    approved_by="团市委书记办公会",
                    disbursed_on=D(2012, 9, 15 + index),
                )
