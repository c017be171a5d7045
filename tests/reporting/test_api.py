"""The reporting API: same services, filters and jurisdiction as the pages."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from reporting import services
from reporting.models import Report, ReportValue, TargetSnapshot
from reporting.tracking import track_targets

from .conftest import GOOD, at
from .test_pages import bulk_reports


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def towns(units, zhongshan):
    return [u for u in units.values() if u.parent_id == zhongshan.pk and u.level == "town"]


@pytest.mark.parametrize("page_size", [10, 200])
def test_reports_list_query_count_and_scope(
    zhongshan_cadre, foshan_cadre, monthly_form, towns, page_size, django_assert_max_num_queries
):
    bulk_reports(monthly_form, towns, 12)
    client = api(zhongshan_cadre)
    # memberships (jurisdiction), COUNT, the page with unit and form joined.
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/reporting/reports/?page_size={page_size}")
    assert response.status_code == 200 and response.json()["count"] == 288
    assert api(foshan_cadre).get("/api/reporting/reports/").json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/reporting/forms/",
        "/api/reporting/values/",
        "/api/reporting/approvals/",
        "/api/reporting/spot-checks/",
        "/api/reporting/programmes/",
        "/api/reporting/targets/",
        "/api/reporting/snapshots/?period=2026Q2",
    ],
)
def test_every_list_has_a_fixed_query_count(
    zhongshan_cadre, monthly_form, url, django_assert_max_num_queries
):
    client = api(zhongshan_cadre)
    # memberships, COUNT, the page, and for nested lists one prefetch per relation.
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


def test_save_submit_approve_through_the_api(
    clock, guzhen_cadre, zhongshan_cadre, foshan_cadre, monthly_form, guzhen
):
    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    client = api(guzhen_cadre)
    bad = client.post(
        f"/api/reporting/reports/{report.pk}/save/",
        {"version": 1, "values": {**GOOD, "orgs_contacted": "x"}},
        format="json",
    )
    assert bad.status_code == 400 and "orgs_contacted" in bad.json()
    ok = client.post(
        f"/api/reporting/reports/{report.pk}/save/",
        {"version": 1, "values": GOOD, "submit": True},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"
    stale = client.post(
        f"/api/reporting/reports/{report.pk}/save/", {"version": 1, "values": GOOD}, format="json"
    )
    assert stale.status_code == 409
    # Foreign or own-unit approvals are refused; the parent unit approves.
    assert (
        api(foshan_cadre)
        .post(f"/api/reporting/reports/{report.pk}/save/", {"version": 3, "values": GOOD}, format="json")
        .status_code
        == 404
    )
    assert client.post(f"/api/reporting/approvals/{report.pk}/approve/").status_code == 400
    assert api(foshan_cadre).post(f"/api/reporting/approvals/{report.pk}/approve/").status_code == 400
    assert [r["id"] for r in api(zhongshan_cadre).get("/api/reporting/approvals/").json()["results"]] == [
        report.pk
    ]
    assert (
        api(zhongshan_cadre).post(f"/api/reporting/approvals/{report.pk}/approve/").json()["status"]
        == "approved"
    )
    locked = client.post(
        f"/api/reporting/reports/{report.pk}/save/", {"version": 4, "values": GOOD}, format="json"
    )
    assert locked.status_code == 400 and Report.objects.get(pk=report.pk).status == "approved"


def test_return_through_the_api_needs_a_valid_reason(
    clock, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen
):
    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    services.save_report_values(report.pk, guzhen_cadre, GOOD, submit=True)
    client = api(zhongshan_cadre)
    assert (
        client.post(
            f"/api/reporting/approvals/{report.pk}/return/", {"code": "nonsense"}, format="json"
        ).status_code
        == 400
    )
    response = client.post(
        f"/api/reporting/approvals/{report.pk}/return/", {"code": "wrong", "comment": "请核实"}, format="json"
    )
    assert response.json()["status"] == "returned"


def test_values_and_snapshots_stay_within_jurisdiction(
    clock, guzhen_cadre, zhongshan_cadre, foshan_cadre, monthly_form, guzhen
):
    from orgs.models import LeagueUnit
    from reporting import demo

    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    services.save_report_values(report.pk, guzhen_cadre, GOOD)
    assert api(foshan_cadre).get("/api/reporting/values/").json()["count"] == 0
    assert (
        api(zhongshan_cadre).get(f"/api/reporting/values/?report={report.pk}").json()["count"]
        == ReportValue.objects.filter(report=report).count()
    )
    clock.move_to(at(2026, 8, 15))
    demo.seed_programmes({u.code: u for u in LeagueUnit.objects.exclude(code=None)}, 2026)
    track_targets("2026Q3")
    rows = api(zhongshan_cadre).get("/api/reporting/snapshots/?period=2026Q3&page_size=500").json()
    names = {r["unit_name"] for r in rows["results"]}
    assert "古镇镇" in names and "佛山市" not in names and "南海区" not in names
    foshan_rows = (
        api(foshan_cadre).get("/api/reporting/snapshots/?period=2026Q3&page_size=500").json()["results"]
    )
    assert foshan_rows and "古镇镇" not in {r["unit_name"] for r in foshan_rows}
    # The 古镇 cadre sees only 古镇's own snapshots, not 中山市's.
    own = api(guzhen_cadre).get("/api/reporting/snapshots/?period=2026Q3&page_size=500").json()["results"]
    assert {r["unit_name"] for r in own} == {"古镇镇"}
    assert TargetSnapshot.objects.filter(period="2026Q3", unit__name="中山市").exists()


def test_spot_check_outcome_through_the_api(
    clock, guzhen_cadre, zhongshan_cadre, foshan_cadre, monthly_form, guzhen, zhongshan
):
    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    services.save_report_values(report.pk, guzhen_cadre, GOOD, submit=True)
    check = services.draw_spot_check(
        zhongshan_cadre, zhongshan, date(2026, 1, 1), date(2026, 12, 31), 2, seed=1
    )
    item = check.items.first()
    url = f"/api/reporting/spot-checks/items/{item.pk}/outcome/"
    assert api(foshan_cadre).post(url, {"outcome": "confirmed"}, format="json").status_code == 400
    assert (
        api(zhongshan_cadre).post(url, {"outcome": "false"}, format="json").status_code == 400
    )  # a note is required
    response = api(zhongshan_cadre).post(url, {"outcome": "confirmed"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "confirmed"
    items = api(zhongshan_cadre).get(f"/api/reporting/spot-checks/{check.pk}/items/").json()
    assert len(items) == 2


def test_approving_a_report_id_that_is_not_a_number_is_a_404(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    for action in ("approve", "return"):
        response = client.post(f"/api/reporting/approvals/abc/{action}/", {}, content_type="application/json")
        assert response.status_code == 404, action
        assert "invalid literal" not in response.content.decode()


def test_a_neighbouring_citys_programme_stays_out_of_sight(
    client_for, foshan_cadre, zhongshan_cadre, guzhen_cadre, province, zhongshan
):
    from reporting.models import Programme, TargetRule

    def programme(owner, name):
        made = Programme.objects.create(
            owner=owner,
            name=name,
            start_year=2026,
            end_year=2026,
            launch_on=date(2026, 1, 1),
            implementation_on=date(2026, 3, 1),
            inspection_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 31),
        )
        TargetRule.objects.create(
            programme=made,
            label=f"{name}目标",
            metric="orgs_contacted",
            threshold=5,
            deadline=date(2026, 12, 31),
        )
        return made

    provincial, city = programme(province, "全省计划"), programme(zhongshan, "中山计划")
    for user, expected in (
        (foshan_cadre, {provincial.pk}),  # the province's plan applies to 佛山; 中山's does not
        (guzhen_cadre, {provincial.pk, city.pk}),  # both plans apply to a town of 中山
        (zhongshan_cadre, {provincial.pk, city.pk}),
    ):
        client = client_for(user)
        listed = {row["id"] for row in client.get("/api/reporting/programmes/").json()["results"]}
        assert listed == expected, user
        rules = {row["programme"] for row in client.get("/api/reporting/targets/").json()["results"]}
        assert rules == expected, user
    client = client_for(foshan_cadre)
    assert client.get(f"/reporting/programmes/{city.pk}/").status_code == 404
    assert "中山计划" not in client.get("/reporting/programmes/").content.decode()
    assert "中山计划" not in client.get("/reporting/targets/").content.decode()
