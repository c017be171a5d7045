"""Export of filtered organization lists: jurisdiction, filters, formats, query budget."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orgs.importing import check_file
from orgs.models import Organization
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import isolate


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


@pytest.fixture
def registry(zhongshan, guzhen, foshan):
    return [
        make_org(
            guzhen,
            "古镇灯饰青年商会",
            category="employment",
            registration_status="social_group",
            credit_code=credit_code(801),
            service_fields=["community", "employment"],
            phone="13800138000",
        ),
        make_org(guzhen, "古镇青年义工队", category="public_welfare"),
        make_org(zhongshan, "中山市青年读书会", category="interest", status=Organization.Status.PENDING),
        make_org(foshan, "佛山青年商会", category="employment"),
    ]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_zhongshan_export_never_contains_foshan(client_for, zhongshan_cadre, registry):
    response = client_for(zhongshan_cadre).get(reverse("orgs_flow:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["组织名称", "所属团组织", "层级"]
    names = {r[0] for r in rows[1:]}
    assert names == {"古镇灯饰青年商会", "古镇青年义工队", "中山市青年读书会"}
    shop = next(r for r in rows if r[0] == "古镇灯饰青年商会")
    assert shop[1] == "广东省/中山市/古镇镇" and shop[8] == credit_code(801) and shop[13] == "13800138000"


def test_town_cadre_exports_only_its_town(client_for, guzhen_cadre, registry):
    rows = csv_rows(client_for(guzhen_cadre).get(reverse("orgs_flow:export_csv")))
    assert {r[0] for r in rows[1:]} == {"古镇灯饰青年商会", "古镇青年义工队"}


def test_export_uses_the_list_filters(client_for, province_admin, registry, zhongshan):
    client = client_for(province_admin)
    rows = csv_rows(client.get(reverse("orgs_flow:export_csv"), {"category": "employment"}))
    assert {r[0] for r in rows[1:]} == {"古镇灯饰青年商会", "佛山青年商会"}
    rows = csv_rows(
        client.get(reverse("orgs_flow:export_csv"), {"subtree": zhongshan.pk, "status": "listed"})
    )
    assert {r[0] for r in rows[1:]} == {"古镇灯饰青年商会", "古镇青年义工队"}


def test_xlsx_export_has_the_same_rows(client_for, zhongshan_cadre, registry):
    response = client_for(zhongshan_cadre).get(reverse("orgs_flow:export_xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    assert values[0][0] == "组织名称"
    assert {v[0] for v in values[1:]} == {"古镇灯饰青年商会", "古镇青年义工队", "中山市青年读书会"}


def test_exported_file_imports_again_without_changes(client_for, zhongshan_cadre, registry):
    response = client_for(zhongshan_cadre).get(reverse("orgs_flow:export_xlsx"))
    report = check_file("export.xlsx", b"".join(response.streaming_content), zhongshan_cadre)
    assert report.errors == []
    assert report.summary() == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}


def test_organization_list_links_to_the_export_with_its_filters(client_for, zhongshan_cadre, registry):
    html = (
        client_for(zhongshan_cadre)
        .get(reverse("orgs:organization_list"), {"category": "employment"})
        .content.decode()
    )
    assert f'href="{reverse("orgs_flow:export_csv")}?category=employment"' in html
    assert f'href="{reverse("orgs_flow:export_xlsx")}?category=employment"' in html
    assert reverse("orgs_flow:import") in html


def test_anonymous_users_cannot_export(client, registry):
    assert client.get(reverse("orgs_flow:export_csv")).status_code == 302


def test_export_queries_do_not_grow_with_rows(
    client_for, province_admin, guzhen, django_assert_max_num_queries
):
    client = client_for(province_admin)
    make_org(guzhen, "古镇青年组织一")
    # session, user, memberships, the units (for their path names), the organizations (unit joined)
    with django_assert_max_num_queries(6):
        small = csv_rows(client.get(reverse("orgs_flow:export_csv")))
    Organization.objects.bulk_create(
        [
            Organization(
                name=f"古镇青年组织批量{i:04d}",
                governing_unit=guzhen,
                tier="N",
                kind="social_organization",
                category="interest",
                status="listed",
            )
            for i in range(500)
        ]
    )
    with django_assert_max_num_queries(6):
        large = csv_rows(client.get(reverse("orgs_flow:export_csv")))
    assert len(small) == 2 and len(large) == 502


def _stored(org: Organization) -> dict:
    row = Organization.objects.filter(pk=org.pk).values().get()
    return {k: v for k, v in row.items() if k not in {"updated_at"}}


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_an_exported_list_applied_back_changes_no_stored_field(
    client_for, zhongshan_cadre, guzhen, extension
):
    """The Excel habit: export, (look at it,) import the same file back — nothing moves."""
    import datetime

    from orgs.importing import apply_file

    full = make_org(
        guzhen,
        "古镇“青益”公益服务中心",
        category="public_welfare",
        service_fields=["elderly", "education"],
        registration_status="non_enterprise",
        credit_code=credit_code(802),
        founded_on=datetime.date(2009, 6, 6),
        registered_on=datetime.date(2012, 3, 15),
        youth_covered=1234,
        description="全年联系青年组织14家，新建团支部3个, 其中:\n楼宇建团 2 个；区域建团 1 个。",
        contact_person="王小明",
        phone="0760-22345678",
        email="qingyi@example.cn",
        address="中山市古镇镇中兴大道 1 号",
    )
    before = _stored(full)
    response = client_for(zhongshan_cadre).get(reverse(f"orgs_flow:export_{extension}"))
    counts = apply_file(f"export.{extension}", b"".join(response.streaming_content), zhongshan_cadre)
    assert counts.get("created", 0) == 0 and counts.get("updated", 0) == 0
    assert _stored(full) == before
