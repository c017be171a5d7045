"""Demo data of the star ratings, made through `evaluation.services` by the cadres who run
the rounds, so it carries the same history, messages and effects as real use:

- three published indicator systems: the 亲青家园 star rating (100 points, the standard
  manual's checklist as its first section), the external star certification of youth
  organizations (1,000 points under 基础条件, 内部治理, 工作绩效, 社会评价; grades 1A–5A)
  and the performance rating of youth service projects;
- an expert pool (the province's 专业评审顾问团 and 中山's): the demo assessor and seven
  more, one of them a cadre of 古镇镇 and one a backbone member of a 中山 organization, so
  the automatic panels leave them out of those subjects;
- a finished round of bases (2026, province) with certificates, and its 2025 predecessor,
  whose ratings have expired; a round of 中山 organizations in public notice with one
  objection answered and one waiting; a 佛山 round of service projects being scored (some
  panels submitted, the demo assessor half-way).

Rounds run through their steps today and are then dated back to when they happened (their
deadlines, notice periods and validity): the only writes outside the services, so that a
finished round can be shown finished. Idempotent: a round, system or user that exists is
left as it is.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from incubation.models import ChecklistItem, IncubationBase
from orgs.models import BackboneMember, LeagueUnit, Organization

from . import services
from .models import (
    Assignment,
    IndicatorResult,
    IndicatorSystem,
    Rating,
    Round,
    ServiceProject,
    Subject,
    add_months,
)

D = datetime.date
STATEMENT = "已按指标要求落实，相关制度、台账和照片见佐证材料。"

# name, username, expertise, employer; the first is the demo's own `assessor`.
EXPERTS = [
    ("张评审", "assessor", "社会组织评估", "中山大学社会学与人类学学院"),
    ("王慧敏", "expert_wang", "社会工作", "广东省社会工作师联合会"),
    ("刘志强", "expert_liu", "财务审计", "广州正信会计师事务所"),
    ("陈晓燕", "expert_chen", "青少年服务", "广东青年职业学院"),
    ("黄国栋", "expert_huang", "公益项目管理", "广东省千禾社区公益基金会"),
    ("周丽华", "expert_zhou", "社区治理", "华南师范大学公共管理学院"),
    ("梁嘉怡", "expert_liang", "青年社会组织孵化", "古镇镇团委（兼）"),
    ("郑伟文", "expert_zheng", "法律与登记管理", "广东法泰律师事务所"),
]

BASE_SECTIONS = [
    (
        "2",
        "孵化服务",
        [
            (
                "2.1",
                "入驻孵化组织",
                10,
                "在孵组织不少于5家得满分，每少1家扣2分。",
                "入驻协议、孵化台账（可链接入驻记录）",
            ),
            (
                "2.2",
                "专业服务",
                10,
                "注册辅导、财务托管、购买服务对接等服务记录完整。",
                "服务记录（可链接服务台账）",
            ),
            ("2.3", "出壳成效", 10, "毕业组织实体化或承接政府购买服务，每家得2分。", "毕业记录、登记证书"),
        ],
    ),
    (
        "3",
        "运营管理",
        [
            ("3.1", "制度与人员", 8, "入驻、孵化、出壳制度健全，有专兼职管理人员。", "制度文本、人员名单"),
            ("3.2", "小组基地一对一结对", 8, "与青联小组结对并开展帮扶活动。", "结对协议、活动记录"),
        ],
    ),
    (
        "4",
        "社会影响",
        [
            ("4.1", "活动与宣传", 5, "每季度至少一次交流或培训活动，有媒体报道。", "活动照片、报道"),
            ("4.2", "服务对象满意度", 5, "入驻组织满意度调查90%以上得满分。", "满意度调查表"),
        ],
    ),
]

ORG_SECTIONS: list[tuple[str, str, list[tuple[str, str, int, list[tuple[str, str, int]]]]]] = [
    (
        "1",
        "基础条件",
        [
            ("1.1", "法人资格与登记", 40, [("1.1.1", "登记证书与章程", 20), ("1.1.2", "年检年报", 20)]),
            ("1.2", "办公场所与人员", 60, [("1.2.1", "固定办公场所", 30), ("1.2.2", "专职工作人员", 30)]),
        ],
    ),
    (
        "2",
        "内部治理",
        [
            ("2.1", "组织机构", 120, [("2.1.1", "会员大会与理事会", 60), ("2.1.2", "监事与民主决策", 60)]),
            ("2.2", "财务管理", 140, [("2.2.1", "财务制度与会计核算", 70), ("2.2.2", "审计与信息公开", 70)]),
            ("2.3", "档案与党团建设", 120, [("2.3.1", "档案与证章管理", 50), ("2.3.2", "党团组织建设", 70)]),
        ],
    ),
    (
        "3",
        "工作绩效",
        [
            (
                "3.1",
                "服务项目",
                150,
                [("3.1.1", "项目数量与覆盖青年", 80), ("3.1.2", "承接政府购买服务", 70)],
            ),
            ("3.2", "能力建设", 100, [("3.2.1", "骨干培训", 50), ("3.2.2", "志愿者管理", 50)]),
            ("3.3", "品牌与创新", 120, []),
        ],
    ),
    (
        "4",
        "社会评价",
        [
            ("4.1", "服务对象满意度", 60, []),
            ("4.2", "登记管理机关与业务指导单位评价", 50, []),
            ("4.3", "媒体与社会认可", 40, []),
        ],
    ),
]

PROJECT_SECTIONS = [
    ("1", "项目设计", [("1.1", "需求评估", 10), ("1.2", "目标与计划", 10)]),
    ("2", "项目执行", [("2.1", "进度与活动", 15), ("2.2", "志愿者与团队", 15)]),
    ("3", "项目成效", [("3.1", "服务人次与覆盖", 15), ("3.2", "目标达成", 20)]),
    ("4", "财务管理", [("4.1", "预算执行", 10), ("4.2", "资金使用规范", 5)]),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def seed(units: dict[str, LeagueUnit]) -> None:
    province, zhongshan, foshan = units["440000"], units["442000"], units["440600"]
    gd_admin, zs_cadre, fs_cadre = _user("gd_admin"), _user("zs_cadre"), _user("fs_cadre")
    if gd_admin is None or zs_cadre is None or fs_cadre is None:
        return
    base_system = _base_system(gd_admin, province)
    org_system = _org_system(zs_cadre, zhongshan)
    project_system = _project_system(gd_admin, province)
    experts = _experts(gd_admin, zs_cadre, units)
    today = timezone.localdate()
    _base_round(gd_admin, province, base_system, 2025, today, expired=True)
    _base_round(gd_admin, province, base_system, 2026, today, expired=False)
    _tie_expert(_org_candidates(zhongshan)[:1])
    _org_first_round(zs_cadre, zhongshan, org_system, today)
    _org_round(zs_cadre, zhongshan, org_system, today)
    _project_round(fs_cadre, foshan, project_system, today, experts)


# Systems -------------------------------------------------------------------------------------
def _system(actor: User, unit: LeagueUnit, code: str, **fields: Any) -> tuple[IndicatorSystem, bool]:
    found = IndicatorSystem.objects.filter(code=code).order_by("-edition").first()
    if found is not None:
        return found, False
    return services.create_system(actor, {"code": code, "unit": unit.pk, **fields}), True


def _add(
    actor: User, system: IndicatorSystem, parent: Any, code: str, name: str, points: int, **extra: Any
) -> Any:
    return services.add_indicator(
        actor,
        system.pk,
        {"parent": parent.pk if parent else None, "code": code, "name": name, "max_points": points, **extra},
    )


def _base_system(actor: User, unit: LeagueUnit) -> IndicatorSystem:
    system, new = _system(
        actor,
        unit,
        "base-star",
        name="“亲青家园”星级评估指标体系",
        subject_type="base",
        grade_style="stars",
        description="依据《“亲青家园”标准化建设手册》，每年对各级“亲青家园”进行星级评估，达到星级标准的给予奖励。",
    )
    if not new:
        return system
    items = list(ChecklistItem.objects.filter(active=True).order_by("order", "code"))
    section = _add(actor, system, None, "1", "标准化建设", sum(2 * i.weight for i in items) or 10)
    if items:
        for n, item in enumerate(items, start=1):
            _add(
                actor,
                system,
                section,
                f"1.{n}",
                item.text,
                2 * item.weight,
                checklist_item=item.pk,
                guide="达到标准得满分；部分达到酌情给分；未达到不得分。",
                evidence_expected="现场照片、制度文本或标准化检查记录",
            )
    else:
        _add(actor, system, section, "1.1", "达到标准化建设手册要求", 10)
    for code, name, indicators in BASE_SECTIONS:
        parent = _add(actor, system, None, code, name, sum(i[2] for i in indicators))
        for sub_code, sub_name, points, guide, evidence in indicators:
            _add(actor, system, parent, sub_code, sub_name, points, guide=guide, evidence_expected=evidence)
    return services.publish_system(actor, system.pk)


def _org_system(actor: User, unit: LeagueUnit) -> IndicatorSystem:
    system, new = _system(
        actor,
        unit,
        "org-external",
        name="青年社会组织外部评估星级认证指标体系",
        subject_type="organization",
        grade_style="a_grade",
        description="参照民政部社会组织评估指标，依托专业评审顾问团对青年社会组织进行外部评估星级认证，"
        "作为政府选择购买服务的重要参考。",
    )
    if not new:
        return system
    for code, name, indicators in ORG_SECTIONS:
        section = _add(actor, system, None, code, name, sum(i[2] for i in indicators))
        for ind_code, ind_name, points, subs in indicators:
            guide = "对照评估标准逐项核查，材料齐全、执行到位得满分。"
            indicator = _add(actor, system, section, ind_code, ind_name, points, guide="" if subs else guide)
            for sub_code, sub_name, sub_points in subs:
                _add(
                    actor,
                    system,
                    indicator,
                    sub_code,
                    sub_name,
                    sub_points,
                    guide=guide,
                    evidence_expected="相关制度文本、会议记录、台账或证明材料",
                )
    return services.publish_system(actor, system.pk)


def _project_system(actor: User, unit: LeagueUnit) -> IndicatorSystem:
    system, new = _system(
        actor,
        unit,
        "project-performance",
        name="青少年社会服务项目绩效评估指标体系",
        subject_type="project",
        grade_style="stars",
        description="对青少年社会服务项目进行专业、准确、公正的绩效评估。",
    )
    if not new:
        return system
    for code, name, indicators in PROJECT_SECTIONS:
        section = _add(actor, system, None, code, name, sum(i[2] for i in indicators))
        for sub_code, sub_name, points in indicators:
            _add(actor, system, section, sub_code, sub_name, points, guide="按项目书与执行记录核查。")
    return services.publish_system(actor, system.pk)


# The expert pool --------------------------------------------------------------------------------
def _experts(gd_admin: User, zs_cadre: User, units: dict[str, LeagueUnit]) -> list[User]:
    from orgs.demo import DEMO_PASSWORD as password

    users = []
    for full_name, username, expertise, employer in EXPERTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "email": f"{username}@demo.hubportal.local"}
        )
        if created:
            user.set_password(password)
        user.is_assessor = True
        user.full_name = user.full_name or full_name
        user.save()
        users.append(user)
        if not user.expert_pools.exists():
            services.add_expert(
                gd_admin,
                {
                    "unit": units["440000"].pk,
                    "user": user.pk,
                    "expertise": expertise,
                    "employer": employer,
                    "active": True,
                },
            )
    # 梁嘉怡 is also a cadre of 古镇镇: the panels of 古镇's base leave her out.
    Membership.objects.get_or_create(
        user=users[6], unit=units["442000012"], defaults={"role": Membership.Role.VIEWER}
    )
    # 郑伟文 also sits in 中山's own pool.
    if not users[7].expert_pools.filter(unit=units["442000"]).exists():
        services.add_expert(
            zs_cadre,
            {"unit": units["442000"].pk, "user": users[7].pk, "expertise": "法律与登记管理", "active": True},
        )
    return users


# Rounds ----------------------------------------------------------------------------------------
def _round(
    actor: User, unit: LeagueUnit, system: IndicatorSystem, name: str, year: int, today: D, **extra: Any
) -> Round:
    thresholds = [500, 600, 700, 800, 900] if system.total_points >= 1000 else [60, 70, 80, 88, 95]
    data = {
        "name": name,
        "unit": unit.pk,
        "subject_type": system.subject_type,
        "year": year,
        "system": system.pk,
        **{f"threshold_{n}": t for n, t in enumerate(thresholds, start=1)},
        "self_assessment_until": today + datetime.timedelta(days=10),
        "scoring_until": today + datetime.timedelta(days=24),
        "notice_days": 7,
        "panel_size": 5,
        "rule": "trimmed_mean",
        "trim_from": 5,
        "disagreement_share": Decimal("0.40"),
        "validity_months": 12,
        "appeal_days": 30,
        "accepts_applications": True,
        **extra,
    }
    return services.create_round(actor, data)


def _quality(rng: random.Random, base: float) -> float:
    return max(0.05, min(1.0, rng.gauss(base, 0.06)))


def _self_assess(actor: User, subject: Subject, quality: float) -> None:
    leaves = list(services.scored_indicators(subject.round.system_id).values())
    claims = {
        i.pk: {
            "points": (i.max_points * Decimal(str(min(1.0, quality + 0.05)))).quantize(Decimal("0.1")),
            "statement": STATEMENT,
        }
        for i in leaves
    }
    version = Subject.objects.values_list("version", flat=True).get(pk=subject.pk)
    services.save_self_assessment(actor, subject.pk, claims, version=version)
    first = leaves[0]
    record = _linkable(subject)
    if record:
        services.add_evidence(actor, subject.pk, first.pk, "入驻与服务记录", record=record)
    report = SimpleUploadedFile("自评报告.pdf", _pdf_bytes(subject.name), content_type="application/pdf")
    services.add_evidence(actor, subject.pk, leaves[-1].pk, "自评报告", file=report)
    services.submit_self_assessment(actor, subject.pk)


def _linkable(subject: Subject) -> str:
    from . import evidence

    for source in evidence.sources():
        found = source.candidates(subject).order_by("pk").first()
        if found is not None:
            return f"{source.key}:{found.pk}"
    return ""


def _pdf_bytes(title: str) -> bytes:
    from reportlab.platypus import Paragraph

    from hubportal.pdf import build_pdf, styles

    return build_pdf(
        title, [Paragraph(f"{title} 自评报告", styles()["title"]), Paragraph(STATEMENT, styles()["p"])]
    )


def _score(
    assessor: User,
    assignment: Assignment,
    quality: float,
    rng: random.Random,
    *,
    submit: bool,
    limit: int = 0,
    low_on: str = "",
) -> None:
    leaves = list(services.scored_indicators(assignment.subject.round.system_id).values())
    for n, indicator in enumerate(leaves):
        if limit and n >= limit:
            break
        share = 0.1 if indicator.code == low_on else _quality(rng, quality)
        points = (indicator.max_points * Decimal(str(share))).quantize(Decimal("0.1"))
        services.save_score(assessor, assignment.pk, indicator.pk, points, "" if n % 3 else "材料较完整。")
    if submit:
        services.submit_scores(assessor, assignment.pk)


def _run_panels(
    round_obj: Round, qualities: dict[int, float], rng: random.Random, outliers: dict[int, str] | None = None
) -> None:
    """Every assessor scores and submits; in `outliers` ({subject id: indicator code}) the
    subject's first assessor sees that indicator very differently from the others."""
    seen: set[int] = set()
    for assignment in (
        Assignment.objects.filter(subject__round=round_obj, status="assigned")
        .select_related("assessor", "subject__round")
        .order_by("subject_id", "pk")
    ):
        low_on = (outliers or {}).get(assignment.subject_id, "") if assignment.subject_id not in seen else ""
        seen.add(assignment.subject_id)
        _score(
            assignment.assessor, assignment, qualities[assignment.subject_id], rng, submit=True, low_on=low_on
        )


