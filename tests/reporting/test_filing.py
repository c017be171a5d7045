"""Filing, approval and unlocking through the services (the page, API and import call them)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reporting import services
from reporting.models import Report, ReportValue, ReportVersion, UnlockRequest

from .conftest import GOOD, at


@pytest.fixture
def guzhen_report(clock, monthly_form, guzhen, guzhen_cadre):
    return services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 14))


def values_of(report):
    return {
        v.metric.code: v.value for v in ReportValue.objects.filter(report=report).select_related("metric")
    }


def test_report_is_created_on_demand_for_the_period(guzhen_report, monthly_form, guzhen, guzhen_cadre):
    assert (guzhen_report.period_start, guzhen_report.period_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert guzhen_report.deadline == date(2026, 3, 5)
    again = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    assert again.pk == guzhen_report.pk


def test_save_draft_then_submit_keeps_a_version(guzhen_report, guzhen_cadre):
    report = services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, expected_version=1)
    assert report.status == Report.Status.DRAFT and report.version == 2
    assert values_of(report)["subsidy"] == Decimal("1800.50")
    report = services.submit_report(report.pk, guzhen_cadre, expected_version=2)
    assert report.status == Report.Status.SUBMITTED and not report.is_late
    version = ReportVersion.objects.get(report=report)
    assert version.number == 1 and version.data["branches_founded"] == "3"


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("orgs_contacted", "twelve", "is not a whole number"),
        ("orgs_contacted", "3.5", "is not a whole number"),
        ("orgs_contacted", "-1", "cannot be negative"),
        ("subsidy", "12.345", "two decimal places"),
        ("subsidy", "abc", "is not a number"),
        ("coverage", "120", "between 0 and 100"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_saved(
    guzhen_report, guzhen_cadre, field, raw, message
):
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, expected_version=1)
    with pytest.raises(ValidationError) as caught:
        services.save_report_values(
            guzhen_report.pk, guzhen_cadre, {**GOOD, "narrative": "改了", field: raw}, expected_version=2
        )
    assert message in " ".join(caught.value.message_dict[field])
    guzhen_report.refresh_from_db()
    assert guzhen_report.version == 2 and values_of(guzhen_report)["narrative"] == GOOD["narrative"]


def test_a_failing_rule_is_refused_with_its_message(guzhen_report, guzhen_cadre):
    with pytest.raises(ValidationError) as caught:
        services.save_report_values(
            guzhen_report.pk, guzhen_cadre, {**GOOD, "branches_founded": "20"}, expected_version=1
        )
    assert "不能超过" in caught.value.message_dict["__all__"][0]
    assert not ReportValue.objects.filter(report=guzhen_report).exists()


def test_required_figures_are_needed_only_to_submit(guzhen_report, guzhen_cadre):
    report = services.save_report_values(
        guzhen_report.pk, guzhen_cadre, {"orgs_contacted": "4"}, expected_version=1
    )
    with pytest.raises(ValidationError) as caught:
        services.submit_report(report.pk, guzhen_cadre)
    assert set(caught.value.message_dict) == {"branches_founded", "narrative"}
    assert Report.objects.get(pk=report.pk).status == Report.Status.DRAFT


def test_second_editor_of_a_draft_gets_a_conflict_and_overwrites_nothing(
    guzhen_report, guzhen_cadre, zhongshan_cadre
):
    # Both opened version 1; the 古镇 cadre saves first.
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, expected_version=1)
    with pytest.raises(services.ConcurrentEditError) as caught:
        services.save_report_values(
            guzhen_report.pk, zhongshan_cadre, {**GOOD, "orgs_contacted": "99"}, expected_version=1
        )
    assert "梁古镇" in caught.value.messages[0] and "reload" in caught.value.messages[0]
    assert values_of(guzhen_report)["orgs_contacted"] == 12


def test_filed_after_the_deadline_is_late(clock, guzhen_report, guzhen_cadre, zhongshan_cadre):
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD)
    clock.move_to(at(2026, 3, 9))
    # Past the deadline a draft is locked: late entry needs an unlock from the parent unit.
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.submit_report(guzhen_report.pk, guzhen_cadre)
    unlock = services.request_unlock(guzhen_report.pk, guzhen_cadre, "镇团委书记出差，补报。")
    services.decide_unlock(unlock.pk, zhongshan_cadre, approve=True, hours=24)
    report = services.submit_report(guzhen_report.pk, guzhen_cadre)
    assert report.is_late and report.unlocked_until is None
    assert UnlockRequest.objects.get(pk=unlock.pk).status == UnlockRequest.Status.APPROVED


def test_only_the_parent_unit_approves(guzhen_report, guzhen_cadre, zhongshan_cadre, foshan_cadre):
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, submit=True)
    for outsider in (guzhen_cadre, foshan_cadre):
        with pytest.raises(ValidationError):
            services.approve_report(guzhen_report.pk, outsider)
    assert Report.objects.get(pk=guzhen_report.pk).status == Report.Status.SUBMITTED
    report = services.approve_report(guzhen_report.pk, zhongshan_cadre)
    assert report.status == Report.Status.APPROVED and report.approved_by == zhongshan_cadre


def test_town_cadre_cannot_approve_its_city_report(
    clock, monthly_form, zhongshan, zhongshan_cadre, guzhen_cadre, province_admin
):
    city_report = services.report_for(zhongshan_cadre, monthly_form, zhongshan, date(2026, 2, 1))
    services.save_report_values(city_report.pk, zhongshan_cadre, GOOD, submit=True)
    for user in (guzhen_cadre, zhongshan_cadre):
        with pytest.raises(ValidationError):
            services.approve_report(city_report.pk, user)
    assert services.approve_report(city_report.pk, province_admin).status == Report.Status.APPROVED


def test_approved_report_is_locked_until_unlocked(guzhen_report, guzhen_cadre, zhongshan_cadre):
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, submit=True)
    services.approve_report(guzhen_report.pk, zhongshan_cadre)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.save_report_values(guzhen_report.pk, guzhen_cadre, {**GOOD, "orgs_contacted": "13"})
    with pytest.raises(ValidationError, match="approved and locked"):
        services.submit_report(guzhen_report.pk, guzhen_cadre)
    assert values_of(guzhen_report)["orgs_contacted"] == 12
    unlock = services.request_unlock(guzhen_report.pk, guzhen_cadre, "数字有误")
    with pytest.raises(ValidationError, match="parent unit"):
        services.decide_unlock(unlock.pk, guzhen_cadre, approve=True)
    services.decide_unlock(unlock.pk, zhongshan_cadre, approve=True, hours=48)
    report = services.save_report_values(
        guzhen_report.pk, guzhen_cadre, {**GOOD, "orgs_contacted": "13"}, submit=True
    )
    assert report.status == Report.Status.RESUBMITTED
    assert list(report.versions.values_list("number", flat=True)) == [2, 1]


def test_return_needs_a_reason_and_allows_resubmission(guzhen_report, guzhen_cadre, zhongshan_cadre):
    services.save_report_values(guzhen_report.pk, guzhen_cadre, GOOD, submit=True)
    with pytest.raises(ValidationError):
        services.return_report(guzhen_report.pk, zhongshan_cadre, "other", "")
    with pytest.raises(ValidationError):
        services.return_report(guzhen_report.pk, zhongshan_cadre, "bogus", "x")
    report = services.return_report(guzhen_report.pk, zhongshan_cadre, "wrong", "补贴金额与建团数不符")
    assert report.status == Report.Status.RETURNED
    report = services.save_report_values(report.pk, guzhen_cadre, {**GOOD, "subsidy": "1800"}, submit=True)
    assert report.status == Report.Status.RESUBMITTED and report.returns.get().code == "wrong"


def test_outsiders_cannot_change_another_citys_report(guzhen_report, foshan_cadre, zhongshan_viewer):
    for user in (foshan_cadre, zhongshan_viewer):
        with pytest.raises(ValidationError, match="outside"):
            services.save_report_values(guzhen_report.pk, user, GOOD)
    assert not ReportValue.objects.exists()


def test_a_unit_outside_the_form_cannot_file_it(clock, monthly_form, units, province_admin):
    university = units["U440001"]
    with pytest.raises(ValidationError, match="do not file"):
        services.report_for(province_admin, monthly_form, university, date(2026, 2, 1))
