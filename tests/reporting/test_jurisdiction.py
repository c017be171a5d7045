"""Jurisdiction of the reporting records: pages, API and querysets (tests/jurisdiction.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from reporting.models import (
    Programme,
    Reminder,
    Report,
    ReportForm,
    ReportMetric,
    ReportValue,
    ReportVersion,
    ReturnReason,
    SpotCheck,
    SpotCheckItem,
    TargetRule,
    TargetSnapshot,
    UnlockRequest,
    ValidationRule,
)
from tests.jurisdiction import JurisdictionCases

START = datetime.date(2026, 2, 1)


def form_of(ctx) -> ReportForm:
    form = ReportForm.objects.create(
        code="zs-monthly",
        name="中山月度通报",
        owner=ctx.zhongshan,
        period_type="monthly",
        deadline_day=5,
        levels=["town", "city"],
        kinds=["regional"],
        active_from=datetime.date(2025, 1, 1),
    )
    ReportMetric.objects.create(form=form, code="orgs_contacted", label="联系组织数", type="integer", order=1)
    return form


def report_of(ctx) -> Report:
    return Report.objects.create(
        form=form_of(ctx),
        unit=ctx.zhongshan,
        period_start=START,
        period_end=datetime.date(2026, 2, 28),
        deadline=datetime.date(2026, 3, 5),
    )


def programme_of(ctx) -> Programme:
    return Programme.objects.create(
        owner=ctx.zhongshan,
        name="中山市测试规划",
        start_year=2026,
        end_year=2026,
        launch_on=datetime.date(2026, 1, 1),
        implementation_on=datetime.date(2026, 3, 1),
        inspection_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 31),
    )


def rule_of(ctx) -> TargetRule:
    return TargetRule.objects.create(
        programme=programme_of(ctx),
        label="直接联系组织",
        metric="orgs_directly_contacted",
        threshold=Decimal("30"),
        deadline=datetime.date(2026, 3, 31),
    )


class TestReportForm(JurisdictionCases):
    model = ReportForm
    read_pages = {"detail": "reporting:form_detail"}
    api = "/api/reporting/forms/"
    # A form applies to the units below its issuer: the town files the city's form.
    city_level = False

    def build(self, ctx):
        return form_of(ctx)


class TestReportMetric(JurisdictionCases):
    model = ReportMetric
    city_level = False

    def build(self, ctx):
        return form_of(ctx).metrics.get()


class TestValidationRule(JurisdictionCases):
    model = ValidationRule
    city_level = False

    def build(self, ctx):
        return ValidationRule.objects.create(form=form_of(ctx), expression="orgs_contacted >= 0", message="…")


class TestReport(JurisdictionCases):
    model = Report
    read_pages = {"detail": "reporting:report_detail", "xlsx": "reporting:report_xlsx"}
    pages = {
        "edit": "reporting:report_edit",
        "submit": "reporting:report_submit",
        "unlock": "reporting:report_unlock_request",
        "upload": "reporting:report_upload",
    }
    api = "/api/reporting/reports/"

    def build(self, ctx):
        return report_of(ctx)


class TestReportValue(JurisdictionCases):
    model = ReportValue
    api = "/api/reporting/values/"

    def build(self, ctx):
        report = report_of(ctx)
        return ReportValue.objects.create(report=report, metric=report.form.metrics.get(), int_value=3)


class TestReportVersion(JurisdictionCases):
    model = ReportVersion

    def build(self, ctx):
        return ReportVersion.objects.create(report=report_of(ctx), number=1, status="submitted", data={})


class TestReturnReason(JurisdictionCases):
    model = ReturnReason

    def build(self, ctx):
        return ReturnReason.objects.create(report=report_of(ctx), code="other", comment="…")


class TestUnlockRequest(JurisdictionCases):
    model = UnlockRequest

    def build(self, ctx):
        return UnlockRequest.objects.create(report=report_of(ctx), reason="数字填错")


class TestReminder(JurisdictionCases):
    model = Reminder

    def build(self, ctx):
        report = report_of(ctx)
        return Reminder.objects.create(
            form=report.form, unit=ctx.zhongshan, period_start=START, step="before"
        )


def spot_check_of(ctx) -> SpotCheck:
    return SpotCheck.objects.create(
        unit=ctx.zhongshan,
        title="中山抽查",
        period_start=START,
        period_end=datetime.date(2026, 2, 28),
        seed=7,
        sample_size=1,
    )


class TestSpotCheck(JurisdictionCases):
    model = SpotCheck
    read_pages = {"detail": "reporting:spotcheck_detail"}
    api = "/api/reporting/spot-checks/"

    def build(self, ctx):
        return spot_check_of(ctx)


class TestSpotCheckItem(JurisdictionCases):
    model = SpotCheckItem

    def build(self, ctx):
        report = report_of(ctx)
        value = ReportValue.objects.create(report=report, metric=report.form.metrics.get(), int_value=3)
        return SpotCheckItem.objects.create(
            spot_check=spot_check_of(ctx),
            unit=ctx.zhongshan,
            content_type=ContentType.objects.get_for_model(ReportValue),
            object_id=value.pk,
            description="中山 · 联系组织数 = 3",
        )


class TestProgramme(JurisdictionCases):
    model = Programme
    read_pages = {"detail": "reporting:programme_detail"}
    api = "/api/reporting/programmes/"
    # A programme binds the units below its issuer: the town reads the city's plan.
    city_level = False

    def build(self, ctx):
        return programme_of(ctx)


class TestTargetRule(JurisdictionCases):
    model = TargetRule
    api = "/api/reporting/targets/"
    city_level = False

    def build(self, ctx):
        return rule_of(ctx)


class TestTargetSnapshot(JurisdictionCases):
    model = TargetSnapshot
    # The snapshot's only page, the drill-down, redirects to the records behind the figure
    # (302); its 404 for another city is asserted in test_pages.
    api = "/api/reporting/snapshots/"

    def build(self, ctx):
        return TargetSnapshot.objects.create(
            rule=rule_of(ctx),
            unit=ctx.zhongshan,
            period="2026Q1",
            value=Decimal("12"),
            threshold=Decimal("30"),
            status="behind",
            computed_at=timezone.now(),
        )