def _date_back(round_obj: Round, *, self_until: D, scoring_until: D, notice_from: D | None = None) -> None:
    """The demo's time machine: a round run through its steps today is dated back to when it
    happened (its deadlines and notice period)."""
    Round.objects.filter(pk=round_obj.pk).update(
        self_assessment_until=self_until, scoring_until=scoring_until
    )
    Assignment.objects.filter(subject__round=round_obj).update(deadline=scoring_until)
    if notice_from is not None:
        Subject.objects.filter(round=round_obj, notice_from__isnull=False).update(
            notice_from=notice_from,
            notice_until=notice_from + datetime.timedelta(days=round_obj.notice_days - 1),
        )


def _base_round(
    actor: User, unit: LeagueUnit, system: IndicatorSystem, year: int, today: D, *, expired: bool
) -> None:
    name = f"{year}年度“亲青家园”星级评估"
    if Round.objects.filter(name=name).exists():
        return
    round_obj = _round(
        actor, unit, system, name, year, today, description="对全省各级“亲青家园”开展年度星级评估。"
    )
    services.open_round(actor, round_obj.pk)
    if expired:  # the year before, two bases were rated
        for base in IncubationBase.objects.in_subtree(unit).order_by("opened_on", "pk")[:2]:
            services.enter_subject(actor, round_obj.pk, base.pk)
    else:
        services.enter_all_bases(actor, round_obj.pk)
    _run_to_final(actor, round_obj, year, base_quality=0.74)


