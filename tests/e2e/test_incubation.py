"""亲青家园 in a real browser: the offline map draws the bases, the dashboard draws its chart,
and a cadre admits an application with the button on a phone-sized screen."""

import datetime
from decimal import Decimal

import pytest

from incubation import services
from incubation.models import IncubationBase
from tests.orgs.factories import make_org

from .conftest import log_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_base(unit, name, **fields):
    defaults = {"base_type": "physical", "work_stations": 3, "opened_on": datetime.date(2024, 3, 1)}
    defaults.update(fields)
    return IncubationBase.objects.create(name=name, unit=unit, **defaults)


def test_public_map_draws_the_bases_without_internet(page, live_server, zhongshan, guzhen):
    make_base(zhongshan, "中山市亲青家园", latitude=Decimal("22.517"), longitude=Decimal("113.392"))
    make_base(guzhen, "古镇镇亲青家园", latitude=Decimal("22.612"), longitude=Decimal("113.190"))
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto("/incubation/map/")
    page.wait_for_load_state("networkidle")
    wait_until(page, "document.querySelector('#base-map canvas') !== null")
    drawn = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('base-map')).getOption().series[1].data.map(d => d.name)"
    )
    assert sorted(drawn) == ["中山市亲青家园", "古镇镇亲青家园"]
    cities = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('base-map')).getOption().series[0].data.length"
    )
    assert cities == 21
    # the province outline is registered as a map and drawn by the geo component
    assert page.evaluate("echarts.getMap('guangdong-schematic') !== undefined")
    assert outside == []


def test_cadre_admits_with_the_button_on_a_phone(phone_page, zhongshan_cadre, zhongshan):
    base = make_base(zhongshan, "中山市亲青家园")
    org = make_org(zhongshan, "石岐青年读书会")
    residency = services.apply_for_residency(zhongshan_cadre, base.pk, org.pk)
    page = phone_page
    log_in(page, "zs_cadre")
    page.goto(f"/incubation/residencies/{residency.pk}/")
    page.get_by_role("button", name="准入").first.click()
    page.locator("#action-admit button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#residency-status").inner_text() == "已准入"
    page.goto(f"/incubation/bases/{base.pk}/")
    wait_until(page, "document.querySelector('#base-chart canvas') !== null")
    assert "1 / 3" in page.locator("#dashboard").inner_text()


def test_a_base_saved_in_the_browser_keeps_its_date_and_money_takes_separators(
    page, zhongshan_cadre, zhongshan
):
    from incubation.models import FundMovement, IncubationFund

    base = make_base(zhongshan, "中山市亲青家园", opened_on=datetime.date(2009, 6, 6), work_stations=8)
    fund = IncubationFund.objects.create(
        unit=zhongshan, name="中山市孵化基金", established_on=datetime.date(2012, 3, 1)
    )
    log_in(page, "zs_cadre")
    page.goto(f"/incubation/bases/{base.pk}/edit/")
    assert page.input_value("input[name=opened_on]") == "2009-06-06"  # what the browser holds
    page.fill("input[name=address]", "中山市东区兴中道 6 号")
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").last.click()
    base.refresh_from_db()
    assert (base.address, base.opened_on, base.version) == (
        "中山市东区兴中道 6 号",
        datetime.date(2009, 6, 6),
        2,
    )
    page.goto(f"/incubation/funds/{fund.pk}/raise/")
    page.fill("input[name=amount]", "5,000,000.00")
    page.fill("input[name=purpose]", "市财政配套")
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").last.click()
    assert FundMovement.objects.get(fund=fund).amount == Decimal("5000000.00")
    fund.refresh_from_db()
    assert fund.balance == Decimal("5000000.00")
