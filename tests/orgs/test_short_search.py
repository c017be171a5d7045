"""Search of one or two Chinese characters is served by the name's grams (a GIN index over
its characters and character pairs), since trigrams need three characters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Organization
from tests.orgs.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(zhongshan, guzhen):
    for name in ("古镇青年义工联", "中山读书会", "Abc青年社", "义务工作者协会"):
        make_org(guzhen if "古镇" in name else zhongshan, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("义工", {"古镇青年义工联"}),
        ("青", {"古镇青年义工联", "Abc青年社"}),
        ("读书", {"中山读书会"}),
        ("ab", {"Abc青年社"}),  # any case
        ("义 协会", {"义务工作者协会"}),  # every word, in any order
    ],
)
def test_short_pieces_find_the_names_holding_them(named, text, expected):
    assert set(Organization.objects.search(text).values_list("name", flat=True)) == expected


def test_short_search_asks_the_grams_and_the_index_serves_it(named, province_admin):
    with CaptureQueriesContext(connection) as queries:
        list(Organization.objects.visible_to(province_admin).search("义工").order_by("name", "pk")[:20])
    sql = queries.captured_queries[-1]["sql"]
    assert '"name_grams" @>' in sql and "LIKE '%" not in sql  # no unanchored substring scan
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM orgs_organization WHERE name_grams @> ARRAY['义工']")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "org_name_grams" in plan


def test_the_grams_follow_a_renamed_organization(named):
    org = Organization.objects.get(name="中山读书会")
    Organization.objects.filter(pk=org.pk).update(name="中山观鸟会")
    assert not Organization.objects.search("读书").exists()
    assert list(Organization.objects.search("观鸟").values_list("pk", flat=True)) == [org.pk]
