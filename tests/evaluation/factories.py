"""Builders of star-rating records for tests: plain functions over the services (so a built
record is one the portal could have made), with small, readable defaults."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from evaluation import services
from evaluation.models import Assignment, Expert, IndicatorSystem, Round, Subject
from tests.conftest import make_user

_serial = itertools.count(1)

# Two sections, four scored indicators: 40 points.
SMALL_TREE = [
    ("A", "基础条件", [("A1", "办公场地", 10), ("A2", "管理制度", 10)]),
    ("B", "工作绩效", [("B1", "孵化服务", 15), ("B2", "服务对象满意度", 5)]),
]
THRESHOLDS = [20, 25, 30, 35, 38]


def today() -> datetime.date:
    return timezone.localdate()


def make_system(
    actor: Any,
    unit: Any,
    subject_type: str = "base",
    *,
    publish: bool = True,
    tree: Any = SMALL_TREE,
    **fields: Any,
) -> IndicatorSystem:
    system = services.create_system(
        actor,
        {
            "code": fields.pop("code", f"sys-{next(_serial)}"),
            "name": fields.pop("name", "测试指标体系"),
            "subject_type": subject_type,
            "unit": unit.pk,
            **fields,
        },
    )
    for code, name, children in tree:
        section = services.add_indicator(
            actor, system.pk, {"code": code, "name": name, "max_points": sum(c[2] for c in children)}
        )
        for child_code, child_name, points in children:
            services.add_indicator(
                actor,
                system.pk,
                {
                    "parent": section.pk,
                    "code": child_code,
                    "name": child_name,
                    "max_points": points,
                    "guide": "按标准给分",
                },
            )
    return services.publish_system(actor, system.pk) if publish else system


def round_data(unit: Any, system: IndicatorSystem, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": f"测试评估批次{next(_serial)}",
        "unit": unit.pk,
        "subject_type": system.subject_type,
        "year": today().year,
        "system": system.pk,
        **{f"threshold_{n}": t for n, t in enumerate(THRESHOLDS, start=1)},
        "self_assessment_until": today() + datetime.timedelta(days=10),
        "scoring_until": today() + datetime.timedelta(days=20),
        "notice_days": 7,
        "panel_size": 3,
        "rule": "trimmed_mean",
        "trim_from": 5,
        "disagreement_share": Decimal("0.40"),
        "validity_months": 12,
        "appeal_days": 30,
        "accepts_applications": True,
        "description": "",
    }
    data.update(overrides)
    return data


def make_round(
    actor: Any, unit: Any, system: IndicatorSystem, *, opened: bool = True, **overrides: Any
) -> Round:
    round_obj = services.create_round(actor, round_data(unit, system, **overrides))
    if opened:
        services.open_round(actor, round_obj.pk)
        round_obj.refresh_from_db()
    return round_obj


def make_assessor(username: str | None = None, **fields: Any) -> Any:
    username = username or f"expert{next(_serial)}"
    fields.setdefault("full_name", f"专家{username[-2:]}")
    return make_user(username, is_assessor=True, **fields)


def add_to_pool(actor: Any, unit: Any, user: Any, **fields: Any) -> Expert:
    return services.add_expert(actor, {"unit": unit.pk, "user": user.pk, "expertise": "社会工作", **fields})


def self_assess(actor: Any, subject: Subject, share: float = 0.8) -> None:
    leaves = services.scored_indicators(subject.round.system_id).values()
    services.save_self_assessment(
        actor,
        subject.pk,
        {
            i.pk: {
                "points": (i.max_points * Decimal(str(share))).quantize(Decimal("0.1")),
                "statement": "自评",
            }
            for i in leaves
        },
        version=Subject.objects.values_list("version", flat=True).get(pk=subject.pk),
    )
    services.submit_self_assessment(actor, subject.pk)


def score(
    assessor: Any, assignment: Assignment, points: dict[str, Any] | float, *, submit: bool = True
) -> None:
    """Score every indicator: `points` by indicator code, or one share of every maximum."""
    for indicator in services.scored_indicators(assignment.subject.round.system_id).values():
        value = (
            points[indicator.code]
            if isinstance(points, dict)
            else (indicator.max_points * Decimal(str(points))).quantize(Decimal("0.1"))
        )
        services.save_score(assessor, assignment.pk, indicator.pk, value)
    if submit:
        services.submit_scores(assessor, assignment.pk)


def assign(actor: Any, subject: Subject, assessors: list[Any]) -> list[Assignment]:
    return [services.assign_assessor(actor, subject.pk, a.pk) for a in assessors]
