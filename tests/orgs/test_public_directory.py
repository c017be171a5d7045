"""The public directory: listed organizations only, public fields only, constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgs.models import BackboneMember, Organization
from tests.orgs.factories import id_number, make_org
from tests.orgs.flow_support import isolate


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


PRIVATE = {
    "phone": "13712345678",
    "email": "secret-contact@example.cn",
    "contact_person": "赵秘密",
    "address": "古镇镇保密路8号",
    "youth_covered": 4321,
}


@pytest.fixture
def listed(guzhen):
    org = make_org(
        guzhen,
        "古镇灯饰青年商会",
        registration_status="social_group",
        description="灯饰行业青年创业交流。",
        category="employment",
        **PRIVATE,
    )
    BackboneMember.objects.create(
        organization=org, name="钱骨干", gender="male", phone="13655556666", id_number=id_number()
    )
    return org


def test_only_listed_organizations_with_public_fields_appear(client, listed, guzhen):
    hidden = [
        make_org(guzhen, "古镇待审青年会", status=Organization.Status.PENDING),
        make_org(guzhen, "古镇退回青年会", status=Organization.Status.RETURNED),
        make_org(guzhen, "古镇驳回青年会", status=Organization.Status.REJECTED),
        make_org(guzhen, "古镇暂停青年会", status=Organization.Status.SUSPENDED),
    ]
    for url in (reverse("orgs_public:directory"), reverse("orgs_public:directory_detail", args=[listed.pk])):
        html = client.get(url).content.decode()
        assert "古镇灯饰青年商会" in html
        for org in hidden:
            assert org.name not in html
        for value in [*map(str, PRIVATE.values()), listed.credit_code, "钱骨干", "13655556666", id_number()]:
            assert value not in html, value
    detail = client.get(reverse("orgs_public:directory_detail", args=[listed.pk])).content.decode()
    assert "中山市" in detail and "古镇镇" in detail and "灯饰行业青年创业交流" in detail
    for org in hidden:
        assert client.get(reverse("orgs_public:directory_detail", args=[org.pk])).status_code == 404


def test_private_columns_are_never_read(listed):
    from orgs.public_views import directory_queryset

    row = directory_queryset().get(pk=listed.pk)
    deferred = row.get_deferred_fields()
    assert {"phone", "email", "contact_person", "address", "credit_code", "youth_covered"} <= deferred


def test_search_by_substring_and_pinyin_initials(client, listed, guzhen):
    make_org(guzhen, "小榄义工联合会")

    def names(**params):
        response = client.get(reverse("orgs_public:directory"), params)
        return {o.name for o in response.context["page_obj"]}

    assert names(q="义工") == {"小榄义工联合会"}
    assert names(q="gzds") == {"古镇灯饰青年商会"}
    assert names() == {"古镇灯饰青年商会", "小榄义工联合会"}


def test_filter_by_city_and_category(client, listed, zhongshan, foshan, units):
    town_in_foshan = next(u for u in units.values() if u.path.startswith(foshan.path) and u.pk != foshan.pk)
    make_org(town_in_foshan, "佛山青年读书会", category="interest")

    def names(**params):
        response = client.get(reverse("orgs_public:directory"), params)
        return {o.name for o in response.context["page_obj"]}

    assert names(city=foshan.pk) == {"佛山青年读书会"}
    assert names(city=zhongshan.pk) == {"古镇灯饰青年商会"}
    assert names(category="interest") == {"佛山青年读书会"}
    assert names(category="not-a-category") == {"佛山青年读书会", "古镇灯饰青年商会"}


def test_htmx_request_gets_only_the_results(client, listed):
    response = client.get(reverse("orgs_public:directory"), {"q": "灯饰"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "古镇灯饰青年商会" in html and '<nav class="navbar' not in html


def test_directory_runs_a_constant_number_of_queries(client, guzhen, django_assert_max_num_queries):
    for i in range(3):
        make_org(guzhen, f"古镇青年组织{i:03d}")
    # session lookup is skipped (anonymous); cities, count, page of rows (town joined, city subquery)
    with django_assert_max_num_queries(4):
        small = client.get(reverse("orgs_public:directory"))
    Organization.objects.bulk_create(
        [
            Organization(
                name=f"古镇青年组织批量{i:03d}",
                governing_unit=guzhen,
                tier="N",
                kind="social_organization",
                category="interest",
                status="listed",
            )
            for i in range(60)
        ]
    )
    with django_assert_max_num_queries(4):
        large = client.get(reverse("orgs_public:directory"), {"page": 2})
    assert len(small.context["page_obj"]) == 3 and len(large.context["page_obj"]) == 20


def test_the_directory_lists_by_pinyin(client, guzhen):
    for name in ("中山青年会", "阿婆青年会", "北区青年会"):  # code point order: 中 < 北 < 阿
        make_org(guzhen, name)
    response = client.get(reverse("orgs_public:directory"))
    assert [o.name for o in response.context["page_obj"]] == ["阿婆青年会", "北区青年会", "中山青年会"]
