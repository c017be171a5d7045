"""Every number has its evidence (issue 10, item 2): for every metric with a source and a
sample of units at every level, the drill-down — the page and
`GET /api/reporting/snapshots/<id>/records/` — lists exactly the records that make the value:
as many rows as a count, the contributions of a sum, the numerator and denominator of a share.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orgs.models import LeagueUnit
from reporting.metrics import SHARE, SUM, registry
from reporting.models import Programme, TargetRule, TargetSnapshot, Window
from reporting.tracking import track_targets

from .conftest import at

# The units sampled: the province, cities inside and outside the PRD, a county, towns (one of
# 中山's, which have no county), universities.
SAMPLE = [
    "440000",
    "442000",
    "440600",
    "440200",
    "440605",
    "440203",
    "442000012",
    "442000013",
    "U440001",
    "U442001",
]


@pytest.fixture
def world(units, clock):
    """The demo registry, incubation and a year of monthly reports, entered over 2026, and a
    programme with one target on every metric that has a source, for every unit."""
    from incubation import demo as incubation_demo
    from orgs import demo as orgs_demo
    from reporting import demo as reporting_demo

    clock.move_to(at(2026, 11, 20))
    orgs_demo.seed_users(units)
    orgs_demo.seed_registry(units)
    incubation_demo.seed(units)
    # Co-building committees and cards too, so their metrics are checked on records, not zeros
    # (their data only: their demo programmes would add targets of their own).
    from cards import demo as cards_demo
    from cobuilding import demo as cobuilding_demo

    cobuilding_demo.seed_subdistricts(units)
    for spec in cobuilding_demo.COMMITTEES:
        cobuilding_demo.seed_committee(units[spec[0]], spec, date(2026, 11, 20))
    cobuilding_demo.seed_subsidies(date(2026, 11, 20))
    cards_demo.seed_cards(units, date(2026, 11, 20))
    monthly, _quarterly = reporting_demo.seed_forms(units, 2026)
    zhongshan = units["442000"]
    filers = list(LeagueUnit.objects.filter(parent=zhongshan, level="town").order_by("path"))
    reporting_demo.seed_monthly_reports(monthly, filers, date(2026, 11, 20))
    programme = Programme.objects.create(
        owner=units["440000"],
        name="证据测试",
        start_year=2026,
        end_year=2026,
        launch_on=date(2026, 1, 1),
        implementation_on=date(2026, 2, 1),
        inspection_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
    )
    codes = [m.code for m in registry.all() if m.has_source] + [
        "report:orgs_contacted",
        "report:subsidy_first",
    ]
    for order, code in enumerate(codes):
        TargetRule.objects.create(
            programme=programme,
            label=f"证据：{code}",
            metric=code,
            threshold=1,
            deadline=date(2026, 12, 31),
            window=Window.YEAR,
            order=order,
        )
    track_targets("2026Q4")
    return codes


# The demo's own accounts stand for the personas (they have the same user names).
@pytest.fixture
def province_admin(world):
    from accounts.models import User

    return User.objects.get(username="gd_admin")


@pytest.fixture
def zhongshan_cadre(world):
    from accounts.models import User

    return User.objects.get(username="zs_cadre")


@pytest.fixture
def foshan_cadre(world):
    from accounts.models import User

    return User.objects.get(username="fs_cadre")


def _records(client, snapshot):
    body = client.get(f"/api/reporting/snapshots/{snapshot.pk}/records/?page_size=500").json()
    rows = body["results"]
    while body.get("next"):
        body = client.get(body["next"]).json()
        rows += body["results"]
    return body, rows


def test_every_metric_with_a_source_lists_exactly_the_records_of_its_value(world, client_for, province_admin):
    client = client_for(province_admin)
    legacy = [m.code for m in registry.all() if m.has_source and not m.has_evidence]
    assert not legacy, f"metrics registered without evidence (the protocol of reporting.metrics): {legacy}"
    snapshots = TargetSnapshot.objects.filter(period="2026Q4", unit__code__in=SAMPLE).select_related(
        "rule", "unit", "evidence_set"
    )
    checked_metrics, non_zero = set(), set()
    for snapshot in snapshots:
        body, rows = _records(client, snapshot)
        assert body["count"] == len(rows), snapshot
        assert snapshot.evidence_set is not None and snapshot.value is not None
        aggregate = snapshot.evidence_set.aggregate
        if aggregate == SHARE:
            assert len(rows) == snapshot.denominator
            assert sum(1 for r in rows if r["counts"]) == snapshot.numerator
            if snapshot.denominator:
                expected = Decimal(100) * snapshot.numerator / snapshot.denominator
                assert snapshot.value == expected.quantize(Decimal("0.01"))
            else:
                assert snapshot.value == 0
            assert body["numerator"] == snapshot.numerator and body["denominator"] == snapshot.denominator
        elif aggregate == SUM:
            assert sum(Decimal(r["contribution"]) for r in rows) == snapshot.value, snapshot
            kept = sum(Decimal(r["contribution"]) for r in rows if not r["found_false"])
            # Reported figures keep the false ones "as reported" and leave them out after spot
            # checks; registry facts found false are not in the evidence at all.
            assert kept == (
                snapshot.confirmed_value if snapshot.confirmed_value is not None else snapshot.value
            )
        else:
            assert len(rows) == snapshot.value, (snapshot.rule.metric, snapshot.unit.name)
        # Nothing changed since the run: the metric's records now are the same records.
        metric = registry.get(snapshot.rule.metric)
        assert metric is not None
        live = metric.records(snapshot.unit, date(2026, 1, 1), date(2026, 12, 31))
        assert live is not None
        assert sorted(r.pk for r in live) == sorted(r["id"] for r in rows), snapshot
        checked_metrics.add(snapshot.rule.metric)
        if snapshot.value:
            non_zero.add(snapshot.rule.metric)
    assert checked_metrics == set(world)
    # The sample is not all zeros: most registry facts have records somewhere in it.
    assert {
        "orgs_governed",
        "orgs_contacted",
        "league_building_coverage",
        "bases",
        "orgs_incubated",
        "cobuilding_committees",
        "cobuilding_orgs",
        "cobuilding_cadres",
        "cobuilding_funding",
        "cobuilding_chair_terms_held",
        "branch_subsidies",
        "member_cards",
        "volunteer_cards",
        "member_card_coverage",
    } <= non_zero
    assert "report:orgs_contacted" in non_zero


def test_the_drill_down_page_lists_the_same_records(world, client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    snapshot = TargetSnapshot.objects.get(period="2026Q4", unit__code="442000", rule__metric="orgs_listed")
    assert snapshot.value is not None and snapshot.value > 0
    page = client.get(f"/reporting/snapshots/{snapshot.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = page.split('id="evidence"')[1].split("</table>")[0]
    assert table.count("<tr") - 1 == min(int(snapshot.value), 50)
    assert f"{int(snapshot.value)} records make this number" in page


def test_the_evidence_is_kept_when_the_records_change(world, client_for, zhongshan_cadre):
    """Months later the drill-down still lists what the value counted: a record dissolved
    since is still listed (the number is of its quarter), a deleted one says so."""
    from orgs.models import Organization

    client = client_for(zhongshan_cadre)
    snapshot = TargetSnapshot.objects.get(period="2026Q4", unit__code="442000", rule__metric="orgs_listed")
    _body, before = _records(client, snapshot)
    Organization.objects.filter(pk=before[0]["id"]).update(status="dissolved")
    _body, after = _records(client, snapshot)
    assert [r["id"] for r in after] == [r["id"] for r in before] and len(after) == snapshot.value


def test_a_snapshot_of_another_jurisdiction_is_not_found_and_says_nothing_of_it(
    world, client_for, foshan_cadre
):
    snapshot = TargetSnapshot.objects.get(period="2026Q4", unit__code="442000", rule__metric="orgs_listed")
    client = client_for(foshan_cadre)
    response = client.get(f"/api/reporting/snapshots/{snapshot.pk}/records/")
    assert response.status_code == 404
    assert "中山" not in response.content.decode()
    assert client.get(f"/reporting/snapshots/{snapshot.pk}/").status_code == 404


def test_records_api_query_count_does_not_grow_with_the_page(
    world, client_for, province_admin, django_assert_max_num_queries
):
    client = client_for(province_admin)
    snapshot = TargetSnapshot.objects.get(period="2026Q4", unit__code="440000", rule__metric="orgs_governed")
    assert snapshot.value is not None and snapshot.value > 50
    # session, user, memberships, the snapshot (with rule, unit and evidence set), the count,
    # the page of stored rows, the records' fields.
    for size in (10, 50):
        with django_assert_max_num_queries(7):
            body = client.get(f"/api/reporting/snapshots/{snapshot.pk}/records/?page_size={size}").json()
        assert body["count"] == snapshot.value and len(body["results"]) == size


def test_a_target_without_a_data_source_says_so(world, client_for, province_admin):
    registry.declare("test_no_source_evidence", "无来源")
    rule = TargetRule.objects.filter(programme__name="证据测试").first()
    assert rule is not None
    TargetRule.objects.filter(pk=rule.pk).update(metric="test_no_source_evidence")
    track_targets("2026Q4")
    snapshot = TargetSnapshot.objects.filter(period="2026Q4", rule=rule).first()
    assert snapshot is not None and snapshot.value is None
    body = (
        client_for(province_admin)
        .get(f"/api/reporting/snapshots/{snapshot.pk}/records/", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert body["count"] == 0 and "no data source" in body["detail"]
