"""Filing, approval and unlocking through the services (the page, API and import call them)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hubportal.access import NotChangeable, NotVisible
from hubportal.models import OutboxMessage
from hubportal.services import StaleVersion
from reporting import services
from reporting.models import Report, ReportValue, ReportVersion, UnlockRequest
from tests.conftest import make_user

from .conftest import GOOD, at, save, submit


@pytest.fixture
def guzhen_report(clock, monthly_form, guzhen, guzhen_cadre):
    return services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 14))


def values_of(report):
    return {
        v.metric.code: v.value for v in ReportValue.objects.filter(report=report).select_related("metric")
    }


def test_report_is_created_on_demand_for_the_period(guzhen_report, monthly_form, guzhen, guzhen_cadre):
    assert (guzhen_report.period_start, guzhen_report.period_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert guzhen_report.deadline == date(2026, 3, 5)
    again = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    assert again.pk == guzhen_report.pk


def test_opening_a_report_of_a_unit_out_of_reach_names_the_field_not_the_unit(
    clock, monthly_form, guzhen, foshan_cadre, zhongshan_viewer
):
    for outsider in (foshan_cadre, zhongshan_viewer):
        with pytest.raises(ValidationError) as caught:
            services.open_report(outsider, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
        assert set(caught.value.message_dict) == {"unit"}
        assert guzhen.name not in str(caught.value.message_dict)
    assert not Report.objects.exists()


def test_save_draft_then_submit_keeps_a_version(guzhen_report, guzhen_cadre):
    report = services.save_report(guzhen_cadre, guzhen_report.pk, GOOD, version=1)
    assert report.status == Report.Status.DRAFT and report.version == 2
    assert values_of(report)["subsidy"] == Decimal("1800.50")
    report = services.submit_report(guzhen_cadre, report.pk, 2)
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
    services.save_report(guzhen_cadre, guzhen_report.pk, GOOD, version=1)
    with pytest.raises(ValidationError) as caught:
        services.save_report(
            guzhen_cadre, guzhen_report.pk, {**GOOD, "narrative": "改了", field: raw}, version=2
        )
    assert message in " ".join(caught.value.message_dict[field])
    guzhen_report.refresh_from_db()
    assert guzhen_report.version == 2 and values_of(guzhen_report)["narrative"] == GOOD["narrative"]


def test_figures_lose_their_separators_but_a_text_keeps_every_comma(guzhen_report, guzhen_cadre):
    narrative = "14家，新建3个团支部, 其中 2 个在园区\n下月：走访 1,200 名青年"
    services.save_report(
        guzhen_cadre,
        guzhen_report.pk,
        {
            **GOOD,
            "orgs_contacted": "1,200",
            "branches_founded": "1 200",
            "subsidy": "¥12，345.50",
            "coverage": "45.5%",
            "narrative": narrative,
        },
        version=1,
    )
    stored = values_of(guzhen_report)
    assert stored["orgs_contacted"] == 1200 and stored["branches_founded"] == 1200
    assert stored["subsidy"] == Decimal("12345.50") and stored["coverage"] == Decimal("45.50")
    assert stored["narrative"] == narrative


def test_a_text_sent_by_a_browser_with_crlf_is_stored_with_its_line_breaks(guzhen_report, guzhen_cadre):
    services.save_report(guzhen_cadre, guzhen_report.pk, {**GOOD, "narrative": "第一行\r\n第二行"}, version=1)
    assert values_of(guzhen_report)["narrative"] == "第一行\n第二行"


def test_a_failing_rule_is_refused_with_its_message(guzhen_report, guzhen_cadre):
    with pytest.raises(ValidationError) as caught:
        services.save_report(guzhen_cadre, guzhen_report.pk, {**GOOD, "branches_founded": "20"}, version=1)
    assert "不能超过" in caught.value.message_dict["__all__"][0]
    assert not ReportValue.objects.filter(report=guzhen_report).exists()


def test_required_figures_are_needed_only_to_submit(guzhen_report, guzhen_cadre):
    report = services.save_report(guzhen_cadre, guzhen_report.pk, {"orgs_contacted": "4"}, version=1)
    with pytest.raises(ValidationError) as caught:
        services.submit_report(guzhen_cadre, report.pk, 2)
    assert set(caught.value.message_dict) == {"branches_founded", "narrative"}
    assert Report.objects.get(pk=report.pk).status == Report.Status.DRAFT


def test_second_editor_of_a_draft_gets_a_conflict_and_overwrites_nothing(
    guzhen_report, guzhen_cadre, zhongshan_cadre
):
    # Both opened version 1; the 古镇 cadre saves first.
    services.save_report(guzhen_cadre, guzhen_report.pk, GOOD, version=1)
    with pytest.raises(StaleVersion) as caught:
        services.save_report(zhongshan_cadre, guzhen_report.pk, {**GOOD, "orgs_contacted": "99"}, version=1)
    message = caught.value.message_dict["version"][0]
    assert "梁古镇" in message and "reload" in message
    assert values_of(guzhen_report)["orgs_contacted"] == 12


@pytest.mark.parametrize("version", [None, "", "  ", "abc", "1.5", "-1"])
def test_a_missing_or_garbled_version_is_a_clear_refusal(guzhen_report, guzhen_cadre, version):
    with pytest.raises(ValidationError) as caught:
        services.save_report(guzhen_cadre, guzhen_report.pk, GOOD, version=version)
    assert "reload" in caught.value.message_dict["version"][0].lower()
    with pytest.raises(ValidationError) as caught:
        services.submit_report(guzhen_cadre, guzhen_report.pk, version)
    assert "version" in caught.value.message_dict
    assert Report.objects.get(pk=guzhen_report.pk).version == 1 and not ReportValue.objects.exists()


def test_filed_after_the_deadline_is_late(clock, guzhen_report, guzhen_cadre, zhongshan_cadre):
    save(guzhen_cadre, guzhen_report)
    clock.move_to(at(2026, 3, 9))
    # Past the deadline a draft is locked: late entry needs an unlock from the parent unit.
    with pytest.raises(ValidationError, match="deadline has passed"):
        submit(guzhen_cadre, guzhen_report)
    unlock = services.request_unlock(guzhen_cadre, guzhen_report.pk, "镇团委书记出差，补报。")
    services.decide_unlock(zhongshan_cadre, unlock.pk, approve=True, hours=24)
    report = submit(guzhen_cadre, guzhen_report)
    assert report.is_late and report.unlocked_until is None
    assert UnlockRequest.objects.get(pk=unlock.pk).status == UnlockRequest.Status.APPROVED


def test_only_the_parent_unit_approves(guzhen_report, guzhen_cadre, zhongshan_cadre, foshan_cadre):
    save(guzhen_cadre, guzhen_report, submit=True)
    # The filing unit sees its report but may not approve it (403); 佛山 does not see it (404).
    with pytest.raises(NotChangeable, match="parent unit"):
        services.approve_report(guzhen_cadre, guzhen_report.pk)
    with pytest.raises(NotVisible):
        services.approve_report(foshan_cadre, guzhen_report.pk)
    assert Report.objects.get(pk=guzhen_report.pk).status == Report.Status.SUBMITTED
    report = services.approve_report(zhongshan_cadre, guzhen_report.pk)
    assert report.status == Report.Status.APPROVED and report.approved_by == zhongshan_cadre


def test_town_cadre_cannot_approve_its_city_report(
    clock, monthly_form, zhongshan, zhongshan_cadre, guzhen_cadre, province_admin
):
    city_report = services.open_report(zhongshan_cadre, monthly_form.pk, zhongshan.pk, date(2026, 2, 1))
    save(zhongshan_cadre, city_report, submit=True)
    with pytest.raises(NotVisible):
        services.approve_report(guzhen_cadre, city_report.pk)
    with pytest.raises(NotChangeable):
        services.approve_report(zhongshan_cadre, city_report.pk)
    assert services.approve_report(province_admin, city_report.pk).status == Report.Status.APPROVED


def test_approved_report_is_locked_until_unlocked(guzhen_report, guzhen_cadre, zhongshan_cadre):
    save(guzhen_cadre, guzhen_report, submit=True)
    services.approve_report(zhongshan_cadre, guzhen_report.pk)
    with pytest.raises(ValidationError, match="approved and locked"):
        save(guzhen_cadre, guzhen_report, {**GOOD, "orgs_contacted": "13"})
    with pytest.raises(ValidationError, match="approved and locked"):
        submit(guzhen_cadre, guzhen_report)
    assert values_of(guzhen_report)["orgs_contacted"] == 12
    unlock = services.request_unlock(guzhen_cadre, guzhen_report.pk, "数字有误")
    with pytest.raises(NotChangeable, match="parent unit"):
        services.decide_unlock(guzhen_cadre, unlock.pk, approve=True)
    with pytest.raises(ValidationError) as caught:
        services.decide_unlock(zhongshan_cadre, unlock.pk, approve=True, hours=0)
    assert "hours" in caught.value.message_dict
    services.decide_unlock(zhongshan_cadre, unlock.pk, approve=True, hours=48)
    report = save(guzhen_cadre, guzhen_report, {**GOOD, "orgs_contacted": "13"}, submit=True)
    assert report.status == Report.Status.RESUBMITTED
    assert list(report.versions.values_list("number", flat=True)) == [2, 1]


def test_return_needs_a_reason_and_allows_resubmission(guzhen_report, guzhen_cadre, zhongshan_cadre):
    save(guzhen_cadre, guzhen_report, submit=True)
    with pytest.raises(ValidationError):
        services.return_report(zhongshan_cadre, guzhen_report.pk, "other", "")
    with pytest.raises(ValidationError):
        services.return_report(zhongshan_cadre, guzhen_report.pk, "bogus", "x")
    report = services.return_report(zhongshan_cadre, guzhen_report.pk, "wrong", "补贴金额与建团数不符")
    assert report.status == Report.Status.RETURNED
    report = save(guzhen_cadre, report, {**GOOD, "subsidy": "1800"}, submit=True)
    assert report.status == Report.Status.RESUBMITTED and report.returns.get().code == "wrong"


def test_outsiders_cannot_change_another_citys_report(guzhen_report, foshan_cadre, zhongshan_viewer):
    with pytest.raises(NotVisible):
        services.save_report(foshan_cadre, guzhen_report.pk, GOOD, version=1)
    with pytest.raises(NotChangeable):
        services.save_report(zhongshan_viewer, guzhen_report.pk, GOOD, version=1)
    assert not ReportValue.objects.exists()


def test_a_unit_outside_the_form_cannot_file_it(clock, monthly_form, units, province_admin):
    university = units["U440001"]
    with pytest.raises(ValidationError, match="do not file"):
        services.open_report(province_admin, monthly_form.pk, university.pk, date(2026, 2, 1))


@pytest.fixture
def guzhen_people(guzhen, guzhen_cadre):
    """The 古镇 editor has an e-mail; a second administrator only a phone; a viewer hears nothing."""
    guzhen_cadre.email = "guzhen@example.cn"
    guzhen_cadre.save(update_fields=["email"])
    admin = make_user("guzhen_admin", guzhen, phone="13800000001")
    make_user("guzhen_viewer", guzhen, role="viewer", email="viewer@example.cn")
    return guzhen_cadre, admin


def test_approval_tells_the_filing_units_cadres_in_the_portal_language(
    guzhen_report, guzhen_cadre, zhongshan_cadre, guzhen_people
):
    save(guzhen_cadre, guzhen_report, submit=True)
    assert not OutboxMessage.objects.exists()
    services.approve_report(zhongshan_cadre, guzhen_report.pk)
    messages = OutboxMessage.objects.order_by("recipient")
    assert [(m.recipient, m.channel) for m in messages] == [
        ("13800000001", "sms"),
        ("guzhen@example.cn", "email"),
    ]
    assert all("古镇镇" in m.subject and "陈中山" in m.body and "approved" in m.tag_list for m in messages)
    assert "批准" in messages[0].subject or "通过" in messages[0].subject  # zh-hans, not the test's English


def test_a_return_tells_the_filing_unit_why(guzhen_report, guzhen_cadre, zhongshan_cadre, guzhen_people):
    save(guzhen_cadre, guzhen_report, submit=True)
    services.return_report(zhongshan_cadre, guzhen_report.pk, "wrong", "补贴金额与建团数不符")
    messages = list(OutboxMessage.objects.all())
    assert len(messages) == 2
    assert all("补贴金额与建团数不符" in m.body and "returned" in m.tag_list for m in messages)


def test_a_refused_decision_tells_nobody(guzhen_report, guzhen_cadre, guzhen_people):
    save(guzhen_cadre, guzhen_report, submit=True)
    with pytest.raises(NotChangeable):
        services.approve_report(guzhen_cadre, guzhen_report.pk)
    assert not OutboxMessage.objects.exists()
