"""Chinese lists sort by pinyin (issue 9, item 8): 阿 < 北 < 中, not by code point
(中 U+4E2D < 北 U+5317 < 阿 U+963F), in the default order and in every sortable text column,
with the same number of queries and an index for the registry's default order."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from hubportal.collation import is_text, pinyin_order, sort_terms
from orgs.models import Organization
from tests.incubation.conftest import make_base
from tests.orgs.factories import make_org

NAMES = ["中山青年会", "阿婆青年会", "北区青年会"]
PINYIN = ["阿婆青年会", "北区青年会", "中山青年会"]


def test_code_point_order_is_not_pinyin():
    assert sorted(NAMES) != PINYIN  # what the portal did before


def test_the_registry_sorts_by_pinyin_by_default_and_by_column(client_for, zhongshan_cadre, zhongshan):
    for name in NAMES:
        make_org(zhongshan, name)
    assert list(Organization.objects.values_list("name", flat=True)) == PINYIN
    client = client_for(zhongshan_cadre)
    page = client.get(reverse("orgs:organization_list"))
    assert [o.name for o in page.context["object_list"]] == PINYIN
    backwards = client.get(reverse("orgs:organization_list"), {"ordering": "-name"})
    assert [o.name for o in backwards.context["object_list"]] == PINYIN[::-1]


def test_a_related_name_column_sorts_by_pinyin_too(client_for, zhongshan_cadre, zhongshan):
    for name in NAMES:
        make_base(zhongshan, name)
    page = client_for(zhongshan_cadre).get(reverse("incubation:base_list"))
    assert [b.name for b in page.context["object_list"]] == PINYIN


def test_sort_terms_collate_text_only():
    from incubation.models import Residency

    assert is_text(Organization, "name") and is_text(Residency, "organization__name")
    assert not is_text(Organization, "founded_on") and not is_text(Organization, "category")  # a choice
    assert sort_terms(Organization, "founded_on") == ["founded_on"]
    # codes keep their byte order and their indexes (the unit tree's path)
    assert sort_terms(Residency, "base__unit__path") == ["base__unit__path"]
    assert not is_text(Organization, "credit_code")
    assert sort_terms(Organization, "-name") == [pinyin_order("-name")]


def test_the_default_order_has_its_collated_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'org_name_pinyin'")
        (definition,) = cursor.fetchone()
    assert 'COLLATE "zh-x-icu"' in definition


def test_the_api_sorts_text_by_pinyin_as_the_pages_do(client_for, zhongshan_cadre, zhongshan):
    for name in NAMES:
        make_base(zhongshan, name)
    client = client_for(zhongshan_cadre)
    answer = client.get("/api/incubation/bases/", {"ordering": "name"}).json()
    assert [row["name"] for row in answer["results"]] == PINYIN
    answer = client.get("/api/incubation/bases/", {"ordering": "-name"}).json()
    assert [row["name"] for row in answer["results"]] == PINYIN[::-1]


def test_the_holder_and_trainee_lists_have_their_collated_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE indexname IN ('cards_holder_name_pinyin', 'trainee_name_pinyin')"
        )
        definitions = dict(cursor.fetchall())
    assert set(definitions) == {"cards_holder_name_pinyin", "trainee_name_pinyin"}
    assert all('COLLATE "zh-x-icu"' in definition for definition in definitions.values())
