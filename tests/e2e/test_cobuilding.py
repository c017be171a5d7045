"""Co-building and cards in a real browser: the public map draws the youth venues as a layer
beside the 亲青家园 bases (offline), a card shows its QR code, and the public check the code
opens fits a phone and says only whether the card is valid and which unit issued it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.cards import factories as card_factories
from tests.cobuilding import factories as f

from .conftest import log_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_public_map_draws_the_youth_venues_beside_the_bases(page, live_server, units):
    committee = f.committee(units["442000001"])
    f.venue(committee, name="石岐青年之家", latitude=Decimal("22.522"), longitude=Decimal("113.383"))
    f.venue(committee, name="没有坐标的阵地")
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto("/incubation/map/")
    page.wait_for_load_state("networkidle")
    wait_until(page, "document.querySelector('#base-map canvas') !== null")
    option = "echarts.getInstanceByDom(document.getElementById('base-map')).getOption()"
    names = page.evaluate(f"{option}.series.map(s => s.name)")
    assert names[-1] == "青年阵地"
    assert page.evaluate(f"{option}.series[{len(names) - 1}].data.map(d => d.name)") == ["石岐青年之家"]
    assert "青年阵地" in page.evaluate(f"{option}.legend[0].data")
    assert outside == []


def test_a_card_shows_its_qr_code_and_the_check_fits_a_phone(page, phone_page, units):
    from tests.conftest import make_user

    guzhen = units["442000012"]
    make_user("gz_admin", guzhen)
    card = card_factories.card(
        card_factories.holder(guzhen, datetime.date(2003, 5, 6), name="王小明"), number="GZ000001"
    )
    log_in(page, "gz_admin")
    page.goto(f"/cards/cards/{card.pk}/")
    qr = page.locator("#card-face .qr svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] > 100
    assert card.holder.id_number in page.locator("#holder-data").inner_text()

    phone_page.goto(f"/cards/v/{card.token}/")
    result = phone_page.locator("#verify-result")
    assert "此卡有效" in result.inner_text() and "古镇镇" in result.inner_text()
    assert "王小明" not in phone_page.content() and "GZ000001" not in phone_page.content()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