def _run_to_final(actor: User, round_obj: Round, year: int, *, base_quality: float) -> None:
    """Self-assessment, automatic panels, scores, aggregation (moderating any flag), public
    notice and final ratings with certificates; then dated back to the autumn of `year`."""
    subjects = list(round_obj.subjects.filter(status="entered").order_by("pk"))
    rng = random.Random(year * 31 + round_obj.pk)  # noqa: S311 - reproducible demo scores, not a secret
    qualities = {s.pk: base_quality + 0.04 * (i % 6) for i, s in enumerate(subjects)}
    for subject in subjects:
        _self_assess(actor, subject, qualities[subject.pk])
    services.start_scoring(actor, round_obj.pk)
    services.assign_panels(actor, round_obj.pk)
    _run_panels(round_obj, qualities, rng)
    services.aggregate_results(actor, round_obj.pk)
    for result in IndicatorResult.objects.filter(
        subject__round=round_obj, flagged=True, moderated_at__isnull=True
    ):
        services.moderate_result(actor, result.pk, "评审组合议：维持去掉最高分和最低分后的平均分。")
    services.publish_results(actor, round_obj.pk)
    start = D(year, 11, 3)
    _date_back(round_obj, self_until=D(year, 9, 30), scoring_until=D(year, 10, 31), notice_from=start)
    services.finalise_round(actor, round_obj.pk)
    final_day = start + datetime.timedelta(days=round_obj.notice_days)
    Rating.objects.filter(round=round_obj).update(
        valid_from=final_day,
        valid_until=add_months(final_day, round_obj.validity_months),
        finalised_at=timezone.make_aware(datetime.datetime.combine(final_day, datetime.time(10))),
    )
    services.issue_certificates(actor, round_obj.pk)


