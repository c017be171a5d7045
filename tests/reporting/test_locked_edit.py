"""A locked report's edit page (issue 9, item 8): read-only values, why, and the unlock
request, instead of fields whose save would be refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from reporting import services
from reporting.models import ReportValue

from .conftest import GOOD, save


@pytest.fixture
def guzhen_report(clock, monthly_form, guzhen, guzhen_cadre):
    return services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 14))


def edit_url(report) -> str:
    return reverse("reporting:report_edit", args=[report.pk])


def test_an_open_draft_shows_its_fields(client_for, guzhen_cadre, guzhen_report):
    html = client_for(guzhen_cadre).get(edit_url(guzhen_report)).content.decode()
    assert 'name="orgs_contacted"' in html and 'id="report-locked"' not in html


def test_an_approved_report_shows_read_only_with_the_unlock_request(
    client_for, guzhen_cadre, zhongshan_cadre, guzhen_report
):
    save(guzhen_cadre, guzhen_report, submit=True)
    services.approve_report(zhongshan_cadre, guzhen_report.pk)
    client = client_for(guzhen_cadre)
    response = client.get(edit_url(guzhen_report))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="report-locked"' in html and 'id="report-form"' not in html
    assert 'name="orgs_contacted"' not in html and "<textarea" not in html.split('id="unlock-form"')[0]
    assert reverse("reporting:report_unlock_request", args=[guzhen_report.pk]) in html
    assert "新建三个团支部。" in html  # the values, read-only
    # A save posted anyway is refused without a change.
    refused = client.post(edit_url(guzhen_report), {**GOOD, "orgs_contacted": "99", "save": "1"})
    assert refused.status_code == 409
    assert ReportValue.objects.get(report=guzhen_report, metric__code="orgs_contacted").int_value == 12
    # Once asked, the page says the request is waiting instead of offering it again.
    services.request_unlock(guzhen_cadre, guzhen_report.pk, "数字有误")
    html = client.get(edit_url(guzhen_report)).content.decode()
    assert 'id="unlock-pending"' in html and 'id="unlock-form"' not in html and "数字有误" in html


def test_a_submitted_report_is_read_only_without_an_unlock(client_for, guzhen_cadre, guzhen_report):
    save(guzhen_cadre, guzhen_report, submit=True)
    html = client_for(guzhen_cadre).get(edit_url(guzhen_report)).content.decode()
    assert 'id="report-locked"' in html and 'id="unlock-form"' not in html and 'id="report-form"' not in html
