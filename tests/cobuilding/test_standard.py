"""The subdistrict standard: each item met or not for a subdistrict, with the records behind
it; for a county or city the share of its subdistricts meeting each item, in a fixed number
of queries whatever their number; the same numbers as the target engine's metrics."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cobuilding import standard
from cobuilding.models import Person
from reporting.metrics import compute_figures, registry
from tests.orgs.factories import make_org

from . import factories as f

D = datetime.date


def _evidence(code: str):
    metric = registry.get(code)
    assert metric is not None and metric.evidence is not None, code
    return metric.evidence


CODES = [
    "cobuilding_committees",
    "cobuilding_orgs",
    "cobuilding_venues",
    "cobuilding_cadres",
    "cobuilding_social_workers",
    "cobuilding_external_members",
    "cobuilding_volunteers",
    "cobuilding_community_volunteers",
    "cobuilding_funding",
    "cobuilding_plans",
    "cobuilding_chairs_without_activity",
    "cobuilding_chair_terms_held",
    "branch_subsidies",
]


def meets_everything(committee, zhongshan) -> None:
    """A subdistrict that meets every item of the standard (entered before the clock)."""
    from cobuilding.models import ActivityOrganization

    unit = f.member_unit(committee)
    f.chair_term(committee, unit, D(2026, 1, 1), D(2026, 3, 31))
    first = f.activity(committee, D(2026, 2, 1))
    for org in (make_org(zhongshan), make_org(zhongshan)):
        ActivityOrganization.objects.create(activity=first, organization=org)
    f.venue(committee)
    for i in range(10):
        f.person(committee, "full_time_cadre" if i < 2 else "part_time_cadre")
    f.person(committee, "social_worker")
    for _i in range(9):
        f.person(committee, "external_member")
    community = f.community(committee)
    f.person(committee, "community_volunteer", community=community)
    f.funding(committee, "20000.00")
    from django.utils import timezone

    f.plan(committee, status="published", published_at=timezone.now())


def test_every_item_is_a_registered_metric_with_its_evidence():
    for code in CODES:
        metric = registry.get(code)
        assert metric is not None and metric.has_evidence, code
        assert str(metric.definition), code


def test_a_subdistrict_meeting_every_item(clock, committee, zhongshan, shiqi):
    meets_everything(committee, zhongshan)
    whole, _groups = standard.assess(shiqi, 2026)
    assessed = whole.subdistricts[0]
    assert assessed.met == {item.key: True for item in standard.ITEMS}, assessed.values


def test_one_short_item_each_is_not_met(clock, committee, zhongshan, shiqi):
    meets_everything(committee, zhongshan)
    Person.objects.filter(role="social_worker").update(
        ended_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC)
    )
    f.community(committee, "无志愿者社区")
    unit = f.member_unit(committee, "另一单位")
    f.chair_term(committee, unit, D(2026, 4, 1), D(2026, 6, 30))  # ended, no activity
    whole, _groups = standard.assess(shiqi, 2026)
    met = whole.subdistricts[0].met
    assert not met["social_worker"] and not met["volunteers"] and not met["chairs"]
    assert met["cadres"] and met["funding"] and met["plan"]


def test_the_page_values_are_the_metrics_values(clock, committee, zhongshan, shiqi):
    meets_everything(committee, zhongshan)
    whole, _groups = standard.assess(zhongshan, 2026)
    values = {s.id: s.values for s in whole.subdistricts}[shiqi.pk]
    for code in standard.CODES:
        start = D(2026, 1, 1) if code in standard.YEARLY else None
        figures = compute_figures(_evidence(code)(start, D(2026, 7, 15)), [shiqi])[shiqi.pk]
        assert figures.value == values[code], code


def test_a_subdistrict_page_shows_each_item_with_its_records(
    clock, committee, zhongshan, shiqi, zhongshan_cadre, client_for
):
    meets_everything(committee, zhongshan)
    response = client_for(zhongshan_cadre).get(
        reverse("cobuilding:standard"), {"unit": shiqi.pk, "year": 2026}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("list-group-item-success") == len(standard.ITEMS)
    assert 'id="records-cobuilding_cadres"' in html and committee.name in html


@pytest.mark.parametrize("extra", [3, 60])
def test_the_city_page_answers_in_at_most_ten_queries_whatever_the_subdistricts(
    clock, extra, zhongshan, zhongshan_cadre, client_for, django_assert_max_num_queries
):
    for i in range(extra):
        c = f.committee(f.subdistrict(zhongshan, f"新街道{i:03d}"))
        f.person(c, "full_time_cadre")
        f.venue(c)
        f.funding(c, "25000.00")
    client = client_for(zhongshan_cadre)
    # session, user, memberships (jurisdiction), the unit (get_for), the unit picker, the
    # standard itself (ONE statement for every subdistrict and item)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cobuilding:standard"), {"unit": zhongshan.pk, "year": 2026})
    assert response.status_code == 200
    whole = response.context["whole"]
    assert whole.total == 24 + extra
    shares = {item.key: n for item, n, _share in whole.shares}
    assert shares["committee"] == extra and shares["venue"] == extra and shares["funding"] == extra
    assert shares["cadres"] == 0


def test_the_province_page_groups_by_city(clock, province, units, province_admin, client_for):
    f.committee(units["442000001"])
    response = client_for(province_admin).get(
        reverse("cobuilding:standard"), {"unit": province.pk, "year": 2026}
    )
    groups = {g.name: g for g in response.context["groups"]}
    assert groups["中山市"].meeting("committee") == 1
    assert groups["中山市"].share("committee") == Decimal("4.17")


def test_the_api_gives_the_same_answer(clock, committee, zhongshan, zhongshan_cadre, client_for, shiqi):
    meets_everything(committee, zhongshan)
    body = (
        client_for(zhongshan_cadre)
        .get("/api/cobuilding/standard/", {"unit": zhongshan.pk, "year": 2026})
        .json()
    )
    row = next(s for s in body["by_subdistrict"] if s["unit"] == shiqi.pk)
    assert all(row["met"].values()) and body["shares"]["committee"]["meeting"] == 1


def test_another_citys_unit_is_not_shown(clock, foshan, zhongshan, zhongshan_cadre, client_for):
    page = client_for(zhongshan_cadre).get(reverse("cobuilding:standard"), {"unit": foshan.pk})
    assert page.context["unit"] == zhongshan and "佛山" not in page.context["title"]
    assert (
        client_for(zhongshan_cadre).get("/api/cobuilding/standard/", {"unit": foshan.pk}).status_code == 404
    )
