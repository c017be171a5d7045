"""Incubation cadre pages: jurisdiction, query budgets, filters, actions, the fund statement."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from incubation import services
from incubation.models import (
    BasePhoto,
    ChecklistItem,
    FundMovement,
    IncubationBase,
    IncubationFund,
    Residency,
    Service,
)

from .conftest import make_base

D = datetime.date


@pytest.fixture
def many_bases(zhongshan, guzhen, foshan):
    bases = [make_base(guzhen if i % 3 else zhongshan, f"中山亲青家园{i:02d}") for i in range(30)]
    bases += [make_base(foshan, f"佛山亲青家园{i:02d}") for i in range(5)]
    return bases


# Jurisdiction -------------------------------------------------------------------------
def test_zhongshan_cadre_cannot_see_or_change_foshan_records(
    client_for, zhongshan_cadre, zs_base, fs_base, fs_fund, fs_org, foshan_cadre
):
    residency = services.apply_for_residency(foshan_cadre, fs_base.pk, fs_org.pk)
    client = client_for(zhongshan_cadre)
    names = {b.name for b in client.get(reverse("incubation:base_list")).context["object_list"]}
    assert names == {"中山市亲青家园"}
    for url in [
        reverse("incubation:base_detail", args=[fs_base.pk]),
        reverse("incubation:base_edit", args=[fs_base.pk]),
        reverse("incubation:residency_detail", args=[residency.pk]),
        reverse("incubation:fund_detail", args=[fs_fund.pk]),
        reverse("incubation:fund_statement", args=[fs_fund.pk]),
        reverse("incubation:fund_grant", args=[fs_fund.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("incubation:base_edit", args=[fs_base.pk]), {"name": "x"}).status_code == 404
    assert (
        client.post(reverse("incubation:residency_action", args=[residency.pk, "admit"]), {}).status_code
        == 404
    )
    response = client.post(
        reverse("incubation:fund_raise", args=[fs_fund.pk]), {"amount": "1", "purpose": "x"}
    )
    assert response.status_code == 404
    assert not client.get(reverse("incubation:residency_list")).context["object_list"]
    assert not client.get(reverse("incubation:fund_list")).context["object_list"]
    residency.refresh_from_db()
    assert residency.status == "applied" and FundMovement.objects.filter(fund=fs_fund).count() == 1


def test_town_cadre_cannot_touch_its_city_base(client_for, guzhen_cadre, zs_base, guzhen_base, zs_fund):
    client = client_for(guzhen_cadre)
    assert client.get(reverse("incubation:base_detail", args=[zs_base.pk])).status_code == 404
    response = client.post(
        reverse("incubation:base_edit", args=[zs_base.pk]),
        {
            "name": "改名",
            "unit": zs_base.unit_id,
            "base_type": "physical",
            "work_stations": 9,
            "opened_on": "2024-01-01",
        },
    )
    assert response.status_code == 404
    assert client.get(reverse("incubation:fund_detail", args=[zs_fund.pk])).status_code == 404
    assert client.get(reverse("incubation:base_detail", args=[guzhen_base.pk])).status_code == 200
    zs_base.refresh_from_db()
    assert zs_base.name == "中山市亲青家园"


def test_viewer_sees_but_cannot_act(client_for, zhongshan_viewer, zhongshan_cadre, zs_base, zs_orgs, zs_fund):
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    client = client_for(zhongshan_viewer)
    page = client.get(reverse("incubation:residency_detail", args=[residency.pk]))
    assert page.status_code == 200 and not page.context["action_forms"]
    assert (
        client.post(reverse("incubation:residency_action", args=[residency.pk, "admit"]), {}).status_code
        == 403
    )
    assert client.get(reverse("incubation:fund_grant", args=[zs_fund.pk])).status_code == 403
    assert Residency.objects.get().status == "applied"


# Query budgets -------------------------------------------------------------------------
def test_base_list_query_count_is_constant(
    client_for, province_admin, many_bases, django_assert_max_num_queries
):
    client = client_for(province_admin)
    # session, user, memberships, count, page of bases (unit joined; stars, residents and
    # checklist score as subqueries), the change stamp and the units of the "within unit"
    # filter (cached afterwards: hubportal.freshness)
    with django_assert_max_num_queries(7):
        small = client.get(reverse("incubation:base_list"), {"per_page": 20})
    with django_assert_max_num_queries(7):
        large = client.get(reverse("incubation:base_list"), {"per_page": 200})
    assert len(small.context["object_list"]) == 20 and len(large.context["object_list"]) == 35


def test_residency_list_query_count_is_constant(
    client_for, province_admin, zhongshan_cadre, many_bases, zs_orgs, django_assert_max_num_queries
):
    for base in many_bases[:25]:
        for org in zs_orgs:
            services.apply_for_residency(zhongshan_cadre, base.pk, org.pk)
    client = client_for(province_admin)
    # session, user, memberships, count, page (organization and base joined), the bases and
    # the change stamp and the units of the filter form (cached afterwards)
    with django_assert_max_num_queries(8):
        small = client.get(reverse("incubation:residency_list"), {"per_page": 20})
    with django_assert_max_num_queries(8):
        large = client.get(reverse("incubation:residency_list"), {"per_page": 200})
    assert len(small.context["object_list"]) == 20 and len(large.context["object_list"]) == 100


def test_fund_list_query_count_is_constant(client_for, province_admin, units, django_assert_max_num_queries):
    for code in ["442000", "440600", "440100", "440300", "442000012"]:
        IncubationFund.objects.create(
            unit=units[code], name=f"{units[code].name}孵化基金", established_on=D(2024, 1, 1)
        )
    client = client_for(province_admin)
    # session, user, memberships, count, page (unit joined, totals aggregated), the units of
    # the "within unit" filter and the change stamp (cached afterwards: hubportal.freshness)
    with django_assert_max_num_queries(7):
        small = client.get(reverse("incubation:fund_list"), {"per_page": 20})
    with django_assert_max_num_queries(7):
        client.get(reverse("incubation:fund_list"), {"per_page": 200})
    assert len(small.context["object_list"]) == 5


def test_base_detail_query_count_does_not_grow_with_residents(
    client_for, zhongshan_cadre, zhongshan, django_assert_max_num_queries
):
    from tests.orgs.factories import make_org

    base = make_base(zhongshan, "大基地", work_stations=50)
    client = client_for(zhongshan_cadre)

    def fill(n):
        for i in range(n):
            org = make_org(zhongshan, f"入驻组织{base.residencies.count()}-{i}")
            r = services.apply_for_residency(zhongshan_cadre, base.pk, org.pk)
            services.admit_residency(zhongshan_cadre, r.pk)
            services.log_service(zhongshan_cadre, r.pk, "training", None)

    fill(2)
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("incubation:base_detail", args=[base.pk]))
    fill(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("incubation:base_detail", args=[base.pk]))
    assert page.context["this_month"]["n"] == 12


# Filters -------------------------------------------------------------------------------
def test_base_filters(client_for, province_admin, zs_base, guzhen_base, fs_base, net_base, zhongshan):
    services.rate_base(province_admin, guzhen_base.pk, 2024, 4, "2024年度星级评估")
    fs_base.services = ["training"]
    fs_base.opened_on = D(2023, 6, 1)
    fs_base.save()
    client = client_for(province_admin)

    def names(**query):
        response = client.get(reverse("incubation:base_list"), query)
        return {b.name for b in response.context["object_list"]}

    assert names(level="town") == {"古镇镇亲青家园"}
    assert names(base_type="network") == {"中山网络亲青家园"}
    assert names(service="training") == {"佛山市亲青家园"}
    assert names(opened_to="2023-12-31") == {"佛山市亲青家园"}
    assert names(opened_from="2024-01-01", subtree=zhongshan.pk) == {
        "中山市亲青家园",
        "古镇镇亲青家园",
        "中山网络亲青家园",
    }
    assert names(stars="4") == {"古镇镇亲青家园"}
    assert "古镇镇亲青家园" not in names(stars="0")
    chosen = client.get(reverse("incubation:base_list"), {"subtree": zhongshan.pk}).content.decode()
    # the fast unit select, indented below the province
    assert f'<option value="{zhongshan.pk}" selected>\u3000中山市</option>' in chosen
    page = client.get(reverse("incubation:base_list"), {"stars": "0"}).content.decode()
    assert "未评级" in page or "Not yet rated" in page


# Pages and actions ------------------------------------------------------------------------
def test_cadre_creates_and_edits_a_base_with_history(client_for, zhongshan_cadre, zhongshan):
    client = client_for(zhongshan_cadre)
    data = {
        "name": "石岐街道亲青家园",
        "unit": zhongshan.pk,
        "base_type": "physical",
        "address": "中山市石岐区孙文中路1号",
        "latitude": "22.521",
        "longitude": "113.379",
        "floor_area": "350",
        "work_stations": "12",
        "services": ["free_office", "registration", "financial_custody"],
        "opened_on": "2024-05-04",
        "paired_group_name": "中山市青联第三小组",
        "paired_group_contact": "王小明 13800000000",
    }
    response = client.post(reverse("incubation:base_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    base = IncubationBase.objects.get(name="石岐街道亲青家园")
    assert base.services == ["financial_custody", "free_office", "registration"]
    edit = client.get(reverse("incubation:base_edit", args=[base.pk])).content.decode()
    assert f'<option value="{zhongshan.pk}" selected>中山市</option>' in edit  # the unit stays chosen
    assert 'name="version" value="1"' in edit
    data["work_stations"] = "15"
    data["version"] = "1"
    assert client.post(reverse("incubation:base_edit", args=[base.pk]), data).status_code == 302
    page = client.get(reverse("incubation:base_detail", args=[base.pk]))
    assert page.status_code == 200
    history = page.context["history"]
    assert history[0].who == "陈中山" and any(change[2] == 15 for change in history[0].changes)


def test_base_form_reports_bad_input(client_for, zhongshan_cadre, zhongshan, foshan, zs_base):
    zs_base.paired_group_name = "青联一组"
    zs_base.save()
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("incubation:base_create"),
        {
            "name": "x",
            "unit": foshan.pk,
            "base_type": "physical",
            "opened_on": "2024-01-01",
            "latitude": "95",
            "paired_group_name": "青联一组",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"unit", "latitude"} <= set(errors)
    response = client.post(
        reverse("incubation:base_create"),
        {
            "name": "x",
            "unit": zhongshan.pk,
            "base_type": "physical",
            "opened_on": "2024-01-01",
            "latitude": "22.5",
            "paired_group_name": "青联一组",
        },
    )
    errors = response.context["form"].errors
    assert {"work_stations", "longitude"} <= set(errors) or "__all__" in errors
    assert IncubationBase.objects.count() == 1


def test_residency_actions_as_buttons(client_for, zhongshan_cadre, zs_base, zs_orgs):
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("incubation:residency_create"),
        {"base": zs_base.pk, "organization": zs_orgs[0].name, "applied_on": "2024-04-01"},
    )
    assert response.status_code == 302
    residency = Residency.objects.get()
    url = lambda action: reverse("incubation:residency_action", args=[residency.pk, action])  # noqa: E731
    assert client.post(url("admit"), {"admit-on": "2024-04-02"}).status_code == 302
    assert client.post(url("start"), {"start-on": "2024-04-03"}).status_code == 302
    response = client.post(
        url("service"),
        {
            "service-service_type": "registration",
            "service-date": "2024-05-01",
            "service-hours": "2",
            "service-description": "注册辅导",
        },
    )
    assert response.status_code == 302
    response = client.post(url("graduate"), {"graduate-on": "2024-12-01"})
    assert response.status_code == 400
    assert "outcomes" in response.context["form"].errors
    assert 'name="graduate-on" value="2024-12-01"' in response.content.decode()  # what was typed stays
    response = client.post(
        url("graduate"), {"graduate-on": "2024-12-01", "graduate-outcomes": ["registered"]}
    )
    assert response.status_code == 302
    residency.refresh_from_db()
    assert residency.status == "graduated" and residency.deliveries.count() == 1
    detail = client.get(residency.get_absolute_url())
    assert "注册辅导" in detail.content.decode()


def test_admit_beyond_capacity_shows_the_message(client_for, zhongshan_cadre, zs_base, zs_orgs):
    for org in zs_orgs[:2]:
        services.admit_residency(
            zhongshan_cadre, services.apply_for_residency(zhongshan_cadre, zs_base.pk, org.pk).pk
        )
    third = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[2].pk)
    response = client_for(zhongshan_cadre).post(
        reverse("incubation:residency_action", args=[third.pk, "admit"]),
        {"admit-on": str(datetime.date.today())},
    )
    assert response.status_code == 400
    assert "2" in response.content.decode() and (
        "工位" in response.content.decode() or "work stations" in response.content.decode()
    )
    third.refresh_from_db()
    assert third.status == "applied"


def test_cadre_apply_form_needs_an_organization_within_reach(client_for, zhongshan_cadre, zs_base, fs_org):
    response = client_for(zhongshan_cadre).post(
        reverse("incubation:residency_create"),
        {"base": zs_base.pk, "organization": fs_org.name, "applied_on": "2024-04-01"},
    )
    assert response.status_code == 400 and "organization" in response.context["form"].errors
    assert not Residency.objects.exists()


def test_fund_pages_grant_and_statement(client_for, zhongshan_cadre, zs_fund, zs_base, zs_orgs):
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("incubation:fund_grant", args=[zs_fund.pk]),
        {
            "amount": "200000",
            "date": "2024-03-01",
            "purpose": "场地",
            "grantee_base": zs_base.pk,
            "approved_by": "办公会",
        },
    )
    assert response.status_code == 400 and "amount" in response.context["form"].errors
    response = client.post(
        reverse("incubation:fund_grant", args=[zs_fund.pk]),
        {
            "amount": "1234.56",
            "date": "2024-03-01",
            "purpose": "场地",
            "grantee_base": zs_base.pk,
            "grantee_organization": zs_orgs[0].name,
            "approved_by": "办公会",
        },
    )
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    response = client.post(
        reverse("incubation:fund_grant", args=[zs_fund.pk]),
        {
            "amount": "1234.56",
            "date": "2024-03-01",
            "purpose": "场地改造",
            "grantee_base": zs_base.pk,
            "approved_by": "团市委书记办公会",
            "disbursed_on": "2024-03-05",
        },
    )
    assert response.status_code == 302
    grant = FundMovement.objects.get(kind="granted")
    assert (
        client.post(
            reverse("incubation:grant_reverse", args=[grant.pk]), {"date": "2024-04-01", "reason": "退回"}
        ).status_code
        == 302
    )
    detail = client.get(reverse("incubation:fund_detail", args=[zs_fund.pk]))
    assert detail.context["object"].balance == Decimal("100000.00")
    export = client.get(reverse("incubation:fund_statement", args=[zs_fund.pk]))
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    amounts = [row[8] for row in rows if isinstance(row[0], datetime.datetime)]
    assert [Decimal(str(a)) for a in amounts] == [100000, Decimal("98765.44"), 100000]
    assert rows[-1][8] == 100000 and "场地改造" in [row[2] for row in rows]
    reversal = next(row[2] for row in rows if str(row[2]).startswith("退回"))
    assert "2024-03-01" in reversal and "reverses" not in reversal  # the note is translated too


def test_fund_form_refuses_a_second_fund_for_a_unit(client_for, zhongshan_cadre, zhongshan, zs_fund):
    response = client_for(zhongshan_cadre).post(
        reverse("incubation:fund_create"),
        {"unit": zhongshan.pk, "name": "第二个基金", "established_on": "2024-01-01"},
    )
    assert response.status_code == 400 and response.context["form"].errors
    assert IncubationFund.objects.count() == 1


def test_checklist_score(client_for, zhongshan_cadre, zs_base):
    a = ChecklistItem.objects.create(code="A1", text="有固定场地", weight=3)
    b = ChecklistItem.objects.create(code="A2", text="统一挂牌", weight=1)
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("incubation:base_checklist", args=[zs_base.pk]),
        {
            "checked_on": "2024-05-01",
            f"met_{a.pk}": "on",
            f"note_{a.pk}": "200平方米",
            f"note_{b.pk}": "",
            "version": zs_base.version,
        },
    )
    assert response.status_code == 302

    def score():
        return getattr(
            IncubationBase.objects.with_checklist_score().get(pk=zs_base.pk), "checklist_score", None
        )

    assert score() == Decimal("75.0")
    ChecklistItem.objects.filter(pk=b.pk).update(active=False)
    assert score() == Decimal("100.0")


def test_photo_upload_is_validated_by_content(client_for, zhongshan_cadre, zs_base, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    client = client_for(zhongshan_cadre)
    fake = SimpleUploadedFile("photo.jpg", b"not really a picture", content_type="image/jpeg")
    client.post(reverse("incubation:base_photo_add", args=[zs_base.pk]), {"image": fake})
    assert not BasePhoto.objects.exists()
    buffer = BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")
    real = SimpleUploadedFile("front.png", buffer.getvalue(), content_type="image/png")
    response = client.post(
        reverse("incubation:base_photo_add", args=[zs_base.pk]), {"image": real, "caption": "正门"}
    )
    assert response.status_code == 302 and BasePhoto.objects.get().caption == "正门"
    # shown by the portal (nothing is served from /media/), to visitors too, as the base's page
    photo_url = reverse("incubation:photo", args=[BasePhoto.objects.get().pk])
    for page in (
        client.get(reverse("incubation:base_detail", args=[zs_base.pk])),
        Client().get(reverse("incubation:public_detail", args=[zs_base.pk])),
    ):
        assert f'src="{photo_url}"' in page.content.decode()
    shown = Client().get(photo_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert "attachment" not in shown.get("Content-Disposition", "")
    assert Client().get(f"/media/{BasePhoto.objects.get().image.name}").status_code == 404


def test_public_list_and_map_query_counts_are_constant(
    client, zhongshan, guzhen, django_assert_max_num_queries
):
    for i in range(3):
        make_base(zhongshan, f"少量基地{i}")
    # count, one page of bases (unit joined; stars and residents as subqueries), the cities
    # of the filter (a public visitor has no session or memberships to read)
    with django_assert_max_num_queries(3) as few:
        client.get(reverse("incubation:public_list"))
    # every base with coordinates in one query, and one per layer other apps add (youth venues)
    with django_assert_max_num_queries(2):
        client.get(reverse("incubation:public_map"))
    for i in range(40):
        make_base(guzhen, f"大量基地{i:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("incubation:public_list"))
    assert len(page.context["page_obj"]) == 20
    with django_assert_max_num_queries(2):
        page = client.get(reverse("incubation:public_map"))
    assert len(page.context["bases"]) == 43


def test_history_shows_the_labels_of_choices_not_their_codes(client_for, zhongshan_cadre, zs_base, zs_orgs):
    """The history on a detail page reads 已申请 → 已准入, not applied → admitted."""
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    services.admit_residency(zhongshan_cadre, residency.pk, D(2024, 4, 2))
    client = client_for(zhongshan_cadre)
    html = client.get(residency.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    history = html[html.index('id="history"') :]
    with translation.override("zh-hans"):
        applied, admitted = str(Residency.Status.APPLIED.label), str(Residency.Status.ADMITTED.label)
    assert f"<del>{applied}</del> → {admitted}" in history
    assert ">applied<" not in history and "admitted</div>" not in history
    base_history = client.get(zs_base.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    base_history = base_history[base_history.index('id="history"') :]
    with translation.override("zh-hans"):
        free_office = str(Service.FREE_OFFICE.label)
    assert free_office in base_history and "free_office" not in base_history


def test_a_step_from_a_stale_page_says_why_it_was_refused(client_for, zhongshan_cadre, zs_base, zs_orgs):
    """Another cadre ended the residency meanwhile: the graduate form is gone, its message is not."""
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    services.admit_residency(zhongshan_cadre, residency.pk, D(2024, 4, 2))
    services.start_residency(zhongshan_cadre, residency.pk, D(2024, 4, 3))
    services.exit_residency(zhongshan_cadre, residency.pk, "搬离", D(2024, 5, 1))
    response = client_for(zhongshan_cadre).post(
        reverse("incubation:residency_action", args=[residency.pk, "graduate"]),
        {"graduate-on": "2024-06-01", "graduate-outcomes": ["registered"]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        exited = str(Residency.Status.EXITED.label)
    assert f"“{exited}”" in response.content.decode()  # “This residency is “exited”; it cannot be graduated.”
    residency.refresh_from_db()
    assert residency.status == "exited" and residency.outcomes == []


# One write path ----------------------------------------------------------------------------
def base_form_data(base, **changes):
    data = {
        "name": base.name,
        "unit": base.unit_id,
        "base_type": base.base_type,
        "work_stations": base.work_stations,
        "services": base.services,
        "opened_on": base.opened_on.isoformat(),
        "latitude": base.latitude,
        "longitude": base.longitude,
        "version": base.version,
    }
    data.update(changes)
    return data


def test_two_cadres_editing_one_base_the_second_is_told_and_nothing_is_lost(
    client_for, zhongshan_cadre, province_admin, zs_base
):
    url = reverse("incubation:base_edit", args=[zs_base.pk])
    first, second = client_for(province_admin), client_for(zhongshan_cadre)
    assert 'name="version" value="1"' in second.get(url).content.decode()  # both open version 1
    assert first.post(url, base_form_data(zs_base, address="兴中道1号")).status_code == 302
    response = second.post(url, base_form_data(zs_base, name="中山亲青家园（新）"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "李广东" in html and "after you opened it" in html  # who saved in between, above the form
    assert 'value="中山亲青家园（新）"' in html  # what the second cadre typed is still there
    zs_base.refresh_from_db()
    assert (zs_base.name, zs_base.address, zs_base.version) == ("中山市亲青家园", "兴中道1号", 2)


@pytest.mark.parametrize("version", ["", "abc", "1e3"])
def test_a_page_with_a_broken_version_gets_a_message_not_an_error(
    client_for, zhongshan_cadre, zs_fund, version
):
    url = reverse("incubation:fund_edit", args=[zs_fund.pk])
    body = {"unit": zs_fund.unit_id, "name": "改名", "established_on": "2024-01-01", "version": version}
    response = client_for(zhongshan_cadre).post(url, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Reload it" in response.content.decode()
    zs_fund.refresh_from_db()
    assert zs_fund.name == "中山市青年社会组织孵化基金"


def test_granting_from_a_fund_answers_404_out_of_sight_and_403_when_only_viewable(
    client_for, zhongshan_cadre, zhongshan_viewer, fs_fund, zs_fund, zs_base
):
    body = {
        "amount": "10",
        "date": "2024-03-01",
        "purpose": "x",
        "grantee_base": zs_base.pk,
        "approved_by": "y",
    }
    response = client_for(zhongshan_cadre).post(reverse("incubation:fund_grant", args=[fs_fund.pk]), body)
    assert response.status_code == 404
    response = client_for(zhongshan_viewer).post(reverse("incubation:fund_grant", args=[zs_fund.pk]), body)
    assert response.status_code == 403
    assert not FundMovement.objects.filter(kind="granted").exists()


def test_an_unknown_residency_step_is_404(client_for, zhongshan_cadre, zs_base, zs_orgs):
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    url = reverse("incubation:residency_action", args=[residency.pk, "promote"])
    assert client_for(zhongshan_cadre).post(url, {}).status_code == 404


def test_a_refused_photo_is_explained_on_its_page(client_for, zhongshan_cadre, zs_base, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"not really a picture", content_type="image/jpeg")
    response = client_for(zhongshan_cadre).post(
        reverse("incubation:base_photo_add", args=[zs_base.pk]), {"image": fake}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "image" in response.context["form"].errors
    assert not BasePhoto.objects.exists()


def test_domain_records_are_read_only_in_the_admin(client_for, zs_base, zs_fund, db):
    from tests.conftest import make_user

    admin_user = make_user("site_admin", is_staff=True, is_superuser=True)
    client = client_for(admin_user)
    for model, obj in [("incubationbase", zs_base), ("incubationfund", zs_fund)]:
        change = f"/admin/incubation/{model}/{obj.pk}/change/"
        page = client.get(change)
        assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split("<form")[-1]
        assert client.post(change, {"name": "后台改名"}).status_code == 403
        assert client.get(f"/admin/incubation/{model}/add/").status_code == 403
        assert client.post(f"/admin/incubation/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    zs_base.refresh_from_db()
    zs_fund.refresh_from_db()
    assert zs_base.name == "中山市亲青家园" and zs_fund.name == "中山市青年社会组织孵化基金"
    assert client.get("/admin/incubation/checklistitem/add/").status_code == 200  # configuration
