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
    residency = services.apply(zhongshan_cadre, zs_base.pk, zs_orgs[0].pk, on=D(2024, 4, 1))
    return services.admit(zhongshan_cadre, residency.pk, on=D(2024, 4, 2))


def test_zhongshan_cadre_cannot_see_or_change_foshan_records_through_the_api(
    client_for, zhongshan_cadre, foshan_cadre, zs_base, fs_base, fs_fund, fs_org
):
    fs_residency = services.apply(foshan_cadre, fs_base.pk, fs_org.pk)
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
    assert client.post(f"{API}/grants/", grant, content_type="application/json").status_code == 403
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
        f"{API}/bases/{guzhen_base.pk}/", {"work_stations": 8}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["work_stations"] == 8


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
        services.admit(zhongshan_cadre, services.apply(zhongshan_cadre, zs_base.pk, org.pk).pk)
    third = services.apply(zhongshan_cadre, zs_base.pk, zs_orgs[2].pk)
    response = client.post(f"{API}/residencies/{third.pk}/admit/", {})
    assert response.status_code == 400 and response.json()["non_field_errors"]
    elsewhere = services.apply(zhongshan_cadre, guzhen_base.pk, zs_orgs[0].pk)
    response = client.post(f"{API}/residencies/{elsewhere.pk}/admit/", {})
    assert response.status_code == 400
    assert Residency.objects.filter(status="admitted").count() == 2


def test_service_for_a_residency_outside_jurisdiction_is_refused(client_for, foshan_cadre, zs_resident):
    response = client_for(foshan_cadre).post(
        f"{API}/services/",
        {"residency": zs_resident.pk, "service_type": "training", "date": "2024-05-01"},
        content_type="application/json",
    )
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
            residency = services.apply(zhongshan_cadre, base.pk, org.pk)
            if (
                base.pk % 3 == 0
                and not Residency.objects.filter(organization=org, status="admitted").exists()
            ):
                services.admit(zhongshan_cadre, residency.pk)
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
    # session, user, memberships, count, one page (related rows joined, derived values as
    # subqueries or aggregates)
    with django_assert_max_num_queries(5):
        small = client.get(f"{API}/{resource}/", {"page_size": 2})
    with django_assert_max_num_queries(5):
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
