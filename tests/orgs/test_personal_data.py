"""Personal data (README, "Personal data"): full phone and ID card numbers only for those who
may change the record; masked for viewers — in the API (list and detail), the organization
page, its history, the review page and the export — and a masked ID number never beside the
birth date. Answers to signed-in users are `Cache-Control: no-store`."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from hubportal.personal import mask_id_number, mask_phone
from orgs.models import BackboneMember, Organization
from tests.orgs.factories import id_number, make_org
from tests.orgs.flow_support import isolate

PHONE, NEW_PHONE = "13812345678", "13987654321"
ID_NUMBER = id_number("19950612", 457)
BORN = datetime.date(1995, 6, 12)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


@pytest.fixture
def org(zhongshan, zhongshan_cadre, client_for):
    org = make_org(zhongshan, "中山市青年读书会", phone=PHONE, status=Organization.Status.PENDING)
    BackboneMember.objects.create(
        organization=org,
        name="王小明",
        gender="male",
        phone=PHONE,
        id_number=ID_NUMBER,
        birth_date=BORN,
        birth_year=1995,
    )
    # A change through the API, so the history holds the old and the new number.
    answer = client_for(zhongshan_cadre).patch(
        f"/api/orgs/organizations/{org.pk}/",
        json.dumps({"phone": NEW_PHONE, "version": org.version}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content[:300]
    return org


def surfaces(client, org):
    """Every answer that shows the organization's or its backbone member's personal data."""
    member = org.backbone_members.get()
    return {
        "api organization": client.get(f"/api/orgs/organizations/{org.pk}/"),
        "api members": client.get("/api/orgs/backbone-members/", {"organization": org.pk}),
        "api member": client.get(f"/api/orgs/backbone-members/{member.pk}/"),
        "page": client.get(reverse("orgs:organization_detail", args=[org.pk])),
        "review": client.get(reverse("orgs_flow:review_detail", args=[org.pk])),
        "export": client.get(reverse("orgs_flow:export_csv")),
    }


def body(answer) -> str:
    content = b"".join(answer.streaming_content) if answer.streaming else answer.content
    return content.decode("utf-8-sig")


def test_a_viewer_sees_masked_numbers_everywhere_and_no_birth_date(org, zhongshan_viewer, client_for):
    for name, answer in surfaces(client_for(zhongshan_viewer), org).items():
        assert answer.status_code == 200, name
        text = body(answer)
        for full in (PHONE, NEW_PHONE, ID_NUMBER, "1995-06-12"):
            assert full not in text, f"{name} shows {full}"
        assert "no-store" in answer["Cache-Control"], name
    client = client_for(zhongshan_viewer)
    page = body(client.get(reverse("orgs:organization_detail", args=[org.pk])))
    # The history shows that the phone changed, masked before and after.
    assert mask_phone(PHONE) in page and mask_phone(NEW_PHONE) in page and mask_id_number(ID_NUMBER) in page
    member = client.get(f"/api/orgs/backbone-members/{org.backbone_members.get().pk}/").json()
    assert member["id_number"] == mask_id_number(ID_NUMBER) and member["birth_date"] is None
    assert member["birth_year"] == 1995


def test_an_editor_of_the_unit_sees_full_numbers(org, zhongshan_cadre, client_for):
    shown = {name: body(answer) for name, answer in surfaces(client_for(zhongshan_cadre), org).items()}
    for name in ("api organization", "export"):
        assert NEW_PHONE in shown[name], name
    for name in ("api members", "api member", "page"):
        assert PHONE in shown[name] and ID_NUMBER in shown[name], name
    assert PHONE in shown["review"] and NEW_PHONE in shown["review"]  # the member's, the contact's
    assert PHONE in shown["page"] and NEW_PHONE in shown["page"]  # the history's before and after
    assert "1995-06-12" in shown["api member"]


def test_a_town_editor_sees_full_numbers_of_its_towns_records_only(guzhen, guzhen_cadre, client_for):
    org = make_org(guzhen, "古镇青年义工队", phone=PHONE)
    answer = client_for(guzhen_cadre).get(f"/api/orgs/organizations/{org.pk}/")
    assert answer.json()["phone"] == PHONE


def test_an_api_token_answer_is_no_store_and_masked_for_a_viewer(org, zhongshan_viewer, client):
    from accounts.services import issue_api_token

    _token, key = issue_api_token(zhongshan_viewer, name="tests")
    answer = client.get(f"/api/orgs/organizations/{org.pk}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 200 and answer.json()["phone"] == mask_phone(NEW_PHONE)
    assert "no-store" in answer["Cache-Control"]


def test_the_public_directory_is_not_marked_no_store(client, org):
    # Anonymous public pages carry no personal data and stay cacheable.
    answer = client.get(reverse("orgs_public:directory"))
    assert answer.status_code == 200 and "no-store" not in answer.get("Cache-Control", "")
