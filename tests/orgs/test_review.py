"""The cadres' review queue: jurisdiction, duplicates, decisions, the group's side, edits."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from orgs.models import Organization, StatusChange
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import isolate, pdf, queued


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


def registration(unit, name="古镇青年摄影协会", **fields):
    """A pending self-registration with its representative, as the wizard leaves it."""
    rep = User.objects.create_user(
        username=f"rep-{name}",
        password="x-Long-Pass-2026",
        email=f"{abs(hash(name))}@example.cn",
        is_representative=True,
    )
    org = make_org(
        unit,
        name,
        status=Organization.Status.PENDING,
        submitted_at=timezone.now(),
        email="group@example.cn",
        **fields,
    )
    org.representatives.add(rep)
    return org, rep


def queue_names(client, **params):
    response = client.get(reverse("orgs_flow:review_queue"), params)
    assert response.status_code == 200
    return {o.name for o in response.context["page_obj"]}


def test_queue_holds_pending_registrations_within_jurisdiction(
    client_for, zhongshan_cadre, foshan_cadre, guzhen_cadre, zhongshan, foshan, guzhen
):
    in_guzhen, _ = registration(guzhen, "古镇青年摄影协会")
    at_city, _ = registration(zhongshan, "中山市青年创业协会")
    in_foshan, _ = registration(foshan, "佛山青年义工队")
    make_org(guzhen, "古镇已列入青年会")
    assert queue_names(client_for(zhongshan_cadre)) == {in_guzhen.name, at_city.name}
    assert queue_names(client_for(foshan_cadre)) == {in_foshan.name}
    # The town cadre reviews its own town, not the city's own records.
    assert queue_names(client_for(guzhen_cadre)) == {in_guzhen.name}
    assert (
        client_for(guzhen_cadre).get(reverse("orgs_flow:review_detail", args=[at_city.pk])).status_code == 404
    )
    assert (
        client_for(zhongshan_cadre).get(reverse("orgs_flow:review_detail", args=[in_foshan.pk])).status_code
        == 404
    )


def test_queue_is_for_cadres_only(client_for, representative):
    assert client_for(representative).get(reverse("orgs_flow:review_queue")).status_code == 403


def test_possible_duplicates_are_shown_in_queue_and_detail(client_for, zhongshan_cadre, guzhen, zhongshan):
    make_org(zhongshan, "中山市青年摄影家协会")  # similar, but another unit
    make_org(guzhen, "古镇青年摄影协会会")
    org, _ = registration(guzhen, "古镇青年摄影协会")
    client = client_for(zhongshan_cadre)
    response = client.get(reverse("orgs_flow:review_queue"))
    row = next(o for o in response.context["page_obj"] if o.pk == org.pk)
    assert row.duplicate_names == ["古镇青年摄影协会会"]
    html = client.get(reverse("orgs_flow:review_detail", args=[org.pk])).content.decode()
    assert "可能重复" in html and "古镇青年摄影协会会" in html


def test_same_credit_code_elsewhere_is_a_duplicate(client_for, province_admin, guzhen, foshan):
    from orgs import services

    code = credit_code(5151)
    make_org(foshan, "佛山某青年社团", registration_status="social_group", credit_code=code)
    found = services.find_possible_duplicates("古镇全新名称", code, guzhen)
    assert [o.name for o in found] == ["佛山某青年社团"]


def test_approve_lists_the_organization_and_tells_the_group(client_for, zhongshan_cadre, guzhen, client):
    org, rep = registration(guzhen)
    response = client_for(zhongshan_cadre).post(
        reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == Organization.Status.LISTED
    assert StatusChange.objects.filter(organization=org, to_status="listed", by=zhongshan_cadre).exists()
    messages = queued("registration")
    assert {m.recipient for m in messages} == {"group@example.cn", rep.email}
    assert all("已列入名录" in m.subject for m in messages)
    assert org.name in client.get(reverse("orgs_public:directory")).content.decode()


def test_return_keeps_what_was_typed_and_the_group_resubmits(client_for, zhongshan_cadre, guzhen, zhongshan):
    org, rep = registration(guzhen, description="原来的简介", contact_person="王小明", phone="13800138000")
    cadre = client_for(zhongshan_cadre)
    response = cadre.post(
        reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": "return", "reason": ""}
    )
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert not queued("registration")
    cadre.post(
        reverse("orgs_flow:review_detail", args=[org.pk]),
        {"decision": "return", "reason": "请补充章程中的负责人签字页"},
    )
    org.refresh_from_db()
    assert org.status == Organization.Status.RETURNED
    assert "请补充章程中的负责人签字页" in queued("registration")[-1].body
    group = client_for(rep)
    page = group.get(reverse("orgs_public:my_organization", args=[org.pk])).content.decode()
    assert "退回修改" in page and "请补充章程中的负责人签字页" in page
    form = group.get(reverse("orgs_public:my_organization_edit", args=[org.pk]))
    html = form.content.decode()
    assert "原来的简介" in html and "王小明" in html
    data = {
        "version": org.version,
        "basic-name": org.name,
        "basic-tier": "N",
        "basic-kind": "social_organization",
        "basic-category": "public_welfare",
        "basic-registration_status": "unregistered",
        "basic-youth_covered": "50",
        "basic-description": "补充后的简介",
        "unit-city": zhongshan.pk,
        "unit-governing_unit": guzhen.pk,
        "contact-contact_person": "王小明",
        "contact-phone": "13800138000",
        "contact-email": "",
        "contact-address": "",
        "documents-other": pdf("签字页.pdf"),
    }
    response = group.post(reverse("orgs_public:my_organization_edit", args=[org.pk]), data)
    assert response.status_code == 302, response.context and [f.errors for f in response.context["forms"]]
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING and org.description == "补充后的简介"
    assert org.documents.get().original_name == "签字页.pdf"
    assert org.name in queue_names(cadre)


def test_reject_needs_a_reason_and_is_final(client_for, zhongshan_cadre, guzhen):
    org, rep = registration(guzhen)
    cadre = client_for(zhongshan_cadre)
    cadre.post(
        reverse("orgs_flow:review_detail", args=[org.pk]),
        {"decision": "reject", "reason": "不属于青年社会组织"},
    )
    org.refresh_from_db()
    assert org.status == Organization.Status.REJECTED
    page = client_for(rep).get(reverse("orgs_public:my_organization", args=[org.pk])).content.decode()
    assert "不属于青年社会组织" in page
    assert client_for(rep).get(reverse("orgs_public:my_organization_edit", args=[org.pk])).status_code == 403


def test_viewer_and_other_city_cannot_decide(client_for, zhongshan_viewer, foshan_cadre, guzhen):
    org, _ = registration(guzhen)
    viewer = client_for(zhongshan_viewer)
    assert viewer.get(reverse("orgs_flow:review_detail", args=[org.pk])).status_code == 200
    assert (
        viewer.post(reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": "approve"}).status_code
        == 403
    )
    other = client_for(foshan_cadre).post(
        reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": "approve"}
    )
    assert other.status_code == 404
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING


def test_listed_organization_edits_key_fields_through_review(client_for, zhongshan_cadre, guzhen, zhongshan):
    org = make_org(guzhen, "古镇青年读书会", contact_person="王小明", phone="13800138000")
    rep = User.objects.create_user(
        username="reader", password="x-Long-Pass-2026", email="reader@example.cn", is_representative=True
    )
    org.representatives.add(rep)
    group = client_for(rep)
    data = {
        "version": org.version,
        "basic-name": "古镇青年悦读会",
        "basic-tier": "N",
        "basic-kind": "social_organization",
        "basic-category": "public_welfare",
        "basic-registration_status": "unregistered",
        "basic-youth_covered": "80",
        "basic-description": "每周共读",
        "unit-city": zhongshan.pk,
        "unit-governing_unit": guzhen.pk,
        "contact-contact_person": "王小明",
        "contact-phone": "13800138000",
        "contact-email": "",
        "contact-address": "",
    }
    response = group.post(reverse("orgs_public:my_organization_edit", args=[org.pk]), data)
    assert response.status_code == 302
    org.refresh_from_db()
    # The description applies at once; the new name waits for review.
    assert org.name == "古镇青年读书会" and org.description == "每周共读"
    assert org.pending_changes == {"name": "古镇青年悦读会"}
    cadre = client_for(zhongshan_cadre)
    assert "古镇青年读书会" in queue_names(cadre, kind="changes")
    html = cadre.get(reverse("orgs_flow:review_detail", args=[org.pk])).content.decode()
    assert "古镇青年读书会" in html and "古镇青年悦读会" in html and "修改前" in html
    cadre.post(reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": "approve"})
    org.refresh_from_db()
    assert (
        org.name == "古镇青年悦读会"
        and org.pending_changes == {}
        and org.status == Organization.Status.LISTED
    )
    assert "通过审核" in queued("registration")[-1].subject


def test_stale_version_is_refused_on_the_group_page(client_for, guzhen, zhongshan):
    org, rep = registration(guzhen)
    Organization.objects.filter(pk=org.pk).update(status="returned", version=5)
    data = {
        "version": 4,
        "basic-name": org.name,
        "basic-tier": "N",
        "basic-kind": "social_organization",
        "basic-category": "public_welfare",
        "basic-registration_status": "unregistered",
        "basic-youth_covered": "1",
        "unit-city": zhongshan.pk,
        "unit-governing_unit": guzhen.pk,
        "contact-contact_person": "王小明",
        "contact-phone": "13800138000",
    }
    response = client_for(rep).post(reverse("orgs_public:my_organization_edit", args=[org.pk]), data)
    assert response.status_code == 400
    assert "其他人在此期间修改了此记录" in " ".join(response.context["basic"].non_field_errors())
    org.refresh_from_db()
    assert org.status == Organization.Status.RETURNED


def test_another_representative_cannot_open_the_group_pages(client_for, representative, guzhen):
    org, _ = registration(guzhen)
    other = client_for(representative)
    assert other.get(reverse("orgs_public:my_organization", args=[org.pk])).status_code == 404
    assert other.get(reverse("orgs_public:my_organization_edit", args=[org.pk])).status_code == 404


def test_queue_runs_a_constant_number_of_queries(
    client_for, zhongshan_cadre, guzhen, django_assert_max_num_queries
):
    client = client_for(zhongshan_cadre)
    registration(guzhen, "古镇青年组织一")
    # session, user, memberships, count, page of rows (unit joined, duplicates as an array subquery)
    with django_assert_max_num_queries(6):
        small = client.get(reverse("orgs_flow:review_queue"))
    for i in range(25):
        registration(guzhen, f"古镇青年组织批量{i:02d}")
    with django_assert_max_num_queries(6):
        large = client.get(reverse("orgs_flow:review_queue"))
    assert len(small.context["page_obj"]) == 1 and len(large.context["page_obj"]) == 20


def group_edit_data(org, zhongshan, guzhen, **extra):
    data = {
        "basic-name": org.name,
        "basic-tier": "N",
        "basic-kind": "social_organization",
        "basic-category": "public_welfare",
        "basic-registration_status": "unregistered",
        "basic-youth_covered": "1",
        "unit-city": zhongshan.pk,
        "unit-governing_unit": guzhen.pk,
        "contact-contact_person": "王小明",
        "contact-phone": "13800138000",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("version", ["abc", "", " ", "-1", "1.5"])
def test_a_garbled_or_missing_version_is_a_message_on_the_group_page(client_for, guzhen, zhongshan, version):
    org, rep = registration(guzhen, description="原来的简介")
    data = group_edit_data(org, zhongshan, guzhen, version=version, **{"basic-description": "新的简介"})
    response = client_for(rep).post(reverse("orgs_public:my_organization_edit", args=[org.pk]), data)
    assert response.status_code == 400
    assert "您提交的页面不完整或已过期" in " ".join(response.context["basic"].non_field_errors())
    assert "您提交的页面不完整或已过期" in response.content.decode()
    org.refresh_from_db()
    assert org.description == "原来的简介" and org.version == 1


def test_a_version_left_out_is_a_message_on_the_group_page(client_for, guzhen, zhongshan):
    org, rep = registration(guzhen)
    response = client_for(rep).post(
        reverse("orgs_public:my_organization_edit", args=[org.pk]), group_edit_data(org, zhongshan, guzhen)
    )
    assert response.status_code == 400
    assert "您提交的页面不完整或已过期" in " ".join(response.context["basic"].non_field_errors())


def messages_sent(org):
    """What the group was told: (recipient, subject, body) of each queued message."""
    return sorted((m.recipient, m.subject, m.body) for m in queued("registration") if org.name in m.body)


@pytest.mark.parametrize(
    ("decision", "reason", "status"),
    [("approve", "", "listed"), ("return", "请补充章程", "returned"), ("reject", "非青年组织", "rejected")],
)
def test_a_decision_tells_the_group_the_same_from_the_queue_the_page_and_the_api(
    client_for, zhongshan_cadre, guzhen, decision, reason, status
):
    """The review queue, the organization's page and POST /api/orgs/organizations/<id>/status/
    all call the services, which queue the message: the same one, whichever way was taken."""
    from rest_framework.test import APIClient

    told = {}
    for way in ("queue", "page", "api"):
        org, rep = registration(guzhen, f"古镇青年摄影协会{way}")
        if way == "queue":
            response = client_for(zhongshan_cadre).post(
                reverse("orgs_flow:review_detail", args=[org.pk]), {"decision": decision, "reason": reason}
            )
        elif way == "page":
            response = client_for(zhongshan_cadre).post(
                reverse("orgs:organization_review", args=[org.pk]), {"decision": decision, "reason": reason}
            )
        else:
            api = APIClient()
            api.force_authenticate(zhongshan_cadre)
            response = api.post(f"/api/orgs/organizations/{org.pk}/status/", {"to": status, "reason": reason})
        assert response.status_code in (200, 302), (way, response.status_code)
        org.refresh_from_db()
        assert org.status == status, way
        sent = messages_sent(org)
        assert {recipient for recipient, _subject, _body in sent} == {"group@example.cn", rep.email}, way
        # The same words whichever way: only the organization's name differs.
        told[way] = {(subject, body.replace(org.name, "<name>")) for _recipient, subject, body in sent}
    assert told["queue"] == told["page"] == told["api"]
    assert len(told["queue"]) == 1


def test_key_field_decisions_from_the_page_tell_the_group(
    client_for, zhongshan_cadre, guzhen, representative
):
    org = make_org(guzhen, "古镇青年读书会", email="group@example.cn")
    Organization.objects.filter(pk=org.pk).update(pending_changes={"name": "古镇青年悦读会"})
    client_for(zhongshan_cadre).post(
        reverse("orgs:organization_review", args=[org.pk]), {"decision": "return", "reason": "名称不规范"}
    )
    org.refresh_from_db()
    assert org.pending_changes == {} and org.name == "古镇青年读书会"
    message = queued("registration")[-1]
    assert message.recipient == "group@example.cn" and "名称不规范" in message.body
    assert "未通过" in message.subject


def test_a_status_change_that_is_no_decision_tells_nobody(client_for, zhongshan_cadre, guzhen):
    org = make_org(guzhen, email="group@example.cn")
    response = client_for(zhongshan_cadre).post(
        reverse("orgs:organization_status", args=[org.pk]), {"to": "suspended", "reason": "停止活动"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == "suspended" and not queued("registration")


def test_a_refused_decision_queues_nothing(client_for, zhongshan_viewer, foshan_cadre, guzhen):
    org, _rep = registration(guzhen)
    assert (
        client_for(zhongshan_viewer)
        .post(reverse("orgs:organization_review", args=[org.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    assert (
        client_for(foshan_cadre)
        .post(reverse("orgs:organization_review", args=[org.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    assert not queued("registration")
