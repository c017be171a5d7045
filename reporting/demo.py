"""Demo data of the reporting app (idempotent): the Pudong-style monthly league-building
report (月度通报) and a quarterly incubation-and-training report, a year of filed monthly
reports for the 中山 towns and 佛山's districts, the programmes of SPEC §5 dated in the
current year, a spot check, and a tracking run for every quarter of the year so far.

Targets whose metric has no data source yet (bases, funds, people trained, camps, ...)
exist as rules and show "no data source yet" on the dashboard; no value is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orgs.models import LeagueUnit

from .models import (
    Comparator,
    MetricType,
    PeriodType,
    Programme,
    Report,
    ReportForm,
    ReportMetric,
    ReportValue,
    ReportVersion,
    ReturnReason,
    SpotCheck,
    TargetRule,
    ValidationRule,
    Window,
    add_months,
)

L = LeagueUnit.Level
K = LeagueUnit.Kind
R = TargetRule.RegionScope

MONTHLY_CODE = "monthly-league-building"
QUARTERLY_CODE = "quarterly-incubation-training"

MONTHLY_METRICS = [
    (
        "orgs_contacted",
        "本月联系青年社会组织数",
        "直接联系、走访或电话联系的青年社会组织（家）",
        MetricType.INTEGER,
        True,
    ),
    (
        "branches_founded",
        "本月在青年社会组织中新建团组织数",
        "含独立、联合、楼宇、区域建团（个）",
        MetricType.INTEGER,
        True,
    ),
    ("members", "新发展团员数", "本月在青年社会组织中新发展的团员（人）", MetricType.INTEGER, True),
    ("subsidy_first", "首期建团补贴（元）", "每新建一个团组织补贴300元", MetricType.MONEY, False),
    ("subsidy_second", "二期建团补贴（元）", "运行满半年且活动正常的再补贴300元", MetricType.MONEY, False),
    ("coverage", "团建覆盖率（%）", "已建团的青年社会组织占比", MetricType.PERCENT, False),
    ("narrative", "工作简述", "本月主要工作、经验和问题", MetricType.TEXT, True),
    ("evidence", "佐证材料", "照片、签到表等（可选）", MetricType.ATTACHMENT, False),
]
MONTHLY_RULES = [
    ("branches_founded <= orgs_contacted", "新建团组织数不能超过本月联系的青年社会组织数。"),
    ("subsidy_first <= branches_founded * 300", "首期补贴不能超过新建团组织数×300元。"),
    ("subsidy_second <= branches_founded * 300 + 30000", "二期补贴明显超出标准，请核实。"),
]
QUARTERLY_METRICS = [
    ("bases_built", "新建亲青家园数", "本季度建成并挂牌的孵化基地（个）", MetricType.INTEGER, True),
    ("orgs_incubated", "入驻孵化的青年社会组织数", "季度末在孵组织（家）", MetricType.INTEGER, True),
    ("camps_held", "举办亲青汇训练营期数", "", MetricType.INTEGER, True),
    ("people_trained", "培训骨干人数", "", MetricType.INTEGER, True),
    ("funds_raised", "孵化基金筹集额（元）", "", MetricType.MONEY, False),
    ("ngos_brought_in", "引进境内外NGO数", "本季度新引进的境内外非政府组织（家）", MetricType.INTEGER, False),
    ("narrative", "季度工作小结", "", MetricType.TEXT, True),
]
QUARTERLY_RULES = [("people_trained <= camps_held * 500", "每期训练营培训人数一般不超过500人，请核实。")]

NARRATIVES = [
    "走访辖区青年自组织，指导两家组织完成民办非企业单位登记。",
    "联合楼宇党群服务中心开展楼宇建团，新建联合团支部。",
    "举办青年社会组织负责人座谈会，收集需求。",
    "依托亲青家园开展公益创投路演，三家组织获得扶持。",
    "组织骨干参加市级亲青汇训练营。",
]


@dataclass(frozen=True)
class Target:
    label: str
    metric: str
    threshold: int | str
    deadline: tuple[int, int]  # month, day in the programme's first year
    levels: tuple[str, ...] = ()
    region: str = R.ANY
    kinds: tuple[str, ...] = (K.REGIONAL,)
    window: str = Window.TO_DATE
    comparator: str = Comparator.GTE
    undergraduate_only: bool = False
    year_offset: int = 0


# SPEC §5, the 2012 亲青汇 plan, as targets of the current year.
PLAN_TARGETS = [
    Target("珠三角地市：直接联系青年社会组织≥30家", "orgs_contacted", 30, (3, 31), (L.CITY,), R.PRD),
    Target("珠三角地市：设立孵化基金1个", "funds", 1, (5, 31), (L.CITY,), R.PRD),
    Target("珠三角地市：建成亲青家园≥1个", "bases", 1, (5, 31), (L.CITY,), R.PRD),
    Target("珠三角地市：培育青年社会组织30家", "orgs_incubated", 30, (12, 31), (L.CITY,), R.PRD),
    Target("珠三角地市：培训骨干≥300人", "people_trained", 300, (12, 31), (L.CITY,), R.PRD),
    Target("珠三角县区：直接联系青年社会组织≥10家", "orgs_contacted", 10, (4, 30), (L.COUNTY,), R.PRD),
    Target("珠三角县区：试点亲青家园1个", "bases", 1, (5, 31), (L.COUNTY,), R.PRD),
    Target("珠三角县区：培育青年社会组织10家", "orgs_incubated", 10, (12, 31), (L.COUNTY,), R.PRD),
    Target("珠三角县区：培训骨干≥100人", "people_trained", 100, (12, 31), (L.COUNTY,), R.PRD),
    Target("非珠三角地市：直接联系青年社会组织≥20家", "orgs_contacted", 20, (4, 30), (L.CITY,), R.NON_PRD),
    Target("非珠三角地市：设立孵化基金1个", "funds", 1, (6, 30), (L.CITY,), R.NON_PRD),
    Target("非珠三角地市：建成亲青家园1个", "bases", 1, (6, 30), (L.CITY,), R.NON_PRD),
    Target("非珠三角地市：培育青年社会组织15家", "orgs_incubated", 15, (12, 31), (L.CITY,), R.NON_PRD),
    Target("非珠三角地市：培训骨干≥200人", "people_trained", 200, (12, 31), (L.CITY,), R.NON_PRD),
    Target("非珠三角县区：直接联系青年社会组织≥5家", "orgs_contacted", 5, (4, 30), (L.COUNTY,), R.NON_PRD),
    Target("非珠三角县区：试点亲青家园1个", "bases", 1, (6, 30), (L.COUNTY,), R.NON_PRD),
    Target("非珠三角县区：培育青年社会组织5家", "orgs_incubated", 5, (12, 31), (L.COUNTY,), R.NON_PRD),
    Target("非珠三角县区：培训骨干≥50人", "people_trained", 50, (12, 31), (L.COUNTY,), R.NON_PRD),
    Target("团省委：举办亲青汇训练营10期", "camps_held", 10, (12, 31), (L.PROVINCE,), window=Window.YEAR),
    Target("团省委：全年培训骨干1000人", "people_trained", 1000, (12, 31), (L.PROVINCE,), window=Window.YEAR),
    # Pilots on the unit's OWN list: the province's ten are its own, not its cities'.
    Target("团省委：直接联系试点青年社会组织10家", "orgs_contacted_own", 10, (12, 31), (L.PROVINCE,)),
    Target("地市团委：启动阶段直接联系试点组织5家", "orgs_contacted_own", 5, (3, 31), (L.CITY,)),
    Target(
        "本科高校团委：启动阶段直接联系试点组织5家",
        "orgs_contacted_own",
        5,
        (3, 31),
        (L.CITY, L.COUNTY),
        kinds=(K.UNIVERSITY,),
        undergraduate_only=True,
    ),
    Target("地市团委：每季度至少举办1期训练营", "camps_held", 1, (12, 31), (L.CITY,), window=Window.QUARTER),
    Target("县区团委：启动阶段直接联系试点组织2家", "orgs_contacted_own", 2, (3, 31), (L.COUNTY,)),
    # Per cadre: the share of the unit's own cadres with 5 days in the quarter (all of them).
    Target(
        "各级团委：团干部每季度深入青年社会组织5天（达标团干部占比%）",
        "cadres_meeting_days",
        100,
        (12, 31),
        (L.PROVINCE, L.CITY, L.COUNTY, L.TOWN),
        kinds=(),
        window=Window.QUARTER,
    ),
]

# SPEC §5, Zhongshan's 2012–2015 plan, as a four-year plan starting this year.
# Counted over the plan (since its launch): "new", "registered", "incubated", "cultivated".
P = Window.PROGRAMME
ZHONGSHAN_TARGETS = [
    Target(
        "新建体制内青年社团72个", "in_system_associations", 72, (12, 31), (L.CITY,), window=P, year_offset=3
    ),
    Target("登记注册青年社会组织152家", "orgs_registered", 152, (12, 31), (L.CITY,), window=P, year_offset=3),
    Target("孵化青年社会组织510家", "orgs_incubated", 510, (12, 31), (L.CITY,), window=P, year_offset=3),
    Target(
        "培育骨干型青年社会组织（覆盖青年≥1000人）30家",
        "backbone_orgs",
        30,
        (12, 31),
        (L.CITY,),
        window=P,
        year_offset=3,
    ),
    Target("每个镇区建成青年社区学院1所", "community_colleges", 1, (12, 31), (L.TOWN,), year_offset=3),
    Target("每个镇区培育社会企业1家", "social_enterprises", 1, (12, 31), (L.TOWN,), year_offset=3),
    Target(
        "镇区青年社区学院全覆盖（有学院的镇区占比%）",
        "towns_with_community_college",
        100,
        (12, 31),
        (L.CITY,),
        year_offset=3,
    ),
    Target(
        "镇区社会企业全覆盖（有社会企业的镇区占比%）",
        "towns_with_social_enterprise",
        100,
        (12, 31),
        (L.CITY,),
        year_offset=3,
    ),
    # City-level bases: the city's OWN, not every base in its towns.
    Target("市级亲青家园每年新建1～2个", "bases_own", 1, (12, 31), (L.CITY,), window=Window.YEAR),
    Target(
        "每个镇区、直属单位、高校建成亲青家园≥1个",
        "bases",
        1,
        (12, 31),
        (L.TOWN, L.COUNTY),
        kinds=(),
        year_offset=3,
    ),
    Target("亲青家园星级评定全覆盖（%）", "bases_rated_share", 100, (12, 31), (L.CITY,), year_offset=3),
    Target("每年培训骨干≥300人", "people_trained", 300, (12, 31), (L.CITY,), window=Window.YEAR),
    Target(
        "引进境内外NGO 5～10家（季度报表）",
        "report:ngos_brought_in",
        5,
        (12, 31),
        (L.CITY,),
        window=Window.PROGRAMME,
        year_offset=3,
    ),
    Target(
        "青年社会组织团建覆盖率100%",
        "league_building_coverage",
        100,
        (12, 31),
        (L.CITY, L.TOWN),
        year_offset=3,
    ),
    Target("首年发放修身团员卡1万张", "member_cards", 10000, (12, 31), (L.CITY,), window=Window.YEAR),
    Target(
        "2014年实现团员修身团员卡全覆盖（%）",
        "member_card_coverage",
        100,
        (12, 31),
        (L.CITY,),
        year_offset=2,
    ),
    Target(
        "2015年实现志愿者卡全覆盖（%）",
        "volunteer_card_coverage",
        100,
        (12, 31),
        (L.CITY,),
        year_offset=3,
    ),
    Target(
        "2015年青年社会组织负责人全部参加培训（%）",
        "heads_trained",
        100,
        (12, 31),
        (L.CITY,),
        year_offset=3,
    ),
    Target(
        "镇区每季度在青年社会组织中新建团组织≥1个（月度通报）",
        "report:branches_founded",
        1,
        (12, 31),
        (L.TOWN,),
        window=Window.QUARTER,
    ),
    Target(
        "镇区直接联系青年社会组织（月度通报累计）≥20家",
        "report:orgs_contacted",
        20,
        (12, 31),
        (L.TOWN,),
        window=Window.YEAR,
    ),
]

# SPEC §5, "every subdistrict": the regional league-building (区域化大团建) standard.
SUBDISTRICT_TARGETS = [
    Target(
        "每个街道成立共建委员会1个", "cobuilding_committees", 1, (12, 31), (L.TOWN,), kinds=(), year_offset=4
    ),
    Target(
        "共建委员会联系青年社会组织≥2家", "orgs_contacted", 2, (12, 31), (L.TOWN,), kinds=(), year_offset=4
    ),
    Target("每个街道有青年活动阵地1处", "cobuilding_venues", 1, (12, 31), (L.TOWN,), kinds=(), year_offset=4),
    Target("团干部≥10名", "cobuilding_cadres", 10, (12, 31), (L.TOWN,), kinds=(), year_offset=4),
    Target("青年社工1名", "cobuilding_social_workers", 1, (12, 31), (L.TOWN,), kinds=(), year_offset=4),
    Target("外部委员≥9名", "cobuilding_external_members", 9, (12, 31), (L.TOWN,), kinds=(), year_offset=4),
    Target(
        "年度工作经费≥20000元", "cobuilding_funding", 20000, (12, 31), (L.TOWN,), kinds=(), window=Window.YEAR
    ),
]


def _form(code: str, defaults: dict, metrics: list, rules: list) -> ReportForm:
    form, _created = ReportForm.objects.get_or_create(code=code, version=1, defaults=defaults)
    for order, (metric_code, label, help_text, kind, required) in enumerate(metrics, start=1):
        ReportMetric.objects.update_or_create(
            form=form,
            code=metric_code,
            defaults={
                "label": label,
                "help_text": help_text,
                "type": kind,
                "required": required,
                "order": order,
            },
        )
    for expression, message in rules:
        ValidationRule.objects.get_or_create(form=form, expression=expression, defaults={"message": message})
    return form


def seed_forms(units: dict[str, LeagueUnit], year: int) -> tuple[ReportForm, ReportForm]:
    province = units["440000"]
    monthly = _form(
        MONTHLY_CODE,
        {
            "name": "青年社会组织团建工作月度通报",
            "description": "参照浦东做法：各镇街、县区每月5日前报送上月在青年社会组织中建团情况，"
            "每新建一个团组织补贴300元，运行满半年再补贴300元。",
            "owner": province,
            "period_type": PeriodType.MONTHLY,
            "deadline_day": 5,
            "levels": [L.COUNTY, L.TOWN],
            "kinds": [K.REGIONAL],
            "active_from": date(year - 1, 1, 1),
        },
        MONTHLY_METRICS,
        MONTHLY_RULES,
    )
    quarterly = _form(
        QUARTERLY_CODE,
        {
            "name": "孵化与培训工作季度报表",
            "description": "地市、县区每季度结束后次月10日前报送亲青家园、孵化和训练营情况。",
            "owner": province,
            "period_type": PeriodType.QUARTERLY,
            "deadline_day": 10,
            "levels": [L.CITY, L.COUNTY],
            "kinds": [K.REGIONAL],
            "active_from": date(year - 1, 1, 1),
        },
        QUARTERLY_METRICS,
        QUARTERLY_RULES,
    )
    return monthly, quarterly


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_monthly_reports(form: ReportForm, filers: list[LeagueUnit], today: date) -> int:
    """Twelve months of reports per filer: mostly on time and approved, some late, some
    returned, some missing; the last month partly still awaiting approval. Deterministic,
    so a second run creates nothing new."""
    metrics = {m.code: m for m in form.metrics.all()}
    last_start = add_months(today.replace(day=1), -1)
    periods = [add_months(last_start, -i) for i in range(11, -1, -1)]
    existing = set(Report.objects.filter(form=form).values_list("unit_id", "period_start"))
    approver = User.objects.filter(username="zs_cadre").first()
    created = 0
    for unit in filers:
        for start in periods:
            if (unit.pk, start) in existing:
                continue
            # One generator per unit and month: a second run draws exactly the same figures.
            rng = random.Random(f"{unit.code}-{start}")  # noqa: S311 - demo data, reproducible
            roll = rng.random()
            contacted, founded, members = rng.randint(2, 15), rng.randint(0, 2), rng.randint(0, 12)
            if rng.random() < 0.07:
                contacted = rng.randint(40, 60)  # an unusual month, for the spot checks to find
            text = rng.choice(NARRATIVES)
            end = add_months(start, 1) - timedelta(days=1)
            deadline = form.deadline_for(end)
            if roll < 0.06 and start < last_start:
                continue  # never filed
            if deadline >= today and roll > 0.6:
                continue  # still open and not filed yet
            late = 0.06 <= roll < 0.16
            submitted = _aware(
                deadline + timedelta(days=rng.randint(1, 12))
                if late
                else deadline - timedelta(days=rng.randint(0, 4)),
                15,
            )
            submitted = min(submitted, timezone.now())
            returned = 0.16 <= roll < 0.21
            awaiting = start == last_start and roll > 0.3
            status = Report.Status.APPROVED
            if returned:
                status = Report.Status.RETURNED
            elif awaiting:
                status = Report.Status.SUBMITTED
            report = Report.objects.create(
                form=form,
                unit=unit,
                period_start=start,
                period_end=end,
                deadline=deadline,
                status=status,
                first_submitted_at=submitted,
                submitted_at=submitted,
                approved_at=submitted + timedelta(days=2) if status == Report.Status.APPROVED else None,
                approved_by=approver if status == Report.Status.APPROVED else None,
                updated_at=submitted,
            )
            values: dict[str, Any] = {
                "orgs_contacted": contacted,
                "branches_founded": founded,
                "members": members,
                "subsidy_first": Decimal(300 * founded),
                "subsidy_second": Decimal(300 * rng.randint(0, 1)),
                "coverage": Decimal(rng.randint(20, 80)),
                "narrative": text,
            }
            ReportValue.objects.bulk_create(
                ReportValue(
                    report=report,
                    metric=metrics[code],
                    int_value=value if metrics[code].type == MetricType.INTEGER else None,
                    decimal_value=value
                    if metrics[code].type in (MetricType.MONEY, MetricType.PERCENT)
                    else None,
                    text_value=value if metrics[code].type == MetricType.TEXT else "",
                )
                for code, value in values.items()
            )
            ReportVersion.objects.create(
                report=report,
                number=1,
                status=Report.Status.SUBMITTED,
                data={k: str(v) for k, v in values.items()},
                created_by=None,
            )
            if returned:
                ReturnReason.objects.create(
                    report=report,
                    code=ReturnReason.Code.WRONG,
                    comment="补贴金额与新建团组织数不符，请核实后重报。",
                    returned_by=approver,
                )
            created += 1
    return created


def _programme(
    owner: LeagueUnit, name: str, description: str, start: int, end: int, targets: list[Target]
) -> Programme:
    programme, _created = Programme.objects.update_or_create(
        owner=owner,
        name=name,
        defaults={
            "description": description,
            "start_year": start,
            "end_year": end,
            "launch_on": date(start, 1, 1),
            "implementation_on": date(start, 4, 1),
            "inspection_on": date(end, 12, 1),
            "ends_on": date(end, 12, 31),
        },
    )
    for order, target in enumerate(targets, start=1):
        TargetRule.objects.update_or_create(
            programme=programme,
            label=target.label,
            defaults={
                "metric": target.metric,
                "comparator": target.comparator,
                "threshold": Decimal(str(target.threshold)),
                "window": target.window,
                "deadline": date(start + target.year_offset, *target.deadline),
                "levels": list(target.levels),
                "region": target.region,
                "kinds": list(target.kinds),
                "undergraduate_only": target.undergraduate_only,
                "order": order,
            },
        )
    return programme


def seed_programmes(units: dict[str, LeagueUnit], year: int) -> list[Programme]:
    return [
        _programme(
            units["440000"],
            f"亲青汇计划（{year}年度）",
            "共青团广东省委“亲青汇”青年社会组织培育发展计划：直接联系、孵化培育、骨干培训、亲青家园建设。",
            year,
            year,
            PLAN_TARGETS,
        ),
        _programme(
            units["442000"],
            f"中山市亲青汇计划（{year}—{year + 3}年）",
            "中山市青年社会组织培育发展四年计划：体制内社团、登记注册、孵化、骨干型组织、青年社区学院、社会企业、团员卡。",
            year,
            year + 3,
            ZHONGSHAN_TARGETS,
        ),
        _programme(
            units["440000"],
            f"区域化大团建（{year}—{year + 4}年）",
            "每个街道建立共建委员会：成员单位、轮值主席、年度计划、活动阵地、团干部、青年社工和经费。",
            year,
            year + 4,
            SUBDISTRICT_TARGETS,
        ),
    ]


def seed(units: dict[str, LeagueUnit]) -> None:
    """Entry point of `manage.py seed_demo`; safe to run again."""
    from . import services

    today = timezone.localdate()
    year = today.year
    with transaction.atomic():
        monthly, _quarterly = seed_forms(units, year)
        zhongshan, foshan = units["442000"], units["440600"]
        filers = list(LeagueUnit.objects.filter(parent=zhongshan, level=L.TOWN).order_by("path")) + list(
            LeagueUnit.objects.filter(parent=foshan, level=L.COUNTY, kind=K.REGIONAL).order_by("path")
        )
        seed_monthly_reports(monthly, filers, today)
        seed_programmes(units, year)
    cadre = User.objects.filter(username="zs_cadre").first()
    if cadre is not None and not SpotCheck.objects.filter(unit=zhongshan).exists():
        check = services.draw_spot_check(
            cadre,
            zhongshan.pk,
            date(year, 1, 1),
            today,
            12,
            seed=2026,
            title=f"{year}年中山市月度通报电话抽查",
        )
        outcomes = ["confirmed", "confirmed", "confirmed", "not_reachable", "false", "confirmed"]
        for item, outcome in zip(check.items.order_by("pk"), outcomes, strict=False):
            services.record_spot_check_outcome(
                cadre, item.pk, outcome, "电话核实：该月未新建团组织。" if outcome == "false" else ""
            )
    if (
        cadre is not None
        and not SpotCheck.objects.filter(unit=zhongshan, title__contains="团建情况").exists()
    ):
        _registry_spot_check(cadre, zhongshan, year, today)
    track_year(year, today)


def _registry_spot_check(cadre: User, zhongshan: LeagueUnit, year: int, today: date) -> None:
    """Phone calls about league branches the registry holds (when the registry demo ran)."""
    from orgs.models import LeagueBuilding

    from . import services

    if (
        not LeagueBuilding.objects.in_subtree(zhongshan)
        .filter(founded_on__range=(date(year, 1, 1), today))
        .exists()
    ):
        return
    registry_check = services.draw_spot_check(
        cadre,
        zhongshan.pk,
        date(year, 1, 1),
        today,
        6,
        seed=2027,
        title=f"{year}年中山市团建情况电话抽查",
        source="registry",
    )
    # One league branch found false: it stops counting for coverage until corrected.
    for item, outcome in zip(registry_check.items.order_by("pk"), ["confirmed", "false"], strict=False):
        services.record_spot_check_outcome(
            cadre, item.pk, outcome, "电话核实：该组织尚未建立团支部。" if outcome == "false" else ""
        )


def track_year(year: int, today: date) -> None:
    """Track every quarter of the year so far; the quarters whose last report deadline has
    passed are closed (as the nightly run would have closed them), so a second run leaves
    them as they are."""
    from .models import QuarterClosure
    from .tracking import Quarter, is_closed, last_report_deadline, track_targets

    for number in range(1, Quarter.containing(today).number + 1):
        quarter = Quarter(year, number)
        if is_closed(quarter):
            continue
        track_targets(str(quarter))
        if today > last_report_deadline(quarter):
            QuarterClosure.objects.update_or_create(
                period=str(quarter), defaults={"closed": True, "closed_at": timezone.now()}
            )
