"""The co-building pages: lists in a fixed number of queries (and their Excel export), the
committee page, the public venues (and the map's layer) and published plans."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from . import factories as f

D = datetime.date

LISTS = [
    "cobuilding:committee_list",
    "cobuilding:member_unit_list",
    "cobuilding:chair_term_list",
    "cobuilding:work_plan_list",
    "cobuilding:meeting_list",
    "cobuilding:venue_list",
    "cobuilding:person_list",
    "cobuilding:activity_list",
    "cobuilding:funding_list",
    "cobuilding:subsidy_list",
]


def fill(zhongshan, rows: int) -> None:
    for i in range(rows):
        c = f.committee(f.subdistrict(zhongshan, f"列表街道{i:03d}"))
        unit = f.member_unit(c)
        f.chair_term(c, unit, D(2026, 1, 1), D(2026, 3, 31))
        f.plan(c)
        f.meeting(c).member_units.add(unit)
        f.venue(c)
        f.person(c, community=None)
        f.activity(c, D(2026, 2, 1), organiser=unit)
        f.funding(c)


@pytest.mark.parametrize("url_name", LISTS)
def test_lists_answer_in_a_fixed_number_of_queries(
    url_name, clock, zhongshan, zhongshan_cadre, client_for, django_assert_max_num_queries
):
    client = client_for(zhongshan_cadre)
    fill(zhongshan, 2)
    # session, user, memberships, the count, the page of rows (with their joins and
    # annotations), the unit picker of the filters, the committee picker
    with django_assert_max_num_queries(8):
        assert client.get(reverse(url_name)).status_code == 200
    fill(zhongshan, 12)
    with django_assert_max_num_queries(8):
        response = client.get(reverse(url_name), {"per_page": 50})
    assert response.status_code == 200


def test_a_list_exports_to_excel_with_its_filters(clock, zhongshan, zhongshan_cadre, client_for):
    fill(zhongshan, 3)
    response = client_for(zhongshan_cadre).get(reverse("cobuilding:venue_list"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert sum(1 for row in values if row and row[0] and str(row[0]).startswith("青年之家")) == 3


def test_people_lists_mask_phone_numbers(clock, committee, zhongshan_cadre, client_for):
    f.person(committee, phone="13912345678")
    html = client_for(zhongshan_cadre).get(reverse("cobuilding:person_list")).content.decode()
    assert "13912345678" not in html and "139****5678" in html


def test_the_committee_page_answers_in_a_fixed_number_of_queries(
    clock, committee, member_units, zhongshan, zhongshan_cadre, client_for, django_assert_max_num_queries
):
    for unit in member_units:
        f.meeting(committee).member_units.add(unit)
        f.activity(committee, D(2026, 2, 1), organiser=unit)
        f.person(committee)
    client = client_for(zhongshan_cadre)
    with django_assert_max_num_queries(22):
        response = client.get(committee.get_absolute_url())
    assert response.status_code == 200
    assert "石岐供电所" in response.content.decode()


def test_public_venues_are_listed_and_mapped_with_public_facts_only(
    clock, committee, client, django_assert_max_num_queries
):
    f.venue(committee, name="石岐青年之家", latitude=Decimal("22.52"), longitude=Decimal("113.38"))
    f.venue(committee, name="已关闭的阵地", closed_on=D(2026, 5, 1))
    f.person(committee, phone="13912345678")
    with django_assert_max_num_queries(3):  # the count, the page of venues, the cities of the filter
        listing = client.get(reverse("cobuilding:public_venues")).content.decode()
    assert "石岐青年之家" in listing and "已关闭的阵地" not in listing
    mapped = client.get(reverse("incubation:public_map"))
    layers = mapped.context["layers"]
    assert [p["name"] for layer in layers for p in layer["points"]] == ["石岐青年之家"]
    assert "13912345678" not in mapped.content.decode()


def test_only_published_plans_are_public(clock, committee, client):
    published = f.plan(committee, 2026, title="公示的计划", status="published", published_at=timezone.now())
    draft = f.plan(committee, 2027, title="草稿计划")
    listing = client.get(reverse("cobuilding:public_plans")).content.decode()
    assert "公示的计划" in listing and "草稿计划" not in listing
    assert client.get(reverse("cobuilding:public_plan", args=[published.pk])).status_code == 200
    assert client.get(reverse("cobuilding:public_plan", args=[draft.pk])).status_code == 404


def test_publishing_a_plan_from_its_page(clock, committee, zhongshan_cadre, client_for):
    plan = f.plan(committee)
    client = client_for(zhongshan_cadre)
    response = client.post(reverse("cobuilding:work_plan_publish", args=[plan.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "published"


def test_the_home_counter_opens_exactly_the_flagged_terms(
    clock, committee, member_units, zhongshan_cadre, client_for
):
    f.chair_term(committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    f.chair_term(committee, member_units[1], D(2026, 4, 1), D(2026, 6, 30))
    f.activity(committee, D(2026, 5, 1))
    client = client_for(zhongshan_cadre)
    home = client.get("/")
    counters = {counter.url_name: (value, link) for counter, value, link in home.context["counters"]}
    value, link = counters["cobuilding:chair_term_list"]
    listing = client.get(link)
    assert value == 1 and [t.chair_name for t in listing.context["object_list"]] == ["梁志强"]
