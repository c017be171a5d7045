"""A youth group registers itself on a phone; a cadre reviews it in the browser; the public
finds it in the directory."""

from __future__ import annotations

import pytest

from hubportal.messaging import MemoryBackend
from orgs.models import Organization
from tests.orgs.flow_support import PDF_BYTES, isolate, last_code, queued

from .conftest import log_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


def register_on_phone(page, zhongshan, guzhen, tmp_path) -> None:
    page.goto("/register/")
    page.fill("input[name=name]", "古镇青年街舞社")
    page.select_option("select[name=tier]", "N")
    page.select_option("select[name=kind]", "social_organization")
    page.select_option("select[name=category]", "interest")
    page.check("input[name=service_fields][value=culture_sports]")
    page.fill("input[name=youth_covered]", "80")
    page.click("#next-button")
    # Choosing the city loads its towns into the second select (HTMX).
    page.select_option("select[name=city]", str(zhongshan.pk))
    wait_until(
        page, f"document.querySelector('select[name=governing_unit] option[value=\"{guzhen.pk}\"]') !== null"
    )
    page.select_option("select[name=governing_unit]", str(guzhen.pk))
    page.click("#next-button")
    page.fill("input[name=contact_person]", "陈小舞")
    page.fill("input[name=phone]", "13800138123")
    page.fill("input[name=email]", "dance@example.cn")
    page.fill("input[name=backbone_name]", "黄街舞")
    page.select_option("select[name=backbone_gender]", "male")
    page.click("#send-code")
    page.get_by_text("验证码已发送到您的电子邮箱").wait_for(state="visible")
    # What was typed is still there after the round trip.
    assert page.input_value("input[name=contact_person]") == "陈小舞"
    page.fill("input[name=code]", last_code())
    page.click("#next-button")
    charter = tmp_path / "章程.pdf"
    charter.write_bytes(PDF_BYTES)
    page.set_input_files("input[name=charter]", str(charter))
    page.fill("input[name=password1]", "Jiewu-2026-ok")
    page.fill("input[name=password2]", "Jiewu-2026-ok")
    page.check("input[name=agree]")
    page.click("#next-button")
    page.wait_for_load_state("networkidle")


def test_group_registers_on_a_phone_and_a_cadre_approves_it(
    phone_page, page, zhongshan, guzhen, zhongshan_cadre, tmp_path
):
    register_on_phone(phone_page, zhongshan, guzhen, tmp_path)
    assert "/directory/mine/" in phone_page.url
    assert phone_page.locator("#status-note").inner_text().startswith("登记正在等待古镇镇团委审核")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    org = Organization.objects.get(name="古镇青年街舞社")
    assert org.status == Organization.Status.PENDING

    log_in(page, "zs_cadre")
    page.goto("/orgs/review/")
    page.get_by_role("link", name="古镇青年街舞社").click()
    page.check("input[name=decision][value=return]")
    page.fill("textarea[name=reason]", "请补充活动场地说明")
    page.click("#decide-button")
    page.get_by_text("审核意见已记录").wait_for(state="visible")
    # The service queued the message with the decision; it was delivered after the commit.
    assert "请补充活动场地说明" in queued("registration")[-1].body
    assert any("请补充活动场地说明" in m.body for m in MemoryBackend.outbox)

    # The group sees the reason, corrects and resubmits; what it typed is kept.
    phone_page.reload()
    assert "请补充活动场地说明" in phone_page.locator("#status-note").inner_text()
    phone_page.click("#edit-link")
    assert phone_page.input_value("input[name=basic-name]") == "古镇青年街舞社"
    phone_page.fill("textarea[name=basic-description]", "活动场地：古镇青年之家二楼")
    phone_page.click("#save-button")
    phone_page.get_by_text("等待审核").first.wait_for(state="visible")

    page.goto(f"/orgs/review/{org.pk}/")
    page.check("input[name=decision][value=approve]")
    page.click("#decide-button")
    page.get_by_text("审核意见已记录").wait_for(state="visible")
    org.refresh_from_db()
    assert org.status == Organization.Status.LISTED

    phone_page.goto("/directory/?q=街舞")
    phone_page.get_by_role("link", name="古镇青年街舞社").click()
    assert "活动场地：古镇青年之家二楼" in phone_page.content()
    assert "13800138123" not in phone_page.content()
