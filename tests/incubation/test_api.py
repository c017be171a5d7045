"""Incubation API: jurisdiction, writes through the services, bad bodies, query budgets."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from incubation import services
from incubation.models import FundMovement, IncubationBase, IncubationFund, Residency

from .conftest import make_base

D = datetime.date
API = "/api/incubation"


@pytest.fixture
def zs_resident(zhongshan_cadre, zs_base, zs_orgs):
    residency = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    return services.admit_residency(zhongshan_cadre, residency.pk, on=D(2024, 4, 2))


def test_zhongshan_cadre_cannot_see_or_change_foshan_records_through_the_api(
    client_for, zhongshan_cadre, foshan_cadre, zs_base, fs_base, fs_fund, fs_org
):
    fs_residency = services.apply_for_residency(foshan_cadre, fs_base.pk, fs_org.pk)
    client = client_for(zhongshan_cadre)
    bases = client.get(f"{API}/bases/").json()
    assert [b["name"] for b in bases["results"]] == ["中山市亲青家园"]
    assert client.get(f"{API}/bases/{fs_base.pk}/").status_code == 404
    assert (
        client.patch(f"{API}/bases/{fs_base.pk}/", {"name": "x"}, content_type="application/json").status_code
        == 404
    )
    assert client.get(f"{API}/residencies/").json()["count"] == 0
    assert client.post(f"{API}/residencies/{fs_residency.pk}/admit/", {}).status_code == 404
    assert client.get(f"{API}/funds/").json()["count"] == 0
    assert client.get(f"{API}/funds/{fs_fund.pk}/statement/").status_code == 404
    assert client.get(f"{API}/grants/").json()["count"] == 0
    grant = {
        "fund": fs_fund.pk,
        "kind": "granted",
        "amount": "10.00",
        "date": "2024-03-01",
        "purpose": "x",
        "grantee_base": fs_base.pk,
        "approved_by": "y",
    }
    # The fund a grant comes from is the record acted on: out of sight, like the page (404).
    assert client.post(f"{API}/grants/", grant, content_type="application/json").status_code == 404
    body = {"unit": fs_base.unit_id, "name": "偷建", "base_type": "network", "opened_on": "2024-01-01"}
    response = client.post(f"{API}/bases/", body, content_type="application/json")
    assert response.status_code == 400 and "unit" in response.json()
    fs_residency.refresh_from_db()
    assert fs_residency.status == "applied" and FundMovement.objects.filter(fund=fs_fund).count() == 1
    assert IncubationBase.objects.count() == 2


def test_town_cadre_cannot_touch_the_city_base_through_the_api(
    client_for, guzhen_cadre, zs_base, guzhen_base
):
    client = client_for(guzhen_cadre)
    assert client.get(f"{API}/bases/{zs_base.pk}/").status_code == 404
    response = client.patch(f"{API}/bases/{zs_base.pk}/", {"name": "改名"}, content_type="application/json")
    assert response.status_code == 404
    response = client.patch(
        f"{API}/bases/{guzhen_base.pk}/", {"work_stations": 8, "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["work_stations"] == 8
    assert response.json()["version"] == 2


def test_create_base_and_bad_bodies(client_for, zhongshan_cadre, zhongshan):
    client = client_for(zhongshan_cadre)
    body = {
        "unit": zhongshan.pk,
        "name": "东区亲青家园",
        "base_type": "physical",
        "work_stations": 6,
        "services": ["training", "venue"],
        "opened_on": "2024-06-01",
        "latitude": "22.530000",
        "longitude": "113.420000",
    }
    response = client.post(f"{API}/bases/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["stars"] is None and response.json()["residents"] == 0
    bad = dict(body, name="无工位", work_stations=None)
    response = client.post(f"{API}/bases/", bad, content_type="application/json")
    assert response.status_code == 400 and "work_stations" in response.json()
    bad = dict(body, name="坏服务", services=["massage"])
    assert "services" in client.post(f"{API}/bases/", bad, content_type="application/json").json()
    bad = dict(body, name="半坐标", longitude=None)
    response = client.post(f"{API}/bases/", bad, content_type="application/json")
    assert response.status_code == 400 and "longitude" in response.json()
    assert IncubationBase.objects.count() == 1


def test_residency_steps_through_the_api(client_for, zhongshan_cadre, zs_base, zs_orgs):
    client = client_for(zhongshan_cadre)
    response = client.post(
        f"{API}/residencies/",
        {"base": zs_base.pk, "organization": zs_orgs[0].pk, "applied_on": "2024-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    rid = response.json()["id"]
    assert client.post(f"{API}/residencies/{rid}/admit/", {"on": "2024-04-02"}).json()["status"] == "admitted"
    assert (
        client.post(f"{API}/residencies/{rid}/start/", {"on": "2024-04-03"}).json()["status"] == "incubating"
    )
    response = client.post(
        f"{API}/services/",
        {"residency": rid, "service_type": "financial_custody", "date": "2024-05-01", "hours": "3.5"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    response = client.post(
        f"{API}/residencies/{rid}/graduate/", {"on": "2024-12-01"}, content_type="application/json"
    )
    assert response.status_code == 400 and "outcomes" in response.json()
    response = client.post(
        f"{API}/residencies/{rid}/graduate/",
        {"on": "2024-12-01", "outcomes": ["purchased_service"]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["outcomes"] == ["purchased_service"]
    assert client.get(f"{API}/services/", {"residency": rid}).json()["count"] == 1


def test_admit_beyond_capacity_and_second_physical_base_are_400(
    client_for, zhongshan_cadre, zs_base, guzhen_base, zs_orgs
):
    client = client_for(zhongshan_cadre)
    for org in zs_orgs[:2]:
        services.admit_residency(
            zhongshan_cadre, services.apply_for_residency(zhongshan_cadre, zs_base.pk, org.pk).pk
        )
    third = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[2].pk)
    response = client.post(f"{API}/residencies/{third.pk}/admit/", {})
    assert response.status_code == 400 and response.json()["non_field_errors"]
    elsewhere = services.apply_for_residency(zhongshan_cadre, guzhen_base.pk, zs_orgs[0].pk)
    response = client.post(f"{API}/residencies/{elsewhere.pk}/admit/", {})
    assert response.status_code == 400
    assert Residency.objects.filter(status="admitted").count() == 2


def test_service_for_a_residency_outside_jurisdiction_is_refused(
    client_for, foshan_cadre, zhongshan_viewer, zs_resident
):
    body = {"residency": zs_resident.pk, "service_type": "training", "date": "2024-05-01"}
    response = client_for(foshan_cadre).post(f"{API}/services/", body, content_type="application/json")
    assert response.status_code == 404
    response = client_for(zhongshan_viewer).post(f"{API}/services/", body, content_type="application/json")
    assert response.status_code == 403
    assert not zs_resident.deliveries.exists()


def test_funds_and_grants_through_the_api(client_for, zhongshan_cadre, zs_fund, zs_base):
    client = client_for(zhongshan_cadre)
    grant = {
        "fund": zs_fund.pk,
        "kind": "granted",
        "amount": "150000.00",
        "date": "2024-03-01",
        "purpose": "场地",
        "grantee_base": zs_base.pk,
        "approved_by": "办公会",
    }
    response = client.post(f"{API}/grants/", grant, content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()
    response = client.post(f"{API}/grants/", dict(grant, amount="0.001"), content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()
    response = client.post(f"{API}/grants/", dict(grant, amount="40000"), content_type="application/json")
    assert response.status_code == 201 and response.json()["running_balance"] == "60000.00"
    gid = response.json()["id"]
    response = client.post(
        f"{API}/grants/{gid}/reverse/", {"reason": "项目取消"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["kind"] == "reversal"
    fund = client.get(f"{API}/funds/{zs_fund.pk}/").json()
    assert (fund["balance"], fund["raised"], fund["granted"]) == ("100000.00", "100000.00", "40000.00")
    listed = client.get(f"{API}/grants/", {"kind": "granted"}).json()["results"]
    # The balance after a movement counts every earlier movement, whatever the filter.
    assert [m["running_balance"] for m in listed] == ["60000.00"]
    export = client.get(f"{API}/funds/{zs_fund.pk}/statement/")
    assert export.status_code == 200
    assert load_workbook(BytesIO(export.content)).active["B1"].value == zs_fund.name


def test_one_fund_per_unit_through_the_api(client_for, zhongshan_cadre, zhongshan, zs_fund):
    response = client_for(zhongshan_cadre).post(
        f"{API}/funds/",
        {"unit": zhongshan.pk, "name": "又一个", "established_on": "2024-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert IncubationFund.objects.count() == 1


# Query budgets --------------------------------------------------------------------------
@pytest.fixture
def lots(zhongshan, guzhen, zhongshan_cadre, zs_orgs, units):
    bases = [make_base(guzhen if i % 2 else zhongshan, f"基地{i:02d}", work_stations=10) for i in range(30)]
    for base in bases[:15]:
        for org in zs_orgs:
            residency = services.apply_for_residency(zhongshan_cadre, base.pk, org.pk)
            if (
                base.pk % 3 == 0
                and not Residency.objects.filter(organization=org, status="admitted").exists()
            ):
                services.admit_residency(zhongshan_cadre, residency.pk)
                services.log_service(zhongshan_cadre, residency.pk, "training", None)
    for code in ["442000", "442000012", "442000013"]:
        fund = IncubationFund.objects.create(
            unit=units[code], name=f"基金{code}", established_on=D(2024, 1, 1)
        )
        for i in range(20):
            services.raise_money(zhongshan_cadre, fund.pk, 100 + i, D(2024, 2, 1), "捐赠")
    return bases


@pytest.mark.parametrize(
    ("resource", "total"),
    [("bases", 30), ("residencies", 60), ("services", None), ("funds", 3), ("grants", 60)],
)
def test_api_list_query_count_is_constant(
    client_for, province_admin, lots, resource, total, django_assert_max_num_queries
):
    client = client_for(province_admin)
    # session, user, the change stamp, memberships, count, one page (related rows joined,
    # derived values as subqueries or aggregates)
    with django_assert_max_num_queries(6):
        small = client.get(f"{API}/{resource}/", {"page_size": 2})
    with django_assert_max_num_queries(6):
        large = client.get(f"{API}/{resource}/", {"page_size": 500})
    assert small.status_code == large.status_code == 200
    assert len(small.json()["results"]) == min(2, large.json()["count"])
    if total is not None:
        assert large.json()["count"] == total == len(large.json()["results"])
    else:
        assert large.json()["count"] > 2


def test_decimal_amounts_keep_fen(client_for, zhongshan_cadre, zs_fund):
    response = client_for(zhongshan_cadre).post(
        f"{API}/grants/",
        {"fund": zs_fund.pk, "kind": "raised", "amount": "0.10", "date": "2024-03-01", "purpose": "捐赠"},
        content_type="application/json",
    )
    assert response.status_code == 201
    zs_fund.refresh_from_db()
    assert zs_fund.balance == Decimal("100000.10")


# One write path: the answers of the pages ---------------------------------------------------
def test_an_organization_of_another_city_in_an_application_is_400_without_its_name(
    client_for, zhongshan_cadre, zs_base, fs_org
):
    response = client_for(zhongshan_cadre).post(
        f"{API}/residencies/",
        {"base": zs_base.pk, "organization": fs_org.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "organization" in response.json()
    assert fs_org.name not in response.content.decode()
    assert not Residency.objects.exists()


def test_a_representative_applies_through_the_api(client_for, representative, fs_base, zs_orgs):
    zs_orgs[0].representatives.add(representative)
    client = client_for(representative)
    response = client.post(
        f"{API}/residencies/",
        {"base": fs_base.pk, "organization": zs_orgs[0].pk, "note": "需要场地"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organization_name"] == zs_orgs[0].name and response.json()["status"] == "applied"
    response = client.post(
        f"{API}/residencies/",
        {"base": fs_base.pk, "organization": zs_orgs[1].pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and zs_orgs[1].name not in response.content.decode()


def test_steps_answer_404_out_of_sight_and_403_when_only_viewable(
    client_for, zhongshan_cadre, zhongshan_viewer, foshan_cadre, zs_base, zs_orgs
):
    application = services.apply_for_residency(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk)
    for step in ("admit", "decline", "start", "graduate", "exit"):
        url = f"{API}/residencies/{application.pk}/{step}/"
        assert client_for(foshan_cadre).post(url, {}).status_code == 404, step
        assert client_for(zhongshan_viewer).post(url, {}).status_code == 403, step
    assert client_for(zhongshan_viewer).get(f"{API}/residencies/{application.pk}/").status_code == 200
    application.refresh_from_db()
    assert application.status == "applied"


def test_grants_answer_404_out_of_sight_and_403_when_only_viewable(
    client_for, zhongshan_cadre, zhongshan_viewer, foshan_cadre, zs_fund, zs_base
):
    grant = {
        "fund": zs_fund.pk,
        "kind": "granted",
        "amount": "10.00",
        "purpose": "场地",
        "grantee_base": zs_base.pk,
        "approved_by": "办公会",
    }
    for user, answer in [(foshan_cadre, 404), (zhongshan_viewer, 403)]:
        response = client_for(user).post(f"{API}/grants/", grant, content_type="application/json")
        assert response.status_code == answer
    granted = client_for(zhongshan_cadre).post(f"{API}/grants/", grant, content_type="application/json")
    assert granted.status_code == 201
    url = f"{API}/grants/{granted.json()['id']}/reverse/"
    assert client_for(foshan_cadre).post(url, {"reason": "x"}).status_code == 404
    assert client_for(zhongshan_viewer).post(url, {"reason": "x"}).status_code == 403
    assert FundMovement.objects.filter(fund=zs_fund).count() == 2


def test_a_grantee_of_another_city_is_400_without_its_name(
    client_for, zhongshan_cadre, zs_fund, fs_base, fs_org
):
    client = client_for(zhongshan_cadre)
    base = {"fund": zs_fund.pk, "kind": "granted", "amount": "10", "purpose": "x", "approved_by": "y"}
    for field, record in [("grantee_base", fs_base), ("grantee_organization", fs_org)]:
        response = client.post(
            f"{API}/grants/", dict(base, **{field: record.pk}), content_type="application/json"
        )
        assert response.status_code == 400 and field in response.json()
        assert record.name not in response.content.decode()
    assert FundMovement.objects.filter(kind="granted").count() == 0


@pytest.mark.parametrize("resource", ["bases", "funds"])
def test_a_stale_version_is_409_and_nothing_is_lost(
    client_for, zhongshan_cadre, province_admin, zs_base, zs_fund, resource
):
    record = zs_base if resource == "bases" else zs_fund
    url = f"{API}/{resource}/{record.pk}/"
    first = client_for(province_admin).patch(
        url, {"name": "甲改", "version": 1}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client_for(zhongshan_cadre).patch(
        url, {"name": "乙改", "version": 1}, content_type="application/json"
    )
    assert second.status_code == 409 and "version" in second.json()
    record.refresh_from_db()
    assert (record.name, record.version) == ("甲改", 2)


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_an_update_without_a_usable_version_is_a_clear_400(client_for, zhongshan_cadre, zs_base, version):
    body = {"name": "改名"} if version is None else {"name": "改名", "version": version}
    response = client_for(zhongshan_cadre).patch(
        f"{API}/bases/{zs_base.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "version" in response.json()
    zs_base.refresh_from_db()
    assert zs_base.name == "中山市亲青家园"


def test_a_decision_from_the_api_tells_the_applicant_like_the_page(
    client_for, representative, zhongshan_cadre, zs_base, zs_orgs
):
    from django.urls import reverse

    from hubportal.models import OutboxMessage

    representative.email = "rep@example.org"
    representative.save()
    for org in zs_orgs[:2]:
        org.representatives.add(representative)
    by_page = services.apply_for_residency(representative, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    by_api = services.apply_for_residency(representative, zs_base.pk, zs_orgs[1].pk, on=D(2024, 4, 1))
    client = client_for(zhongshan_cadre)
    page = client.post(
        reverse("incubation:residency_action", args=[by_page.pk, "admit"]), {"admit-on": "2024-04-02"}
    )
    assert page.status_code == 302
    api = client.post(f"{API}/residencies/{by_api.pk}/admit/", {"on": "2024-04-02"})
    assert api.status_code == 200
    sent = list(OutboxMessage.objects.order_by("pk").values_list("recipient", "subject", "tags"))
    assert len(sent) == 2 and sent[0][0] == sent[1][0] == "rep@example.org"
    assert sent[0][1].replace(zs_orgs[0].name, "{org}") == sent[1][1].replace(zs_orgs[1].name, "{org}")
    assert sent[0][2] == sent[1][2]
