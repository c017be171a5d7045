"""Fixtures of the reporting tests: a monthly form like the 月度通报 and a frozen clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from reporting.models import MetricType, ReportForm, ReportMetric, ValidationRule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages are asserted in English (the msgids); pages set their own language."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    """The clock frozen on 3 March 2026: February's reports are due on 5 March."""
    with time_machine.travel(at(2026, 3, 3), tick=False) as traveller:
        yield traveller


@pytest.fixture
def monthly_form(province):
    form = ReportForm.objects.create(
        code="monthly-league-building",
        name="月度通报",
        owner=province,
        period_type="monthly",
        deadline_day=5,
        levels=["city", "county", "town"],
        kinds=["regional"],
        active_from=date(2025, 1, 1),
    )
    ReportMetric.objects.bulk_create(
        [
            ReportMetric(
                form=form, code="orgs_contacted", label="联系青年社会组织数", type=MetricType.INTEGER, order=1
            ),
            ReportMetric(
                form=form, code="branches_founded", label="本月新建团组织数", type=MetricType.INTEGER, order=2
            ),
            ReportMetric(
                form=form,
                code="subsidy",
                label="建团补贴（元）",
                type=MetricType.MONEY,
                required=False,
                order=3,
            ),
            ReportMetric(
                form=form,
                code="coverage",
                label="团建覆盖率",
                type=MetricType.PERCENT,
                required=False,
                order=4,
            ),
            ReportMetric(form=form, code="narrative", label="工作简述", type=MetricType.TEXT, order=5),
        ]
    )
    ValidationRule.objects.create(
        form=form,
        expression="branches_founded <= orgs_contacted",
        message="本月新建团组织数不能超过联系青年社会组织数。",
    )
    return form


GOOD = {
    "orgs_contacted": "12",
    "branches_founded": "3",
    "subsidy": "1800.50",
    "coverage": "45.5",
    "narrative": "新建三个团支部。",
}


def file_report(actor, form, unit, day, values=None, *, submit=False):
    """Open the report of `unit` for the period of `day` and save `values` (GOOD by default)
    as the page would, with the version it read."""
    from reporting import services

    report = services.open_report(actor, form.pk, unit.pk, day)
    return services.save_report(
        actor, report.pk, GOOD if values is None else values, version=report.version, submit=submit
    )


def save(actor, report, values=None, *, submit=False):
    """Save `values` on `report` with its current version (a fresh page)."""
    from reporting import services
    from reporting.models import Report

    version = Report.objects.get(pk=report.pk).version
    return services.save_report(
        actor, report.pk, GOOD if values is None else values, version=version, submit=submit
    )


def submit(actor, report):
    from reporting import services
    from reporting.models import Report

    return services.submit_report(actor, report.pk, Report.objects.get(pk=report.pk).version)
