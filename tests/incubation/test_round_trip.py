"""Every incubation form survives the browser, in Chinese and in English.

Each page is rendered for a fully filled record, and the POST is what a browser sends for
that HTML (`tests.browser_form`: a date input whose value is not `YYYY-MM-DD` is sent empty,
an unchecked box is not sent, a select sends its selected option). Edit forms saved untouched
change no stored field; the application and action forms record exactly the dates and
amounts they showed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from incubation import services
from incubation.models import (
    BaseChecklistResult,
    ChecklistItem,
    FundMovement,
    IncubationFund,
    Milestone,
    Residency,
    ServiceDelivery,
)
from tests.browser_form import post_forms

from .conftest import make_base

D = datetime.date
NARRATIVE = "全年服务入驻组织12家, 其中:\n（一）注册辅导 5 家；\n（二）财务托管 7 家。"

pytestmark = pytest.mark.parametrize("language", ["zh-hans", "en"])


def browser_post(client, language: str, action: str, *, page: str | None = None, **typed: Any):
    """Open `page` (default: `action` itself), submit its form posting to `action` as the
    browser would, with only the fields in `typed` changed by the user."""
    shown = client.get(page or action, HTTP_ACCEPT_LANGUAGE=language)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert f'<html lang="{language}">' in html
    forms = post_forms(html, action)
    assert forms, f"no form posting to {action} on {page or action}"
    body = max(forms, key=lambda f: len(f.names)).data()
    body.update(typed)
    response = client.post(action, body, HTTP_ACCEPT_LANGUAGE=language)
    problems = response.context["form"].errors if response.status_code != 302 and response.context else ""
    assert response.status_code == 302, f"the browser's submission was refused: {problems}"
    return response


def stored(obj) -> dict[str, Any]:
    """Every stored field of the record (bookkeeping included: an untouched save moves nothing)."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


@pytest.fixture
def full_base(zhongshan):
    return make_base(
        zhongshan,
        "中山市亲青家园",
        address="中山市东区兴中道 6 号",
        latitude=Decimal("22.517000"),
        longitude=Decimal("113.392000"),
        floor_area=Decimal("1250.5"),
        work_stations=12,
        services=["registration", "free_office", "venue"],  # stored unsorted, as older data is
        opened_on=D(2009, 6, 6),
        description=NARRATIVE,
        paired_group_name="中山市青联第三小组",
        paired_group_contact="陈委员 13700137000",
    )


@pytest.fixture
def full_fund(zhongshan, zhongshan_cadre):
    fund = IncubationFund.objects.create(
        unit=zhongshan,
        name="中山市青年社会组织孵化基金",
        established_on=D(2012, 3, 15),
        description=NARRATIVE,
    )
    services.raise_money(zhongshan_cadre, fund.pk, "5000000.00", D(2012, 3, 20), "市财政配套")
    return fund


# Edit forms ------------------------------------------------------------------------------
def test_the_base_edit_form_saved_untouched_changes_nothing(language, client_for, zhongshan_cadre, full_base):
    before = stored(full_base)
    url = reverse("incubation:base_edit", args=[full_base.pk])
    browser_post(client_for(zhongshan_cadre), language, url)
    assert stored(full_base) == before


def test_the_base_edit_form_changes_only_what_was_typed(language, client_for, zhongshan_cadre, full_base):
    before = stored(full_base)
    url = reverse("incubation:base_edit", args=[full_base.pk])
    browser_post(client_for(zhongshan_cadre), language, url, work_stations="15")
    after = stored(full_base)
    assert (after["work_stations"], after["version"]) == (15, before["version"] + 1)
    unchanged = {k for k in before if k not in {"work_stations", "version", "updated_at", "services"}}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert sorted(after["services"]) == sorted(before["services"])


def test_the_fund_edit_form_saved_untouched_changes_nothing(language, client_for, zhongshan_cadre, full_fund):
    before = stored(full_fund)
    assert before["balance"] == Decimal("5000000.00")
    url = reverse("incubation:fund_edit", args=[full_fund.pk])
    browser_post(client_for(zhongshan_cadre), language, url)
    assert stored(full_fund) == before


def test_the_checklist_saved_untouched_changes_nothing(language, client_for, zhongshan_cadre, full_base):
    items = [ChecklistItem.objects.create(code=f"A{i}", text=f"标准条目{i}", weight=i) for i in (1, 2, 3)]
    for i, item in enumerate(items):
        BaseChecklistResult.objects.create(
            base=full_base, item=item, met=bool(i % 2), note=f"备注，第{i}条", checked_on=D(2026, 2, 1)
        )
    before = list(BaseChecklistResult.objects.order_by("pk").values())
    url = reverse("incubation:base_checklist", args=[full_base.pk])
    browser_post(client_for(zhongshan_cadre), language, url)
    assert list(BaseChecklistResult.objects.order_by("pk").values()) == before


# The application ---------------------------------------------------------------------------
def test_the_application_form_records_what_it_showed(
    language, client_for, zhongshan_cadre, full_base, zs_orgs
):
    url = reverse("incubation:residency_create")
    page = f"{url}?base={full_base.pk}"
    browser_post(client_for(zhongshan_cadre), language, url, page=page, organization=zs_orgs[0].name)
    residency = Residency.objects.get()
    assert (residency.base, residency.organization, residency.applied_on) == (
        full_base,
        zs_orgs[0],
        timezone.localdate(),
    )