def _org_first_round(actor: User, unit: LeagueUnit, system: IndicatorSystem, today: D) -> None:
    """The first certification, five years ago: its ratings (valid five years) have expired."""
    year = today.year - 5
    name = f"{year}年中山市青年社会组织外部评估星级认证"
    if Round.objects.filter(name=name).exists():
        return
    round_obj = _round(
        actor,
        unit,
        system,
        name,
        year,
        today,
        validity_months=60,
        description="首批青年社会组织外部评估星级认证。",
    )
    services.open_round(actor, round_obj.pk)
    for org in _org_candidates(unit)[1:4]:
        services.enter_subject(actor, round_obj.pk, org.pk)
    _run_to_final(actor, round_obj, year, base_quality=0.7)


def _tie_expert(organizations: list[Organization]) -> None:
    """黄国栋's phone is that of a backbone member of the first organization: the automatic
    panels leave him out of its assessments (a conflict found from the registry)."""
    expert = User.objects.filter(username="expert_huang").first()
    for org in organizations:
        member = BackboneMember.objects.filter(organization=org).exclude(phone="").first()
        if expert is not None and member is not None and expert.phone != member.phone:
            expert.phone = member.phone
            expert.save(update_fields=["phone"])


def _org_candidates(unit: LeagueUnit) -> list[Organization]:
    rep_orgs = list(
        Organization.objects.filter(representatives__username="org_rep").listed().in_subtree(unit)[:1]
    )
    others = list(
        Organization.objects.in_subtree(unit)
        .listed()
        .exclude(pk__in=[o.pk for o in rep_orgs])
        .order_by("-youth_covered", "pk")[:5]
    )
    return rep_orgs + others


