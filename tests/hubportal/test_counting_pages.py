"""Long lists are not counted in full on every page: exact up to HUB_EXACT_COUNT_LIMIT rows,
the planner's estimate beyond (shown as “about”), exact on demand; filters on a column of the
row add no DISTINCT."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubportal.pagination import CountingPaginator
from orgs.models import Organization
from tests.orgs.factories import make_org

pytestmark = pytest.mark.django_db

LIST = "/orgs/organizations/"
API = "/api/orgs/organizations/"


@pytest.fixture
def twelve(zhongshan, guzhen):
    orgs = [make_org(guzhen if i % 2 else zhongshan, f"计数测试组织{i:02d}") for i in range(12)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orgs_organization")
    return orgs


def test_below_the_limit_the_count_is_exact(twelve, settings):
    settings.HUB_EXACT_COUNT_LIMIT = 100
    paginator = CountingPaginator(Organization.objects.order_by("pk"), 5)
    assert paginator.count == 12
    assert not paginator.count_is_estimate
    assert paginator.num_pages == 3
    assert [p.has_next() for p in (paginator.page(1), paginator.page(2), paginator.page(3))] == [
        True,
        True,
        False,
    ]


def test_above_the_limit_the_count_is_estimated_and_exact_on_demand(twelve, settings):
    settings.HUB_EXACT_COUNT_LIMIT = 5
    paginator = CountingPaginator(Organization.objects.order_by("pk"), 5)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count >= 6  # never below the limit it passed
    assert paginator.count_is_estimate
    bounded, explain = (q["sql"] for q in queries.captured_queries)
    assert "LIMIT 6" in bounded
    assert explain.startswith("EXPLAIN")
    # the last real page knows it is the last, whatever the estimate says
    last = paginator.page(3)
    assert len(last.object_list) == 2 and not last.has_next()
    # past an estimated end: an empty page, not a 404
    exact = CountingPaginator(Organization.objects.order_by("pk"), 5, exact=True)
    assert exact.count == 12 and not exact.count_is_estimate


def test_the_list_page_says_about_and_offers_the_exact_count(client_for, province_admin, twelve, settings):
    settings.HUB_EXACT_COUNT_LIMIT = 5
    client = client_for(province_admin)
    response = client.get(LIST, {"per_page": 20})
    assert response.context["paginator"].count_is_estimate
    assert "count=exact" in response.content.decode()
    exact = client.get(LIST, {"per_page": 20, "count": "exact"})
    assert exact.context["paginator"].count == 12 and not exact.context["paginator"].count_is_estimate
    assert len(exact.context["object_list"]) == 12
    assert client.get(LIST, {"per_page": 20, "page": 40}).status_code == 200  # beyond the estimate


def test_the_api_says_whether_the_count_is_exact(client_for, province_admin, twelve, settings):
    settings.HUB_EXACT_COUNT_LIMIT = 5
    client = client_for(province_admin)
    body = client.get(API, {"page_size": 5}).json()
    assert body["count_exact"] is False and body["count"] >= 6 and len(body["results"]) == 5
    assert body["next"]
    body = client.get(API, {"page_size": 5, "count": "exact"}).json()
    assert body == {**body, "count": 12, "count_exact": True}
    last = client.get(API, {"page_size": 5, "page": 3}).json()
    assert len(last["results"]) == 2 and last["next"] is None
    settings.HUB_EXACT_COUNT_LIMIT = 100
    assert client.get(API).json()["count_exact"] is True


def test_the_list_query_count_stays_constant_with_an_estimate(
    client_for, province_admin, twelve, settings, django_assert_max_num_queries
):
    settings.HUB_EXACT_COUNT_LIMIT = 5
    client = client_for(province_admin)
    client.get(LIST)
    with django_assert_max_num_queries(9):
        assert client.get(LIST, {"per_page": 20}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"status": ["listed", "suspended"]},
        {"category": ["public_welfare"]},
        {"tier": ["N"], "registration_status": ["unregistered"]},
    ],
)
def test_filters_on_a_column_of_the_row_add_no_distinct(client_for, province_admin, twelve, query):
    client = client_for(province_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API, query)
    assert response.status_code == 200, response.content
    org_queries = [q["sql"] for q in queries.captured_queries if '"orgs_organization"' in q["sql"]]
    assert org_queries
    assert not [sql for sql in org_queries if "DISTINCT" in sql.upper()]
    assert any(" IN (" in sql for sql in org_queries)


def test_status_filter_still_selects_what_it_names(client_for, province_admin, zhongshan, twelve):
    make_org(zhongshan, "暂停的计数组织", status=Organization.Status.SUSPENDED)
    client = client_for(province_admin)
    names = {r["name"] for r in client.get(API, {"status": "suspended", "page_size": 100}).json()["results"]}
    assert names == {"暂停的计数组织"}
    both = client.get(API, {"status": ["suspended", "listed"], "count": "exact"}).json()["count"]
    assert both == 13