def test_the_public_application_form_records_what_it_showed(
    language, client_for, representative, full_base, zs_orgs
):
    zs_orgs[0].representatives.add(representative)
    url = reverse("incubation:public_apply", args=[full_base.pk])
    browser_post(client_for(representative), language, url, organization=str(zs_orgs[0].pk), note=NARRATIVE)
    residency = Residency.objects.get()
    assert (residency.organization, residency.note, residency.applied_by) == (
        zs_orgs[0],
        NARRATIVE,
        representative,
    )


# The residency steps, submitted from the residency's page ----------------------------------
def step(client, language: str, residency: Residency, slug: str, **typed: Any) -> None:
    action = reverse("incubation:residency_action", args=[residency.pk, slug])
    browser_post(client, language, action, page=residency.get_absolute_url(), **typed)


def test_the_residency_steps_record_the_dates_they_showed(
    language, client_for, zhongshan_cadre, full_base, zs_orgs
):
    today = timezone.localdate()
    client = client_for(zhongshan_cadre)
    residency = services.apply_for_residency(zhongshan_cadre, full_base.pk, zs_orgs[0].pk, on=today)
    step(client, language, residency, "admit")
    step(client, language, residency, "start")
    step(client, language, residency, "service", **{"service-description": NARRATIVE[:300]})
    step(client, language, residency, "milestone", **{"milestone-note": "登记为民办非企业单位"})
    step(client, language, residency, "graduate", **{"graduate-outcomes": ["registered", "backbone"]})
    residency.refresh_from_db()
    assert (residency.status, residency.admitted_on, residency.started_on, residency.ended_on) == (
        "graduated",
        today,
        today,
        today,
    )
    assert residency.outcomes == ["backbone", "registered"]
    delivery = ServiceDelivery.objects.get()
    # The first listed service, one hour (the form's initial values), on the date shown.
    assert (delivery.service_type, delivery.hours, delivery.date) == ("free_office", Decimal("1"), today)
    milestone = Milestone.objects.get()
    assert (milestone.kind, milestone.date, milestone.note) == ("registered", today, "登记为民办非企业单位")

    declined = services.apply_for_residency(zhongshan_cadre, full_base.pk, zs_orgs[1].pk, on=today)
    step(client, language, declined, "decline", **{"decline-reason": NARRATIVE})
    exited = services.apply_for_residency(zhongshan_cadre, full_base.pk, zs_orgs[2].pk, on=today)
    step(client, language, exited, "admit")
    step(client, language, exited, "exit", **{"exit-reason": "迁往广州"})
    declined.refresh_from_db()
    exited.refresh_from_db()
    assert (declined.status, declined.ended_on, declined.reason) == ("declined", today, NARRATIVE)
    assert (exited.status, exited.ended_on, exited.reason) == ("exited", today, "迁往广州")


# Money -----------------------------------------------------------------------------------
def test_the_money_forms_record_the_amounts_and_dates_they_showed(
    language, client_for, zhongshan_cadre, full_fund, full_base
):
    today = timezone.localdate()
    client = client_for(zhongshan_cadre)
    fund_page = full_fund.get_absolute_url()
    raise_url = reverse("incubation:fund_raise", args=[full_fund.pk])
    browser_post(client, language, raise_url, amount="1,234,567.80", purpose="中山市青年企业家协会")
    grant_url = reverse("incubation:fund_grant", args=[full_fund.pk])
    browser_post(
        client,
        language,
        grant_url,
        amount="300,000.00",
        purpose="“亲青家园”配套培育基金",
        grantee_base=str(full_base.pk),
        approved_by="团市委书记办公会",
    )
    grant = FundMovement.objects.get(kind="granted")
    reverse_url = reverse("incubation:grant_reverse", args=[grant.pk])
    assert reverse_url in client.get(fund_page).content.decode()
    browser_post(client, language, reverse_url, reason="项目延后，资金退回")
    raised = FundMovement.objects.get(kind="raised", purpose="中山市青年企业家协会")
    reversal = FundMovement.objects.get(kind="reversal")
    assert (raised.amount, raised.date) == (Decimal("1234567.80"), today)
    assert (grant.amount, grant.date, grant.grantee_base, grant.disbursed_on) == (
        Decimal("300000.00"),
        today,
        full_base,
        None,
    )
    assert (reversal.amount, reversal.date, reversal.reverses) == (Decimal("300000.00"), today, grant)
    full_fund.refresh_from_db()
    assert full_fund.balance == Decimal("6234567.80")


def test_a_refused_grant_keeps_the_amount_as_typed(
    language, client_for, zhongshan_cadre, full_fund, full_base
):
    """Typed with separators, refused by the service (it would overdraw): shown again as typed."""
    client = client_for(zhongshan_cadre)
    url = reverse("incubation:fund_grant", args=[full_fund.pk])
    body = {
        "amount": "6,000,000.00",
        "date": "2024-03-01",
        "purpose": "场地",
        "grantee_base": full_base.pk,
        "approved_by": "办公会",
    }
    refused = client.post(url, body, HTTP_ACCEPT_LANGUAGE=language)
    html = refused.content.decode()
    assert refused.status_code == 400 and 'value="6,000,000.00"' in html and "5,000,000.00" in html
    assert not FundMovement.objects.filter(kind="granted").exists()