def _org_round(actor: User, unit: LeagueUnit, system: IndicatorSystem, today: D) -> None:
    name = f"{today.year}年中山市青年社会组织外部评估星级认证"
    if Round.objects.filter(name=name).exists():
        return
    round_obj = _round(
        actor,
        unit,
        system,
        name,
        today.year,
        today,
        validity_months=60,
        description="团市委、市民政局依托专业评审顾问团开展外部评估星级认证，结果作为政府购买服务的重要参考。",
    )
    services.open_round(actor, round_obj.pk)
    candidates = _org_candidates(unit)
    rep_orgs = [o for o in candidates if o.representatives.filter(username="org_rep").exists()]
    others = [o for o in candidates if o not in rep_orgs]
    representative = _user("org_rep")
    for org in rep_orgs:
        if representative is not None:
            subject = services.apply_to_round(
                representative, round_obj.pk, org.pk, "申请参加外部评估星级认证。"
            )
            services.admit_subject(actor, subject.pk)
    for org in others:
        services.enter_subject(actor, round_obj.pk, org.pk)
    subjects = list(round_obj.subjects.order_by("pk"))
    qualities = {s.pk: 0.62 + 0.06 * (i % 5) for i, s in enumerate(subjects)}
    for subject in subjects:
        _self_assess(representative if subject.applied_by_id else actor, subject, qualities[subject.pk])  # type: ignore[arg-type]  # the representative exists when they applied
    services.start_scoring(actor, round_obj.pk)
    services.assign_panels(actor, round_obj.pk)
    rng = random.Random(today.year + 7)  # noqa: S311 - reproducible demo scores
    # One assessor sees 2.2.2 (审计与信息公开) of the last one very differently: flagged, then moderated.
    _run_panels(round_obj, qualities, rng, outliers={subjects[-1].pk: "2.2.2"} if subjects else None)
    services.aggregate_results(actor, round_obj.pk)
    for result in IndicatorResult.objects.filter(
        subject__round=round_obj, flagged=True, moderated_at__isnull=True
    ):
        services.moderate_result(
            actor,
            result.pk,
            "评审组复核审计报告后合议，按其余评审意见确定。",
            value=(result.high * Decimal("0.9")).quantize(Decimal("0.1")),
        )
    services.publish_results(actor, round_obj.pk)
    _date_back(
        round_obj,
        self_until=today - datetime.timedelta(days=40),
        scoring_until=today - datetime.timedelta(days=10),
        notice_from=today - datetime.timedelta(days=2),
    )
    # Two objections from the public: one answered on the record, one waiting.
    if len(subjects) >= 2:
        answered = services.file_objection(
            None,
            subjects[1].pk,
            contact="13800138000",
            name="李先生",
            reason="该组织去年活动较少，工作绩效得分偏高，请核实服务项目台账。",
        )
        services.answer_objection(
            actor,
            answered.pk,
            upheld=False,
            answer="经核查，该组织全年开展服务项目12个，台账、照片及服务对象签到表齐全，评分依据充分，维持评估结果。",
        )
        services.file_objection(
            None,
            subjects[0].pk,
            contact="objector@example.cn",
            reason="该组织财务信息未按章程向会员公开，内部治理得分应予复核。",
        )


