"""Star-rating records written directly (no services) for the jurisdiction and round-trip
tests: a 中山 chain from a system to a certificate, each record built in one step."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from evaluation.models import (
    Appeal,
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
)
from incubation.models import IncubationBase
from tests.conftest import make_user
from tests.incubation.conftest import make_base
from tests.orgs.factories import make_org

_serial = itertools.count(1)


def today() -> datetime.date:
    return timezone.localdate()


def system(unit: Any, status: str = "published", **fields: Any) -> IndicatorSystem:
    n = next(_serial)
    made = IndicatorSystem.objects.create(
        code=f"jur-{n}",
        name=fields.pop("name", f"管辖测试指标体系{n}"),
        subject_type="base",
        unit=unit,
        **fields,
    )
    section = Indicator.objects.create(system=made, code="A", name="基础条件", max_points=10)
    Indicator.objects.create(
        system=made, parent=section, code="A1", name="办公场地", depth=1, max_points=10, guide="按标准给分"
    )
    if status != "draft":
        IndicatorSystem.objects.filter(pk=made.pk).update(
            status=status, published_at=timezone.now(), total_points=Decimal("10")
        )
        made.refresh_from_db()
    return made


def leaf(system_obj: IndicatorSystem) -> Indicator:
    return system_obj.indicators.get(code="A1")


def round_of(unit: Any, phase: str = "results", **fields: Any) -> Round:
    return Round.objects.create(
        name=fields.pop("name", f"管辖测试批次{next(_serial)}"),
        unit=unit,
        subject_type="base",
        year=today().year,
        system=system(unit),
        phase=phase,
        threshold_1=2,
        threshold_2=4,
        threshold_3=6,
        threshold_4=8,
        threshold_5=10,
        self_assessment_until=today() + datetime.timedelta(days=10),
        scoring_until=today() + datetime.timedelta(days=20),
        **fields,
    )


def subject_of(unit: Any, result: str = "final", **fields: Any) -> Subject:
    base = fields.pop("base", None) or make_base(unit, f"管辖测试亲青家园{next(_serial)}")
    values: dict[str, Any] = {
        "total": Decimal("8"),
        "stars": 4,
        "total_low": Decimal("7"),
        "total_high": Decimal("9"),
        "aggregated_at": timezone.now(),
    }
    if result in ("in_notice", "final"):
        values |= {
            "notice_from": today() - datetime.timedelta(days=2),
            "notice_until": today() + datetime.timedelta(days=4),
        }
    if result == "pending":
        values = {}
    values.update(fields)
    return Subject.objects.create(
        round=values.pop("round", None) or round_of(unit),
        base=base,
        name=base.name,
        owner_unit=unit,
        result=result,
        **values,
    )


def assignment_of(subject: Subject, status: str = "submitted") -> Assignment:
    assessor = make_user(f"jur_assessor{next(_serial)}", is_assessor=True)
    return Assignment.objects.create(
        subject=subject,
        assessor=assessor,
        deadline=subject.round.scoring_until,
        status=status,
        submitted_at=timezone.now() if status == "submitted" else None,
    )


def score_of(unit: Any) -> Score:
    subject = subject_of(unit)
    indicator = leaf(subject.round.system)
    return Score.objects.create(
        assignment=assignment_of(subject),
        indicator=indicator,
        points=Decimal("8"),
        max_points=indicator.max_points,
    )


def result_of(unit: Any) -> IndicatorResult:
    subject = subject_of(unit, result="provisional")
    return IndicatorResult.objects.create(
        subject=subject,
        indicator=leaf(subject.round.system),
        scores=3,
        value=Decimal("8"),
        low=Decimal("2"),
        high=Decimal("10"),
        flagged=True,
    )


def claim_of(unit: Any) -> Claim:
    subject = subject_of(unit)
    return Claim.objects.create(
        subject=subject, indicator=leaf(subject.round.system), points=Decimal("9"), statement="自评"
    )


def evidence_of(unit: Any) -> Evidence:
    subject = subject_of(unit)
    return Evidence.objects.create(
        subject=subject,
        indicator=leaf(subject.round.system),
        kind="record",
        content_type=ContentType.objects.get_for_model(IncubationBase),
        object_id=subject.base_id,
        label="基地档案",
    )


def objection_of(unit: Any) -> Objection:
    return Objection.objects.create(
        subject=subject_of(unit, result="in_notice"), contact="13800138000", reason="异议"
    )


def appeal_of(unit: Any) -> Appeal:
    return Appeal.objects.create(subject=subject_of(unit), reason="申请复核")


def rating_of(unit: Any) -> Rating:
    subject = subject_of(unit)
    return Rating.objects.create(
        subject=subject,
        round=subject.round,
        subject_type="base",
        base=subject.base,
        year=subject.round.year,
        stars=4,
        total=Decimal("8"),
        valid_from=today(),
        valid_until=today() + datetime.timedelta(days=365),
    )


def certificate_of(unit: Any) -> Certificate:
    return Certificate.objects.create(rating=rating_of(unit), code=f"JUR{next(_serial):09d}")


def expert_of(unit: Any) -> Expert:
    return Expert.objects.create(
        unit=unit, user=make_user(f"jur_expert{next(_serial)}", is_assessor=True), expertise="社会工作"
    )


def project_of(unit: Any) -> ServiceProject:
    return ServiceProject.objects.create(
        organization=make_org(unit, f"管辖测试组织{next(_serial)}"),
        name="管辖测试项目",
        started_on=datetime.date(2026, 3, 1),
    )
