"""Self-registration: the public wizard, verification codes, documents, throttling."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from hubportal.messaging import MemoryBackend
from orgs.models import BackboneMember, Organization, OrganizationDocument, StatusChange
from orgs.registration import CODE_MAX_TRIES
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import EXE_BYTES, isolate, last_code, pdf, queued


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


def step_url(step: str) -> str:
    return reverse("orgs_public:register_step", args=[step])


BASIC = {
    "name": "古镇灯饰青年志愿服务队",
    "tier": "N",
    "body": "",
    "kind": "social_organization",
    "category": "public_welfare",
    "service_fields": ["community", "elderly"],
    "registration_status": "unregistered",
    "credit_code": "",
    "founded_on": "2021-05-04",
    "youth_covered": "120",
    "description": "服务古镇外来务工青年。",
}


def contact(**extra):
    data = {
        "contact_person": "王小明",
        "phone": "13800138000",
        "email": "team@example.cn",
        "address": "古镇镇中兴大道1号",
        "backbone_name": "李青",
        "backbone_gender": "female",
        "backbone_phone": "13900139000",
        "backbone_role": "队长",
        "verify_via": "email",
    }
    data.update(extra)
    return data


def fill_first_steps(client, zhongshan, guzhen, basic=None) -> None:
    assert client.post(step_url("basic"), basic or BASIC).status_code == 302
    assert (
        client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk}).status_code == 302
    )
    client.post(step_url("contact"), {**contact(), "send_code": "1"})
    response = client.post(step_url("contact"), {**contact(), "code": last_code()})
    assert response.status_code == 302, response.context["form"].errors


def finish(client, **extra):
    data = {"password1": "Qingnian-2026!", "password2": "Qingnian-2026!", "agree": "on", "charter": pdf()}
    data.update(extra)
    return client.post(step_url("documents"), data)


def test_group_registers_in_four_steps_and_is_logged_in(client, zhongshan, guzhen):
    fill_first_steps(client, zhongshan, guzhen)
    response = finish(client)
    org = Organization.objects.get(name=BASIC["name"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "orgs_public:my_organization", args=[org.pk]
    )
    assert org.status == Organization.Status.PENDING and org.governing_unit == guzhen
    assert org.service_fields == ["community", "elderly"] and org.submitted_at is not None
    user = User.objects.get(username="team@example.cn")
    assert user.is_representative and user.check_password("Qingnian-2026!")
    assert list(org.representatives.all()) == [user]
    assert BackboneMember.objects.get(organization=org).name == "李青"
    document = OrganizationDocument.objects.get(organization=org)
    assert document.doc_type == "charter" and document.original_name == "章程.pdf"
    assert StatusChange.objects.filter(organization=org, to_status="pending").count() == 1
    # Logged in as the group: its own page shows the pending status.
    page = client.get(response["Location"])
    assert page.status_code == 200 and "等待" in page.content.decode()


def test_typed_values_are_kept_between_steps_and_after_errors(client, zhongshan, guzhen):
    response = client.post(step_url("basic"), {**BASIC, "kind": "", "name": "石岐青年读书会"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert "石岐青年读书会" in response.content.decode()
    client.post(step_url("basic"), {**BASIC, "name": "石岐青年读书会"})
    client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk, "back": "1"})
    page = client.get(step_url("basic")).content.decode()
    assert "石岐青年读书会" in page and "服务古镇外来务工青年" in page
    page = client.get(step_url("unit")).content.decode()
    assert f'value="{guzhen.pk}" selected' in page


def test_steps_cannot_be_skipped(client):
    response = client.get(step_url("documents"))
    assert response.status_code == 302 and response["Location"] == step_url("basic")
    assert client.get(reverse("orgs_public:register"))["Location"] == step_url("basic")


def test_bad_credit_code_names_the_right_check_character(client, db):
    code = credit_code(77)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(
        step_url("basic"), {**BASIC, "registration_status": "social_group", "credit_code": wrong}
    )
    message = " ".join(response.context["form"].errors["credit_code"])
    assert f"({code[17]})" in message.replace("（", "(").replace("）", ")") or code[17] in message
    assert "信用代码" in message or "credit code" in message


def test_registered_organization_must_give_credit_code_and_certificate(client, zhongshan, guzhen):
    response = client.post(step_url("basic"), {**BASIC, "registration_status": "social_group"})
    assert response.context["form"].errors["credit_code"]
    fill_first_steps(
        client,
        zhongshan,
        guzhen,
        {**BASIC, "registration_status": "social_group", "credit_code": credit_code(5)},
    )
    response = finish(client)
    assert response.status_code == 200
    assert response.context["form"].errors["certificate"]
    assert not Organization.objects.exists() and not User.objects.filter(username="team@example.cn").exists()


def test_town_must_belong_to_the_chosen_city(client, zhongshan, foshan, guzhen):
    client.post(step_url("basic"), BASIC)
    response = client.post(step_url("unit"), {"city": foshan.pk, "governing_unit": guzhen.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["governing_unit"]


def test_town_options_follow_the_city(client, zhongshan, foshan):
    response = client.get(
        reverse("orgs_public:register_towns"), {"city": zhongshan.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "古镇镇" in html and "<option" in html and "南海" not in html
    html = client.get(reverse("orgs_public:register_towns"), {"city": foshan.pk}).content.decode()
    assert "古镇镇" not in html


def test_wrong_code_counts_down_then_locks(client, zhongshan, guzhen):
    client.post(step_url("basic"), BASIC)
    client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk})
    client.post(step_url("contact"), {**contact(), "send_code": "1"})
    good = last_code()
    bad = "000000" if good != "000000" else "111111"
    response = client.post(step_url("contact"), {**contact(), "code": bad})
    assert f"还可以尝试 {CODE_MAX_TRIES - 1} 次" in " ".join(response.context["form"].errors["code"])
    for _ in range(CODE_MAX_TRIES - 1):
        response = client.post(step_url("contact"), {**contact(), "code": bad})
    response = client.post(step_url("contact"), {**contact(), "code": good})
    assert response.status_code == 200
    assert "重新获取" in " ".join(response.context["form"].errors["code"])


def test_code_expires_after_ten_minutes_and_resend_is_throttled(client, zhongshan, guzhen):
    client.post(step_url("basic"), BASIC)
    client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk})
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.post(step_url("contact"), {**contact(), "send_code": "1"})
        code = last_code()
        again = client.post(step_url("contact"), {**contact(), "send_code": "1"})
        assert "请等待" in " ".join(again.context["form"].errors["code"])
        assert len(queued("verification")) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=11), tick=False):
        response = client.post(step_url("contact"), {**contact(), "code": code})
        assert "过期" in " ".join(response.context["form"].errors["code"])


def test_code_goes_by_sms_to_a_mobile_and_only_its_hash_is_kept(client, zhongshan, guzhen):
    client.post(step_url("basic"), BASIC)
    client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk})
    client.post(step_url("contact"), {**contact(verify_via="phone"), "send_code": "1"})
    message = queued("verification")[-1]
    assert (message.channel, message.recipient, message.sensitive) == ("sms", "13800138000", True)
    assert last_code() not in str(dict(client.session))
    response = client.post(step_url("contact"), {**contact(verify_via="phone"), "code": last_code()})
    assert response.status_code == 302
    finish(client)
    assert User.objects.filter(username="13800138000", is_representative=True).exists()


def test_renamed_executable_and_oversized_documents_are_refused(client, zhongshan, guzhen):
    fill_first_steps(client, zhongshan, guzhen)
    response = finish(
        client, charter=SimpleUploadedFile("章程.pdf", EXE_BYTES, content_type="application/pdf")
    )
    assert "PDF、JPG" in " ".join(response.context["form"].errors["charter"]) or "PDF" in " ".join(
        response.context["form"].errors["charter"]
    )
    big = SimpleUploadedFile("章程.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = finish(client, charter=big)
    assert "MB" in " ".join(response.context["form"].errors["charter"])
    assert not Organization.objects.exists()


def test_weak_or_mismatched_password_is_refused(client, zhongshan, guzhen):
    fill_first_steps(client, zhongshan, guzhen)
    response = finish(client, password1="12345678", password2="12345678")
    assert response.context["form"].errors["password1"]
    response = finish(client, password2="another-Pass-1")
    assert response.context["form"].errors["password2"]
    assert not Organization.objects.exists()


def test_existing_login_is_refused_without_creating_anything(client, zhongshan, guzhen):
    User.objects.create_user(username="team@example.cn", password="x-Very-long-2026")
    fill_first_steps(client, zhongshan, guzhen)
    response = finish(client)
    assert response.status_code == 200
    assert "已经存在" in " ".join(response.context["form"].non_field_errors())
    assert not Organization.objects.exists()


def test_duplicate_credit_code_is_refused_in_step_one(client, guzhen):
    existing = make_org(guzhen, "古镇青年商会", registration_status="social_group")
    response = client.post(
        step_url("basic"),
        {**BASIC, "registration_status": "social_group", "credit_code": existing.credit_code},
    )
    assert response.context["form"].errors["credit_code"]


def test_submissions_are_throttled_per_address(client, zhongshan, guzhen):
    fill_first_steps(client, zhongshan, guzhen)
    for _ in range(10):
        response = finish(client, agree="")
        assert response.status_code == 200
    response = finish(client)
    assert response.status_code == 429
    assert "太多" in response.content.decode()
    assert not Organization.objects.exists()
    # Another address is not affected.
    other = client.post(step_url("documents"), {}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_wizard_pages_work_for_the_public_in_chinese(client, db):
    page = client.get(step_url("basic")).content.decode()
    assert "基本情况" in page and 'name="name"' in page and "下一步" in page


def test_the_code_goes_through_the_outbox_and_is_erased_once_delivered(
    client, zhongshan, guzhen, django_capture_on_commit_callbacks
):
    client.post(step_url("basic"), BASIC)
    client.post(step_url("unit"), {"city": zhongshan.pk, "governing_unit": guzhen.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url("contact"), {**contact(), "send_code": "1"})
    row = queued("verification")[-1]
    assert (row.recipient, row.status, row.sensitive, row.body) == ("team@example.cn", "sent", True, "")
    delivered = [m for m in MemoryBackend.outbox if "verification" in m.tags]
    assert len(delivered) == 1 and delivered[0].email == "team@example.cn"
    assert client.post(step_url("contact"), {**contact(), "code": last_code()}).status_code == 302