def _project_round(
    actor: User, unit: LeagueUnit, system: IndicatorSystem, today: D, experts: list[User]
) -> None:
    name = f"{today.year}年度佛山市青少年社会服务项目绩效评估"
    if Round.objects.filter(name=name).exists():
        return
    projects = []
    titles = [
        "“七彩假期”外来务工子女成长计划",
        "青年就业创业导师结对",
        "社区长者青春陪伴行动",
        "河涌守护青年志愿者项目",
    ]
    organizations = list(
        Organization.objects.in_subtree(unit).listed().order_by("-youth_covered", "pk")[: len(titles)]
    )
    for index, (title, org) in enumerate(zip(titles, organizations, strict=False)):
        project = ServiceProject.objects.filter(name=title).first() or services.create_project(
            actor,
            {
                "organization": org.pk,
                "name": title,
                "service_field": ["children", "employment", "elderly", "ecology"][index],
                "started_on": D(today.year, 3, 1),
                "ended_on": D(today.year, 11, 30),
                "budget": Decimal(str(80000 + 20000 * index)),
                "funder": "佛山市民政局（政府购买服务）",
                "beneficiaries": 300 + 150 * index,
                "description": "面向青少年的社会服务项目，由区团委推荐参加绩效评估。",
            },
        )
        projects.append(project)
    if not projects:
        return
    round_obj = _round(
        actor,
        unit,
        system,
        name,
        today.year,
        today,
        description="对政府购买的青少年社会服务项目开展年度绩效评估。",
    )
    services.open_round(actor, round_obj.pk)
    for project in projects:
        services.enter_subject(actor, round_obj.pk, project.pk)
    subjects = list(round_obj.subjects.order_by("pk"))
    qualities = {s.pk: 0.7 + 0.05 * i for i, s in enumerate(subjects)}
    for subject in subjects:
        _self_assess(actor, subject, qualities[subject.pk])
    services.start_scoring(actor, round_obj.pk)
    services.assign_panels(actor, round_obj.pk)
    rng = random.Random(today.year + 13)  # noqa: S311 - reproducible demo scores
    demo_assessor = experts[0]
    # Two subjects' panels have submitted; elsewhere some have, and the demo assessor is
    # half-way through one of theirs.
    for n, assignment in enumerate(
        Assignment.objects.filter(subject__round=round_obj, status="assigned")
        .select_related("assessor", "subject__round")
        .order_by("subject_id", "pk")
    ):
        if assignment.assessor_id == demo_assessor.pk:
            _score(demo_assessor, assignment, qualities[assignment.subject_id], rng, submit=False, limit=3)
        elif assignment.subject_id in (subjects[0].pk, subjects[1].pk) or n % 2 == 0:
            _score(assignment.assessor, assignment, qualities[assignment.subject_id], rng, submit=True)
    Round.objects.filter(pk=round_obj.pk).update(self_assessment_until=today - datetime.timedelta(days=5))
