"""The star ratings' edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tests.round_trip import NARRATIVE, Page, fields_of


def system_edit(ctx) -> Page:
    from . import records

    system = records.system(ctx.zhongshan, status="draft", description=NARRATIVE, grade_style="a_grade")
    return Page(reverse("evaluation:system_edit", args=[system.pk]), ctx.zhongshan_cadre, fields_of(system))


def indicator_edit(ctx) -> Page:
    from incubation.models import ChecklistItem

    from . import records

    system = records.system(ctx.zhongshan, status="draft")
    indicator = records.leaf(system)
    indicator.guide = NARRATIVE
    indicator.evidence_expected = "制度文本、台账；\n照片"
    indicator.checklist_item = ChecklistItem.objects.create(code="A1", text="有固定的办公场地", weight=3)
    indicator.order = 4
    indicator.save()
    return Page(
        reverse("evaluation:indicator_edit", args=[indicator.pk]), ctx.zhongshan_cadre, fields_of(indicator)
    )


def round_edit(ctx) -> Page:
    from . import records

    round_obj = records.round_of(
        ctx.zhongshan,
        phase="draft",
        description=NARRATIVE,
        notice_days=10,
        panel_size=7,
        rule="median",
        trim_from=6,
        disagreement_share=Decimal("0.35"),
        validity_months=36,
        appeal_days=15,
        accepts_applications=False,
    )
    return Page(
        reverse("evaluation:round_edit", args=[round_obj.pk]), ctx.zhongshan_cadre, fields_of(round_obj)
    )


def expert_edit(ctx) -> Page:
    from tests.orgs.factories import id_number

    from . import records

    expert = records.expert_of(ctx.zhongshan)
    expert.employer = "中山大学社会学与人类学学院"
    expert.id_number = id_number(serial=456)
    expert.save()
    return Page(reverse("evaluation:expert_edit", args=[expert.pk]), ctx.zhongshan_cadre, fields_of(expert))


def project_edit(ctx) -> Page:
    from . import records

    project = records.project_of(ctx.zhongshan)
    project.service_field = "children"
    project.ended_on = datetime.date(2026, 11, 30)
    project.budget = Decimal("1234567.50")
    project.funder = "中山市民政局（政府购买服务）"
    project.beneficiaries = 1500
    project.description = NARRATIVE
    project.save()
    return Page(
        reverse("evaluation:project_edit", args=[project.pk]), ctx.zhongshan_cadre, fields_of(project)
    )


def subject_self_assessment(ctx) -> Page:
    from evaluation.models import Claim

    from . import records

    round_obj = records.round_of(ctx.zhongshan, phase="self_assessment")
    subject = records.subject_of(ctx.zhongshan, round=round_obj, result="pending")
    Claim.objects.create(
        subject=subject, indicator=records.leaf(round_obj.system), points=Decimal("7.5"), statement=NARRATIVE
    )

    def read() -> list[Any]:
        return sorted(
            Claim.objects.filter(subject=subject).values_list("indicator_id", "points", "statement")
        )

    return Page(reverse("evaluation:subject_self_assessment", args=[subject.pk]), ctx.zhongshan_cadre, read)


CASES: dict[str, Callable[[Any], Page]] = {
    "evaluation:system_edit": system_edit,
    "evaluation:indicator_edit": indicator_edit,
    "evaluation:round_edit": round_edit,
    "evaluation:expert_edit": expert_edit,
    "evaluation:project_edit": project_edit,
    "evaluation:subject_self_assessment": subject_self_assessment,
}
