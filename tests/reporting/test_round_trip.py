"""Round trips: what the portal shows, sent back unchanged, changes nothing.

(a) The report's edit page, rendered in Chinese and in English for a report with every
    metric type filled (a narrative full of commas included) and posted back exactly as a
    browser would, stores the same values.
(b) The report workbook downloaded from the page and uploaded back unchanged stores the
    same values.
(c) The other forms of the app keep what the user typed when the service refuses it.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting import services
from reporting.models import MetricType, Report, ReportMetric, ReportValue, SpotCheckItem, UnlockRequest
from tests.browser_form import browser_submission

from .conftest import GOOD, file_report

LANGUAGES = ["zh-hans", "en"]
NARRATIVE = "14家，新建3个团支部, 其中：\n  工业园区 1,200 名青年、商圈 3 个；\n“亲青家园”已挂牌。 "


def browser_post(html: str, form_id: str, button: str | None = None) -> dict[str, Any]:
    """The body a browser sends for the form `form_id` untouched (`tests.browser_form`), with
    single values unwrapped for the assertions below."""
    sent = browser_submission(html, form_id=form_id, button=button)
    return {key: values if len(values) > 1 else values[0] for key, values in sent.items()}


def stored(report: Report) -> dict[str, Any]:
    return {
        v.metric.code: (v.int_value, v.decimal_value, v.text_value, v.file.name)
        for v in ReportValue.objects.filter(report=report).select_related("metric")
    }


@pytest.fixture
def full_report(clock, settings, tmp_path, monthly_form, guzhen, guzhen_cadre):
    """A 古镇 draft with every metric type filled: large figures, a narrative full of commas
    and line breaks, an attachment."""
    settings.MEDIA_ROOT = tmp_path
    ReportMetric.objects.create(
        form=monthly_form,
        code="evidence",
        label="佐证材料",
        type=MetricType.ATTACHMENT,
        required=False,
        order=6,
    )
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    values = {
        "orgs_contacted": "1234",
        "branches_founded": "3",
        "subsidy": "1234567.50",
        "coverage": "45.50",
        "narrative": NARRATIVE,
    }
    evidence = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    services.save_report(guzhen_cadre, report.pk, values, {"evidence": evidence}, version=report.version)
    report.refresh_from_db()
    before = stored(report)
    assert set(before) == {m.code for m in monthly_form.metrics.all()}
    assert before["narrative"][2] == NARRATIVE and before["evidence"][3]
    return report


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_edit_page_sent_back_unchanged_changes_nothing(
    full_report, client_for, guzhen_cadre, language
):
    client = client_for(guzhen_cadre)
    url = f"/reporting/reports/{full_report.pk}/edit/"
    before = stored(full_report)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and f'lang="{language}"' in page.content.decode()
    body = browser_post(page.content.decode(), "report-form", button="save")
    assert body["subsidy"] == "1,234,567.50"  # money is shown with thousands separators
    response = client.post(url, body, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(full_report) == before
    # Saved without a change, the version stays: a colleague's open page is still current.
    assert Report.objects.get(pk=full_report.pk).version == full_report.version


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_workbook_uploaded_back_unchanged_changes_nothing(
    full_report, client_for, guzhen_cadre, language
):
    client = client_for(guzhen_cadre)
    before = stored(full_report)
    download = client.get(f"/reporting/reports/{full_report.pk}/xlsx/", HTTP_ACCEPT_LANGUAGE=language)
    assert download.status_code == 200
    upload = io.BytesIO(download.content)
    upload.name = "report.xlsx"
    response = client.post(
        f"/reporting/reports/{full_report.pk}/upload/", {"file": upload}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(full_report) == before


# (c) Refused forms keep what was typed ---------------------------------------------


def field_value(html: str, form_id: str, name: str) -> Any:
    return browser_post(html, form_id).get(name)


ACTION_FORM = '<form method="post" enctype="multipart/form-data" class="col-lg-8" novalidate>'


def form_of(response: Any) -> str:
    """An action page (`generic/action_form.html`) with its form given the id "f"."""
    html = response.content.decode()
    assert html.count(ACTION_FORM) == 1
    return html.replace(ACTION_FORM, '<form id="f" method="post">')


@pytest.fixture
def submitted(clock, monthly_form, guzhen, guzhen_cadre):
    return file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_unlock_request_keeps_the_reason(
    clock, client_for, guzhen_cadre, monthly_form, guzhen, language
):
    draft = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    reason = "镇团委书记出差，\n补报 3 项数字。"
    response = client_for(guzhen_cadre).post(
        f"/reporting/reports/{draft.pk}/unlock/", {"reason": reason}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400  # a draft before its deadline needs no unlock
    assert field_value(form_of(response), "f", "reason") == reason.replace("\n", "\r\n")
    assert not UnlockRequest.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_return_keeps_the_reason_and_comment(submitted, client_for, zhongshan_cadre, language):
    client = client_for(zhongshan_cadre)
    url = f"/reporting/reports/{submitted.pk}/return/"
    response = client.post(url, {"code": "other", "comment": ""}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and field_value(form_of(response), "f", "code") == "other"
    services.approve_report(zhongshan_cadre, submitted.pk)
    comment = "补贴金额与建团数不符，请核实 1,800.50 元"
    response = client.post(url, {"code": "wrong", "comment": comment}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400  # an approved report is no longer returned
    sent = browser_post(form_of(response), "f")
    assert (sent["code"], sent["comment"]) == ("wrong", comment)
    assert Report.objects.get(pk=submitted.pk).status == "approved"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_unlock_decision_keeps_the_hours(
    submitted, client_for, guzhen_cadre, zhongshan_cadre, language
):
    services.approve_report(zhongshan_cadre, submitted.pk)
    unlock = services.request_unlock(guzhen_cadre, submitted.pk, "数字有误")
    client = client_for(zhongshan_cadre)
    url = f"/reporting/unlocks/{unlock.pk}/decide/"
    response = client.post(url, {"decision": "approve", "hours": "900"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    sent = browser_post(form_of(response), "f")
    assert (sent["decision"], sent["hours"]) == ("approve", "900")
    assert UnlockRequest.objects.get(pk=unlock.pk).status == "pending"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_spot_check_draw_keeps_every_field(
    submitted, client_for, zhongshan, zhongshan_cadre, language
):
    typed = {
        "unit": str(zhongshan.pk),
        "title": "二月电话抽查，第 1 轮",
        "period_start": "2026-03-01",
        "period_end": "2026-02-01",  # before the start: refused by the service
        "sample_size": "7",
        "source": "both",
        "metric": "orgs_contacted",
        "seed": "42",
    }
    response = client_for(zhongshan_cadre).post(
        "/reporting/spot-checks/new/", typed, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    html = response.content.decode().replace(
        '<form method="post" class="col-md-6">', '<form id="f" method="post">'
    )
    sent = browser_post(html, "f")
    assert {key: sent[key] for key in typed} == typed  # the dates come back as YYYY-MM-DD in any language


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_outcome_keeps_the_choice(submitted, client_for, zhongshan, zhongshan_cadre, language):
    check = services.draw_spot_check(
        zhongshan_cadre, zhongshan.pk, date(2026, 1, 1), date(2026, 12, 31), 1, seed=1
    )
    item = check.items.get()
    response = client_for(zhongshan_cadre).post(
        f"/reporting/spot-checks/items/{item.pk}/outcome/",
        {"outcome": "false", "note": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400  # what was false must be said
    assert field_value(form_of(response), "f", "outcome") == "false"
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "pending"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_report_opening_keeps_the_choices(
    clock, client_for, province_admin, monthly_form, units, language
):
    university = units["U440001"]  # a university committee does not file the monthly form
    typed = {"form": str(monthly_form.pk), "unit": str(university.pk), "day": "2026-02-14"}
    response = client_for(province_admin).post(
        "/reporting/reports/open/", typed, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    html = response.content.decode().replace(
        '<form method="post" class="col-md-6">', '<form id="f" method="post">'
    )
    sent = browser_post(html, "f")
    assert {key: sent[key] for key in typed} == typed
    assert not Report.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_report_page_keeps_every_typed_value(
    clock, client_for, guzhen_cadre, monthly_form, guzhen, language
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    typed = {
        **GOOD,
        "orgs_contacted": "2",
        "branches_founded": "5",
        "narrative": NARRATIVE.replace("\n", "\r\n"),
    }
    response = client_for(guzhen_cadre).post(
        f"/reporting/reports/{report.pk}/edit/",
        {**typed, "version": report.version, "save": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400  # more branches founded than organizations contacted
    sent = browser_post(response.content.decode(), "report-form")
    assert {code: sent[code] for code in typed} == typed
    assert not ReportValue.objects.exists()


def test_the_attachment_opens_for_the_reports_readers_only(
    full_report, client_for, guzhen_cadre, zhongshan_cadre, foshan_cadre, client
):
    value = ReportValue.objects.get(report=full_report, metric__code="evidence")
    url = reverse("reporting:attachment", args=[value.pk])
    page = client_for(guzhen_cadre).get(f"/reporting/reports/{full_report.pk}/").content.decode()
    assert f'href="{url}">evidence' in page  # the link names the file, not its folders
    for reader in (guzhen_cadre, zhongshan_cadre):  # the unit and the city above it
        answer = client_for(reader).get(url)
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == b"%PDF-1.4 evidence"
        assert "attachment" in answer["Content-Disposition"]
    assert client_for(foshan_cadre).get(url).status_code == 404  # another city: not even its name
    assert client.get(url).status_code == 302  # a visitor signs in first
    stored_name = str(value.file.name)
    assert client_for(guzhen_cadre).get("/media/" + stored_name).status_code == 404
    value.file.storage.delete(stored_name)
    assert client_for(guzhen_cadre).get(url).status_code == 404  # gone: a clear 404, no 500
