"""The incubation app's edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tests.round_trip import NARRATIVE, Page, fields_of


def full_base(unit) -> Any:
    from incubation.models import IncubationBase

    return IncubationBase.objects.create(
        name="中山市亲青家园",
        unit=unit,
        base_type="physical",
        address="中山市东区兴中道 6 号",
        latitude=Decimal("22.517000"),
        longitude=Decimal("113.392000"),
        floor_area=Decimal("1250.50"),
        work_stations=12,
        services=["free_office", "registration"],
        opened_on=datetime.date(2024, 3, 1),
        description=NARRATIVE,
        paired_group_name="中山市青联第三小组",
        paired_group_contact="陈委员 13700137000",
    )


def base_edit(ctx) -> Page:
    base = full_base(ctx.zhongshan)
    return Page(reverse("incubation:base_edit", args=[base.pk]), ctx.zhongshan_cadre, fields_of(base))


def base_checklist(ctx) -> Page:
    from incubation.models import BaseChecklistResult, ChecklistItem

    base = full_base(ctx.zhongshan)
    items = [
        ChecklistItem.objects.create(code=f"A{i}", text=f"标准条目{i}", weight=10, order=i)
        for i in range(1, 4)
    ]
    for i, item in enumerate(items):
        BaseChecklistResult.objects.create(
            base=base, item=item, met=bool(i % 2), note=f"备注，第{i}条", checked_on=datetime.date(2026, 2, 1)
        )

    def read() -> list[tuple[Any, ...]]:
        return sorted(
            BaseChecklistResult.objects.filter(base=base).values_list("item_id", "met", "note", "checked_on")
        )

    return Page(reverse("incubation:base_checklist", args=[base.pk]), ctx.zhongshan_cadre, read)


def fund_edit(ctx) -> Page:
    from incubation.models import IncubationFund

    fund = IncubationFund.objects.create(
        unit=ctx.zhongshan,
        name="中山市青年社会组织孵化基金",
        established_on=datetime.date(2025, 1, 1),
        description=NARRATIVE,
        balance=Decimal("640000.00"),
    )
    return Page(reverse("incubation:fund_edit", args=[fund.pk]), ctx.zhongshan_cadre, fields_of(fund))


CASES: dict[str, Callable[[Any], Page]] = {
    "incubation:base_edit": base_edit,
    "incubation:base_checklist": base_checklist,
    "incubation:fund_edit": fund_edit,
}
