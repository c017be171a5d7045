"""The reporting API: same services, filters and jurisdiction as the pages."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from hubportal.models import OutboxMessage
from reporting import services
from reporting.models import Report, ReportValue, SpotCheckItem, TargetSnapshot
from reporting.tracking import track_targets

from .conftest import GOOD, at, file_report
from .test_pages import bulk_reports


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # messages are asserted in English
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
        "/api/reporting/spot-checks/items/",
        "/api/reporting/programmes/",
        "/api/reporting/targets/",
        "/api/reporting/snapshots/?period=2026Q2",
    ],
)
def test_every_list_has_a_fixed_query_count(
    zhongshan_cadre, monthly_form, url, django_assert_max_num_queries
):
    client = api(zhongshan_cadre)
    # the change stamp (hubportal.pagecache), memberships, COUNT, the page, and for nested
    # lists one prefetch per relation.
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_save_submit_approve_through_the_api(
    clock, guzhen_cadre, zhongshan_cadre, foshan_cadre, monthly_form, guzhen
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    client = api(guzhen_cadre)
    url = f"/api/reporting/reports/{report.pk}/save/"
    bad = client.post(url, {"version": 1, "values": {**GOOD, "orgs_contacted": "x"}}, format="json")
    assert bad.status_code == 400 and "orgs_contacted" in bad.json()
    ok = client.post(url, {"version": 1, "values": GOOD, "submit": True}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"
    stale = client.post(url, {"version": 1, "values": GOOD}, format="json")
    assert stale.status_code == 409 and "reload" in stale.json()["version"][0]
    # Another city's report is not there (404); the filing unit may not approve itself (403).
    assert api(foshan_cadre).post(url, {"version": 3, "values": GOOD}, format="json").status_code == 404
    assert client.post(f"/api/reporting/approvals/{report.pk}/approve/").status_code == 403
    assert api(foshan_cadre).post(f"/api/reporting/approvals/{report.pk}/approve/").status_code == 404
    assert [r["id"] for r in api(zhongshan_cadre).get("/api/reporting/approvals/").json()["results"]] == [
        report.pk
    ]
    assert (
        api(zhongshan_cadre).post(f"/api/reporting/approvals/{report.pk}/approve/").json()["status"]
        == "approved"
    )
    locked = client.post(url, {"version": 4, "values": GOOD}, format="json")
    assert locked.status_code == 400 and Report.objects.get(pk=report.pk).status == "approved"


@pytest.mark.parametrize("body", [{}, {"version": ""}, {"version": None}, {"version": "abc"}])
def test_saving_without_a_usable_version_is_a_400_naming_the_version(
    clock, guzhen_cadre, monthly_form, guzhen, body
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    response = api(guzhen_cadre).post(
        f"/api/reporting/reports/{report.pk}/save/", {**body, "values": GOOD}, format="json"
    )
    assert response.status_code == 400
    assert "reload" in response.json()["version"][0].lower()
    assert not ReportValue.objects.exists()


def test_a_viewer_may_read_a_report_but_not_save_it(
    clock, zhongshan_viewer, guzhen_cadre, monthly_form, guzhen
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    client = api(zhongshan_viewer)
    assert client.get(f"/api/reporting/reports/{report.pk}/").status_code == 200
    response = client.post(
        f"/api/reporting/reports/{report.pk}/save/", {"version": 1, "values": GOOD}, format="json"
    )
    assert response.status_code == 403 and not ReportValue.objects.exists()


def test_a_narrative_saved_through_the_api_keeps_its_commas_and_spaces(
    clock, guzhen_cadre, monthly_form, guzhen
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    narrative = "14家，新建3个团支部, 其中… "
    response = api(guzhen_cadre).post(
        f"/api/reporting/reports/{report.pk}/save/",
        {"version": 1, "values": {**GOOD, "narrative": narrative, "subsidy": "1,800.50"}},
        format="json",
    )
    assert response.status_code == 200
    stored = {
        v.metric.code: v.value for v in ReportValue.objects.filter(report=report).select_related("metric")
    }
    assert stored["narrative"] == narrative and str(stored["subsidy"]) == "1800.50"


def test_return_through_the_api_needs_a_valid_reason(
    clock, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen
):
    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
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


def test_an_approval_through_the_api_tells_the_unit_like_the_page(
    clock, client_for, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen, units
):
    guzhen_cadre.email = "guzhen@example.cn"
    guzhen_cadre.save(update_fields=["email"])
    by_api = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 3, 1), submit=True)
    by_page = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    assert api(zhongshan_cadre).post(f"/api/reporting/approvals/{by_api.pk}/approve/").status_code == 200
    assert client_for(zhongshan_cadre).post(f"/reporting/reports/{by_page.pk}/approve/").status_code == 302
    rows = list(OutboxMessage.objects.order_by("pk").values_list("recipient", "subject", "tags"))
    assert len(rows) == 2 and rows[0][0] == rows[1][0] == "guzhen@example.cn"
    assert rows[0][2] == rows[1][2] and rows[0][1].replace("2026-03", "2026-02") == rows[1][1]


@pytest.mark.parametrize(
    "url", ["/api/reporting/reports/", "/api/reporting/approvals/", "/api/reporting/spot-checks/"]
)
def test_posting_to_a_read_only_list_is_405(zhongshan_cadre, url):
    response = api(zhongshan_cadre).post(url, {}, format="json")
    assert response.status_code == 405


def test_options_of_an_approval_action_answers(clock, zhongshan_cadre, guzhen_cadre, monthly_form, guzhen):
    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    for action in ("approve", "return"):
        response = api(zhongshan_cadre).options(f"/api/reporting/approvals/{report.pk}/{action}/")
        assert response.status_code == 200, action
    assert Report.objects.get(pk=report.pk).status == "submitted"


def test_values_and_snapshots_stay_within_jurisdiction(
    clock, guzhen_cadre, zhongshan_cadre, foshan_cadre, monthly_form, guzhen
):
    from orgs.models import LeagueUnit
    from reporting import demo

    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    assert api(foshan_cadre).get("/api/reporting/values/").json()["count"] == 0
    assert (
        api(zhongshan_cadre).get(f"/api/reporting/values/?report={report.pk}").json()["count"]
        == ReportValue.objects.filter(report=report).count()
    )
    clock.move_to(at(2026, 8, 15))
    demo.seed_programmes({str(u.code): u for u in LeagueUnit.objects.exclude(code=None)}, 2026)
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


@pytest.fixture
def spot_check(clock, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen, zhongshan):
    file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    return services.draw_spot_check(
        zhongshan_cadre, zhongshan.pk, date(2026, 1, 1), date(2026, 12, 31), 2, seed=1
    )


def test_spot_check_outcome_through_the_api(spot_check, zhongshan_cadre, foshan_cadre, zhongshan_viewer):
    item = spot_check.items.order_by("pk")[0]
    url = f"/api/reporting/spot-checks/items/{item.pk}/outcome/"
    # 佛山 does not see 中山's call (404); a viewer sees it but may not record it (403).
    assert api(foshan_cadre).post(url, {"outcome": "confirmed"}, format="json").status_code == 404
    assert api(zhongshan_viewer).post(url, {"outcome": "confirmed"}, format="json").status_code == 403
    refused = api(zhongshan_cadre).post(url, {"outcome": "false"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()  # a note is required
    response = api(zhongshan_cadre).post(url, {"outcome": "confirmed"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "confirmed"
    items = api(zhongshan_cadre).get(f"/api/reporting/spot-checks/{spot_check.pk}/items/").json()
    assert len(items) == 2
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "confirmed"


def test_an_assigned_cadre_records_the_outcome_of_their_call(spot_check, zhongshan_cadre, guzhen):
    from tests.conftest import make_user

    caller = make_user("guzhen_caller", guzhen, role="viewer")  # may see 古镇, not change it
    item, other = spot_check.items.order_by("pk")
    assert item.unit_id == guzhen.pk  # only 古镇 filed
    url = f"/api/reporting/spot-checks/items/{item.pk}/outcome/"
    assert api(caller).post(url, {"outcome": "not_reachable"}, format="json").status_code == 403
    assigned = api(zhongshan_cadre).post(
        f"/api/reporting/spot-checks/{spot_check.pk}/assign/",
        {"assignee": caller.pk, "items": [item.pk]},
        format="json",
    )
    assert assigned.status_code == 200 and assigned.json()["id"] == spot_check.pk
    assert api(caller).post(url, {"outcome": "not_reachable"}, format="json").status_code == 200
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "not_reachable"
    assert (
        api(caller)
        .post(
            f"/api/reporting/spot-checks/items/{other.pk}/outcome/", {"outcome": "confirmed"}, format="json"
        )
        .status_code
        == 403
    )
    assert SpotCheckItem.objects.get(pk=other.pk).outcome == "pending"


def test_assigning_calls_of_another_spot_check_is_a_400_that_names_nothing(
    spot_check, zhongshan_cadre, foshan_cadre, foshan
):
    from reporting.models import SpotCheck

    foshan_check = SpotCheck.objects.create(
        unit=foshan,
        title="佛山抽查",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        seed=1,
        sample_size=1,
    )
    foreign = SpotCheckItem.objects.create(
        spot_check=foshan_check,
        unit=foshan,
        content_type=spot_check.items.first().content_type,
        object_id=999999,
        description="佛山某区 · 某指标",
    )
    url = f"/api/reporting/spot-checks/{spot_check.pk}/assign/"
    response = api(zhongshan_cadre).post(
        url, {"assignee": zhongshan_cadre.pk, "items": [foreign.pk]}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"items"}
    assert "佛山" not in response.content.decode()
    stranger = api(zhongshan_cadre).post(
        url, {"assignee": foshan_cadre.pk, "items": [spot_check.items.first().pk]}, format="json"
    )
    assert stranger.status_code == 400 and set(stranger.json()) == {"assignee"}
    assert "黄佛山" not in stranger.content.decode()
    assert not SpotCheckItem.objects.filter(assigned_to__isnull=False).exists()


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
