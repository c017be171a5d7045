"""Cadre pages of the organization registry: list, search, filters, saved filters, detail,
edit with optimistic lock, related records, documents, jurisdiction and query budgets."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs import services
from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, Organization, SavedFilter

from .factories import credit_code, id_number, make_org

pytestmark = pytest.mark.django_db

LIST = "/orgs/organizations/"


@pytest.fixture
def registry(zhongshan, guzhen, foshan):
    return {
        "yigong": make_org(
            zhongshan, "中山青年义工联", youth_covered=1500, service_fields=["elderly", "community"]
        ),
        "dengshi": make_org(
            guzhen, "古镇灯饰青年商会", tier="5", body="young_entrepreneurs", kind="", category="employment"
        ),
        "dushu": make_org(guzhen, "古镇青年读书会", category="interest", status="pending"),
        "foshan": make_org(
            foshan, "佛山青年志愿者协会", registration_status="social_group", credit_code=credit_code()
        ),
    }


def names(response) -> set[str]:
    return {obj.name for obj in response.context["object_list"]}


def test_list_is_scoped_to_jurisdiction(client_for, zhongshan_cadre, foshan_cadre, guzhen_cadre, registry):
    assert names(client_for(zhongshan_cadre).get(LIST)) == {
        "中山青年义工联",
        "古镇灯饰青年商会",
        "古镇青年读书会",
    }
    assert names(client_for(foshan_cadre).get(LIST)) == {"佛山青年志愿者协会"}
    assert names(client_for(guzhen_cadre).get(LIST)) == {"古镇灯饰青年商会", "古镇青年读书会"}


def test_anonymous_is_sent_to_login(client, registry):
    assert client.get(LIST).status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("义工", {"中山青年义工联"}),
        ("zsqn", {"中山青年义工联"}),
        ("ZSQN", {"中山青年义工联"}),
        ("中山青年义工连", {"中山青年义工联"}),  # a typo: found by trigram similarity
        ("古镇", {"古镇灯饰青年商会", "古镇青年读书会"}),
        ("gzqndsh", {"古镇青年读书会"}),
    ],
)
def test_search(client_for, province_admin, registry, query, expected):
    assert names(client_for(province_admin).get(LIST, {"q": query})) == expected


def test_filters(client_for, province_admin, registry, zhongshan, guzhen):
    client = client_for(province_admin)
    assert names(client.get(LIST, {"tier": "5"})) == {"古镇灯饰青年商会"}
    assert names(client.get(LIST, {"category": ["interest", "employment"]})) == {
        "古镇灯饰青年商会",
        "古镇青年读书会",
    }
    assert names(client.get(LIST, {"service_field": "elderly"})) == {"中山青年义工联"}
    assert names(client.get(LIST, {"backbone": "true"})) == {"中山青年义工联"}
    assert names(client.get(LIST, {"status": "pending"})) == {"古镇青年读书会"}
    assert names(client.get(LIST, {"registration_status": "social_group"})) == {"佛山青年志愿者协会"}
    assert names(client.get(LIST, {"subtree": guzhen.pk})) == {"古镇灯饰青年商会", "古镇青年读书会"}
    DirectContact.objects.create(unit=guzhen, organization=registry["yigong"], since="2026-01-01")
    assert names(client.get(LIST, {"contacted_by": zhongshan.pk})) == {"中山青年义工联"}
    LeagueBuilding.objects.create(
        unit=guzhen,
        lead_organization=registry["dengshi"],
        mode="hub",
        form="independent",
        branch_name="团支部",
        founded_on="2026-01-01",
    ).organizations.set([registry["dengshi"]])
    assert names(client.get(LIST, {"league_building": "true"})) == {"古镇灯饰青年商会"}
    assert len(names(client.get(LIST, {"league_building": "false"}))) == 3


def test_bad_filter_value_is_not_a_500(client_for, province_admin, registry):
    response = client_for(province_admin).get(LIST, {"founded_after": "not-a-date", "subtree": "999999"})
    assert response.status_code == 200


def test_sorting_and_page_size(client_for, province_admin, zhongshan):
    for i in range(25):
        make_org(zhongshan, f"组织{i:02d}", youth_covered=i)
    client = client_for(province_admin)
    page = client.get(LIST, {"ordering": "-youth_covered", "per_page": 20})
    rows = list(page.context["object_list"])
    assert len(rows) == 20 and rows[0].youth_covered == 24
    assert page.context["paginator"].num_pages == 2


def test_list_query_count_is_constant(client_for, province_admin, zhongshan, django_assert_max_num_queries):
    for i in range(120):
        make_org(zhongshan, f"青年组织{i:03d}")
    client = client_for(province_admin)
    # session, user, memberships, the change stamp and the unit pickers (one query for both,
    # then cached: hubportal.freshness), saved filters, count, page (with its governing unit),
    # the league-building flags of the page's rows.
    with django_assert_max_num_queries(9):
        small = client.get(LIST, {"per_page": 20})
    with django_assert_max_num_queries(9):
        large = client.get(LIST, {"per_page": 200})
    assert len(small.context["object_list"]) == 20 and len(large.context["object_list"]) == 120


def test_search_query_count_is_bounded(client_for, province_admin, zhongshan, django_assert_max_num_queries):
    for i in range(60):
        make_org(zhongshan, f"中山青年组织{i:03d}")
    client = client_for(province_admin)
    # the nine of the plain list, plus one EXISTS deciding whether to fall back to similarity
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"q": "中山青年组织", "per_page": 200})
    assert len(response.context["object_list"]) == 60


def test_unit_picker_lists_only_visible_units(client_for, guzhen_cadre, zhongshan, guzhen):
    html = client_for(guzhen_cadre).get(LIST, {"subtree": guzhen.pk}).content.decode()
    assert f'<option value="{guzhen.pk}" selected>古镇镇</option>' in html
    assert f'value="{zhongshan.pk}"' not in html


def test_saved_filters(client_for, zhongshan_cadre, foshan_cadre):
    client = client_for(zhongshan_cadre)
    response = client.post(
        "/orgs/saved-filters/", {"name": "我的筛选甲", "query": "category=public_welfare&page=2"}
    )
    saved = SavedFilter.objects.get(user=zhongshan_cadre)
    assert saved.query == "category=public_welfare" and response["Location"].endswith(
        "?category=public_welfare"
    )
    assert "我的筛选甲" in client.get(LIST).content.decode()
    assert "我的筛选甲" not in client_for(foshan_cadre).get(LIST).content.decode()
    client_for(foshan_cadre).post(f"/orgs/saved-filters/{saved.pk}/delete/")  # not theirs: nothing happens
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.post(f"/orgs/saved-filters/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


def test_detail_shows_related_records_and_history(
    client_for, zhongshan_cadre, foshan_cadre, registry, guzhen
):
    org = registry["dengshi"]
    BackboneMember.objects.create(
        organization=org, name="王小明", gender="male", phone="13812345678", id_number=id_number()
    )
    services.log_contact(
        zhongshan_cadre, org, {"date": datetime.date(2026, 3, 1), "kind": "visit", "days": 1}
    )
    response = client_for(zhongshan_cadre).get(org.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "王小明" in html and "13812345678" in html and 'id="history"' in html
    assert client_for(foshan_cadre).get(org.get_absolute_url()).status_code == 404


def test_representative_cannot_open_cadre_pages(client_for, representative, registry):
    org = registry["dengshi"]
    org.representatives.add(representative)
    assert client_for(representative).get(org.get_absolute_url()).status_code == 404


def test_create_with_errors_keeps_input(client_for, zhongshan_cadre, foshan):
    client = client_for(zhongshan_cadre)
    response = client.post(
        "/orgs/organizations/new/",
        {
            "name": "新青年公益社",
            "tier": "N",
            "kind": "social_organization",
            "category": "public_welfare",
            "registration_status": "social_group",
            "credit_code": "91350100M000100Y44",
            "youth_covered": 10,
            "governing_unit": foshan.pk,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "credit_code" in form.errors and "governing_unit" in form.errors
    assert form["name"].value() == "新青年公益社"
    assert not Organization.objects.exists()


def test_create_and_edit_with_optimistic_lock(client_for, zhongshan_cadre, guzhen):
    client = client_for(zhongshan_cadre)
    data = {
        "name": "小榄义工联合会",
        "tier": "5",
        "body": "volunteers",
        "category": "public_welfare",
        "registration_status": "unregistered",
        "youth_covered": 800,
        "governing_unit": guzhen.pk,
        "service_fields": ["elderly", "children"],
    }
    response = client.post("/orgs/organizations/new/", data)
    org = Organization.objects.get()
    assert (
        response.status_code == 302
        and org.status == "listed"
        and org.service_fields == ["elderly", "children"]
    )
    edit = f"/orgs/organizations/{org.pk}/edit/"
    assert client.post(edit, {**data, "youth_covered": 1200, "version": 1}).status_code == 302
    stale = client.post(edit, {**data, "youth_covered": 900, "version": 1})
    assert stale.status_code == 400
    assert "其他人在此期间修改了此记录" in " ".join(stale.context["form"].non_field_errors())
    org.refresh_from_db()
    assert (org.youth_covered, org.version) == (1200, 2)


def test_town_cadre_cannot_edit_city_org(client_for, guzhen_cadre, registry):
    org = registry["yigong"]
    assert client_for(guzhen_cadre).get(f"/orgs/organizations/{org.pk}/edit/").status_code == 404


def test_viewer_cannot_edit(client_for, zhongshan_viewer, registry):
    org = registry["yigong"]
    assert client_for(zhongshan_viewer).get(f"/orgs/organizations/{org.pk}/edit/").status_code == 403


def test_status_change_and_review(client_for, guzhen_cadre, registry):
    client = client_for(guzhen_cadre)
    pending = registry["dushu"]
    client.post(f"/orgs/organizations/{pending.pk}/review/", {"decision": "return", "reason": "请补充章程"})
    pending.refresh_from_db()
    assert pending.status == "returned"
    listed = registry["dengshi"]
    client.post(f"/orgs/organizations/{listed.pk}/status/", {"to": "suspended", "reason": ""})
    listed.refresh_from_db()
    assert listed.status == "listed"  # a reason is required
    client.post(f"/orgs/organizations/{listed.pk}/status/", {"to": "suspended", "reason": "停止活动"})
    listed.refresh_from_db()
    assert listed.status == "suspended"


def test_related_record_pages(client_for, guzhen_cadre, registry, guzhen):
    client = client_for(guzhen_cadre)
    org = registry["dengshi"]
    other = registry["dushu"]
    bad = client.post(
        f"/orgs/organizations/{org.pk}/backbone/new/",
        {"name": "李四", "gender": "female", "id_number": "110105194912310021"},
    )
    assert bad.status_code == 400 and "id_number" in bad.context["form"].errors
    ok = client.post(
        f"/orgs/organizations/{org.pk}/backbone/new/",
        {"name": "李四", "gender": "female", "phone": "13912345678"},
    )
    assert ok.status_code == 302 and BackboneMember.objects.filter(organization=org).count() == 1
    joint = client.post(
        f"/orgs/organizations/{org.pk}/league-building/new/",
        {
            "branch_name": "古镇联合团支部",
            "mode": "embedded",
            "form": "joint",
            "founded_on": "2026-01-05",
            "member_count": 8,
            "organizations": [other.pk],
        },
    )
    assert joint.status_code == 302
    assert set(LeagueBuilding.objects.get().organizations.all()) == {org, other}
    log = client.post(
        f"/orgs/organizations/{org.pk}/contact-log/new/",
        {"date": "2026-02-01", "kind": "visit", "days": "0.5", "note": "走访"},
    )
    assert log.status_code == 302 and ContactLog.objects.get().unit == guzhen
    contact = client.post(
        f"/orgs/organizations/{org.pk}/direct-contacts/new/", {"unit": guzhen.pk, "since": "2026-01-01"}
    )
    assert contact.status_code == 302
    again = client.post(
        f"/orgs/organizations/{org.pk}/direct-contacts/new/", {"unit": guzhen.pk, "since": "2026-01-01"}
    )
    assert again.status_code == 400 and again.context["form"].non_field_errors()
    member = BackboneMember.objects.get()
    assert client.post(f"/orgs/backbone/{member.pk}/delete/").status_code == 302
    assert not BackboneMember.objects.exists()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_documents_upload_and_download_checked(
    client_for, guzhen_cadre, foshan_cadre, registry, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    org = registry["dengshi"]
    client = client_for(guzhen_cadre)
    client.post(
        f"/orgs/organizations/{org.pk}/documents/",
        {"doc_type": "charter", "file": SimpleUploadedFile("章程.pdf", PDF)},
    )
    refused = client.post(
        f"/orgs/organizations/{org.pk}/documents/",
        {"doc_type": "other", "file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")},
        follow=True,
    )
    assert "PDF" in refused.content.decode()
    document = org.documents.get()
    download = client.get(f"/orgs/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client_for(foshan_cadre).get(f"/orgs/documents/{document.pk}/").status_code == 404


def test_unit_detail_shows_registry_by_unit(client_for, zhongshan_cadre, zhongshan, registry):
    html = client_for(zhongshan_cadre).get(zhongshan.get_absolute_url()).content.decode()
    assert 'id="registry-by-unit"' in html


def test_home_counters(client_for, zhongshan_cadre, registry):
    response = client_for(zhongshan_cadre).get("/")
    values = [value for _counter, value, _link in response.context["counters"]]
    assert 3 in values and 1 in values and "0.00%" in values


@pytest.mark.parametrize("version", ["abc", "", "  "])
def test_a_garbled_version_is_a_message_on_the_edit_form(client_for, zhongshan_cadre, registry, version):
    org = registry["yigong"]
    data = {
        "name": org.name,
        "tier": "N",
        "kind": "social_organization",
        "category": "public_welfare",
        "registration_status": "unregistered",
        "youth_covered": 1,
        "governing_unit": org.governing_unit_id,
        "version": version,
    }
    response = client_for(zhongshan_cadre).post(f"/orgs/organizations/{org.pk}/edit/", data)
    assert response.status_code == 400
    assert "您提交的页面不完整或已过期" in " ".join(response.context["form"].non_field_errors())
    org.refresh_from_db()
    assert org.youth_covered == 1500 and org.version == 1


@pytest.mark.parametrize(
    ("url", "method", "data"),
    [
        ("/orgs/organizations/{pk}/edit/", "get", None),
        ("/orgs/organizations/{pk}/delete/", "post", {}),
        ("/orgs/organizations/{pk}/status/", "post", {"to": "suspended", "reason": "停止活动"}),
        ("/orgs/organizations/{pk}/review/", "post", {"decision": "approve"}),
        ("/orgs/organizations/{pk}/documents/", "get", None),
        ("/orgs/organizations/{pk}/backbone/new/", "get", None),
        ("/orgs/organizations/{pk}/league-building/new/", "get", None),
    ],
)
def test_foreign_records_are_404_and_only_viewable_ones_403(
    client_for, foshan_cadre, zhongshan_viewer, registry, url, method, data
):
    org = registry["yigong"]
    target = url.format(pk=org.pk)
    foreign = getattr(client_for(foshan_cadre), method)(target, data)
    viewable = getattr(client_for(zhongshan_viewer), method)(target, data)
    assert (foreign.status_code, viewable.status_code) == (404, 403)
    org.refresh_from_db()
    assert org.status == "listed"


def test_a_viewer_cannot_log_a_contact_and_a_foreign_cadre_cannot_see_the_page(
    client_for, zhongshan_viewer, foshan_cadre, registry
):
    org = registry["yigong"]
    url = f"/orgs/organizations/{org.pk}/contact-log/new/"
    data = {"date": "2026-02-01", "kind": "visit", "days": "1"}
    assert client_for(foshan_cadre).get(url).status_code == 404
    viewer = client_for(zhongshan_viewer)
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, data).status_code == 403
    assert not ContactLog.objects.exists()
    assert url not in viewer.get(org.get_absolute_url()).content.decode()  # no button either


def test_related_records_of_another_city_are_404(client_for, foshan_cadre, zhongshan_cadre, registry):
    org = registry["yigong"]
    member = services.add_backbone_member(zhongshan_cadre, org.pk, {"name": "王小明", "gender": "male"})
    client = client_for(foshan_cadre)
    assert client.get(f"/orgs/backbone/{member.pk}/edit/").status_code == 404
    assert client.post(f"/orgs/backbone/{member.pk}/delete/").status_code == 404
    assert client.get("/orgs/backbone/abc/edit/").status_code == 404
    assert BackboneMember.objects.filter(pk=member.pk).exists()


def test_a_listed_organization_is_not_deleted_and_says_why(client_for, zhongshan_cadre, registry):
    org = registry["yigong"]
    response = client_for(zhongshan_cadre).post(f"/orgs/organizations/{org.pk}/delete/", follow=True)
    assert "暂停或注销" in response.content.decode() or "suspend" in response.content.decode()
    assert Organization.objects.filter(pk=org.pk).exists()


def test_status_form_errors_are_shown_on_the_form(client_for, zhongshan_cadre, registry):
    org = registry["yigong"]
    response = client_for(zhongshan_cadre).post(
        f"/orgs/organizations/{org.pk}/status/", {"to": "dissolved", "reason": ""}
    )
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    org.refresh_from_db()
    assert org.status == "listed"


def test_document_delete_goes_through_the_service(
    client_for, guzhen_cadre, foshan_cadre, registry, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    org = registry["dengshi"]
    document = services.add_document(guzhen_cadre, org.pk, "charter", SimpleUploadedFile("章程.pdf", PDF))
    assert client_for(foshan_cadre).post(f"/orgs/documents/{document.pk}/delete/").status_code == 404
    response = client_for(guzhen_cadre).post(f"/orgs/documents/{document.pk}/delete/")
    assert response.status_code == 302 and response["Location"].endswith(f"/{org.pk}/#documents")
    assert not org.documents.exists()
