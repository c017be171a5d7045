"""The reporting app's edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tests.round_trip import NARRATIVE, Page


def report_edit(ctx) -> Page:
    from reporting.models import MetricType, Report, ReportForm, ReportMetric, ReportValue

    form = ReportForm.objects.create(
        code="round-trip",
        name="月度通报",
        owner=ctx.province,
        period_type="monthly",
        deadline_day=5,
        levels=["city", "county", "town"],
        kinds=["regional"],
        active_from=datetime.date(2020, 1, 1),
    )
    kinds = [
        ("orgs_contacted", MetricType.INTEGER),
        ("subsidy", MetricType.MONEY),
        ("coverage", MetricType.PERCENT),
        ("narrative", MetricType.TEXT),
    ]
    metrics = {
        code: ReportMetric.objects.create(
            form=form, code=code, label=code, type=kind, required=False, order=i
        )
        for i, (code, kind) in enumerate(kinds)
    }
    today = datetime.date.today()
    start = today.replace(day=1)
    report = Report.objects.create(
        form=form,
        unit=ctx.zhongshan,
        period_start=start,
        period_end=(start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1),
        deadline=(start + datetime.timedelta(days=40)).replace(day=5),
    )
    ReportValue.objects.bulk_create(
        [
            ReportValue(report=report, metric=metrics["orgs_contacted"], int_value=1234),
            ReportValue(report=report, metric=metrics["subsidy"], decimal_value=Decimal("12345.60")),
            ReportValue(report=report, metric=metrics["coverage"], decimal_value=Decimal("87.50")),
            ReportValue(report=report, metric=metrics["narrative"], text_value=NARRATIVE),
        ]
    )

    def read() -> list[tuple[Any, ...]]:
        return sorted(
            ReportValue.objects.filter(report=report).values_list(
                "metric__code", "int_value", "decimal_value", "text_value", "file"
            )
        )

    return Page(reverse("reporting:report_edit", args=[report.pk]), ctx.zhongshan_cadre, read)


CASES: dict[str, Callable[[Any], Page]] = {
    "reporting:report_edit": report_edit,
}
