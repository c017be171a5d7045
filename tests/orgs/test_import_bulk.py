"""The import's bulk write (`orgs.services.import_organizations`): what it stores is what the
per-row services store, history and status changes included; it refuses everything when a
row lies outside the cadre's jurisdiction, an organization changed since the check or a
credit code was taken meanwhile; and it runs in a constant number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from hubportal.history import history_context
from orgs import services
from orgs.importing import apply_file, check_file
from orgs.models import Organization, StatusChange
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import isolate
from tests.orgs.test_import import row, xlsx

# What differs between two organizations stored alike: who they are and when they were written.
IDENTITY = {"id", "name", "name_initials", "credit_code", "created_at", "updated_at", "submitted_at"}


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


def stored(org: Organization) -> dict[str, Any]:
    values = Organization.objects.filter(pk=org.pk).values().get()
    return {k: v for k, v in values.items() if k not in IDENTITY}


def events(org: Organization) -> list[tuple[str, Any]]:
    event = apps.get_model("orgs", "OrganizationEvent")
    return [
        (e.pgh_label, (e.pgh_context.metadata if e.pgh_context else {}).get("user"))
        for e in event.objects.filter(pgh_obj_id=org.pk).select_related("pgh_context").order_by("pgh_id")
    ]


def imported(content: bytes, user: Any) -> dict[str, int]:
    """The apply as the job runs it: under the import's history context."""
    with history_context(user=user.pk, actor="import:组织.xlsx"):
        return apply_file("组织.xlsx", content, user)


def test_a_created_organization_is_stored_as_the_service_stores_it(zhongshan_cadre, guzhen):
    fields = {
        "tier": "5",
        "body": "young_entrepreneurs",
        "kind": "",
        "category": "employment",
        "service_fields": ["community", "elderly"],
        "registration_status": "social_group",
        "founded_on": datetime.date(2019, 5, 4),
        "registered_on": datetime.date(2020, 1, 15),
        "youth_covered": 1200,
        "contact_person": "王小明",
        "phone": "13800138000",
        "email": "shanghui@example.cn",
        "address": "古镇镇中兴大道1号",
        "description": "灯饰行业青年",
    }
    by_service = services.create_organization(
        zhongshan_cadre,
        {**fields, "name": "古镇灯饰青年商会", "credit_code": credit_code(801), "governing_unit": guzhen.pk},
    )
    content = xlsx(
        row(
            "古镇照明青年商会",
            层级="5",
            所属团属组织="青企协",
            组织类型="",
            类别="就业创业类",
            服务领域="社区服务、养老助老",
            登记状态="社会团体",
            统一社会信用代码=credit_code(802),
            成立日期="2019-05-04",
            登记日期="2020-01-15",
            覆盖青年人数="1200",
            电子邮箱="shanghui@example.cn",
            地址="古镇镇中兴大道1号",
            简介="灯饰行业青年",
        )
    )
    assert imported(content, zhongshan_cadre) == {"create": 1, "update": 0, "unchanged": 0}
    by_import = Organization.objects.get(name="古镇照明青年商会")
    assert stored(by_import) == stored(by_service)
    assert by_import.name_initials == "gzzmqnsh" and by_import.credit_code == credit_code(802)
    assert by_import.created_by == zhongshan_cadre and by_import.status == Organization.Status.LISTED
    # The generated search column is computed for a row written by COPY too.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_grams @> ARRAY['照明'] FROM orgs_organization WHERE id = %s", [by_import.pk]
        )
        assert cursor.fetchone() == (True,)
    for org in (by_service, by_import):
        change = StatusChange.objects.get(organization=org)
        assert (change.from_status, change.to_status, change.by, change.reason) == (
            "",
            "listed",
            zhongshan_cadre,
            "",
        )
    assert events(by_import) == [("insert", zhongshan_cadre.pk)]
    status_event = apps.get_model("orgs", "StatusChangeEvent").objects.get(
        pgh_obj_id=by_import.status_changes.get().pk
    )
    assert (
        status_event.pgh_label == "insert" and status_event.pgh_context.metadata["user"] == zhongshan_cadre.pk
    )


def test_an_updated_organization_is_stored_as_the_service_stores_it(zhongshan_cadre, guzhen):
    """The same edit, by `update_organization` on one twin and by the import on the other:
    a tier change, a registration (实体化 dates it today), new fields."""
    twins = [
        make_org(guzhen, name, youth_covered=50, phone="0760-88881234")
        for name in ("古镇青年甲队", "古镇青年乙队")
    ]
    # What the row below changes: the tier, the registration, and the columns the row fills in.
    changes = {
        "tier": "2",
        "body": "federation",
        "kind": "",
        "registration_status": "non_enterprise",
        "service_fields": ["health"],
        "youth_covered": 1500,
        "phone": "13800138000",
        "contact_person": "王小明",
        "founded_on": datetime.date(2019, 5, 4),
    }
    services.update_organization(
        zhongshan_cadre, twins[0].pk, {**changes, "credit_code": credit_code(811)}, twins[0].version
    )
    content = xlsx(
        row(
            "古镇青年乙队",
            层级="2",
            所属团属组织="青年社会组织联合会",
            组织类型="",
            登记状态="民办非企业单位",
            统一社会信用代码=credit_code(812),
            服务领域="health",
            覆盖青年人数="1500",
        )
    )
    assert imported(content, zhongshan_cadre) == {"create": 0, "update": 1, "unchanged": 0}
    first, second = (Organization.objects.get(pk=t.pk) for t in twins)
    assert stored(second) == stored(first)
    assert second.version == 2 and second.registered_on == timezone.localdate()
    assert second.updated_at > twins[1].updated_at
    assert events(second) == [("insert", None), ("update", zhongshan_cadre.pk)]


def test_many_rows_create_and_update_with_history_and_status_changes(zhongshan_cadre, guzhen, zhongshan):
    existing = [make_org(guzhen, f"古镇青年组织{i:03d}") for i in range(10)]
    content = xlsx(
        *[row(f"古镇青年组织{i:03d}", 覆盖青年人数=str(200 + i)) for i in range(10)],  # updates
        *[row(f"中山青年新组织{i:03d}", unit_path="广东省/中山市") for i in range(15)],  # creates
    )
    assert imported(content, zhongshan_cadre) == {"create": 15, "update": 10, "unchanged": 0}
    created = Organization.objects.filter(name__startswith="中山青年新组织")
    assert created.count() == 15 and set(created.values_list("governing_unit", flat=True)) == {zhongshan.pk}
    assert (
        StatusChange.objects.filter(organization__in=created, to_status="listed", by=zhongshan_cadre).count()
        == 15
    )
    for org in created:
        assert events(org) == [("insert", zhongshan_cadre.pk)]
    for i, org in enumerate(existing):
        org.refresh_from_db()
        assert (org.youth_covered, org.version) == (200 + i, 2)
        assert events(org)[-1] == ("update", zhongshan_cadre.pk)
    # The same file again: nothing to write, no event, no version bumped.
    event_model = apps.get_model("orgs", "OrganizationEvent")
    before = event_model.objects.count()
    assert imported(content, zhongshan_cadre) == {"create": 0, "update": 0, "unchanged": 25}
    assert event_model.objects.count() == before
    assert set(
        Organization.objects.filter(pk__in=[o.pk for o in existing]).values_list("version", flat=True)
    ) == {2}


def plans(
    content: bytes, user: Any
) -> tuple[list[dict[str, Any]], list[tuple[Organization, dict[str, Any]]]]:
    report = check_file("组织.xlsx", content, user)
    assert report.ok, report.errors
    creates = [p.data for p in report.plans if p.action == "create"]
    updates = [(p.target, p.changes) for p in report.plans if p.action == "update"]
    return creates, updates


def test_an_organization_changed_since_the_check_refuses_everything(zhongshan_cadre, guzhen):
    org = make_org(guzhen, "古镇青年义工队")
    creates, updates = plans(
        xlsx(row("古镇青年义工队", 覆盖青年人数="900"), row("古镇青年新队")), zhongshan_cadre
    )
    # Someone saves the organization between the check and the write.
    Organization.objects.filter(pk=org.pk).update(version=F("version") + 1, youth_covered=5)
    with pytest.raises(ValidationError) as refused:
        services.import_organizations(zhongshan_cadre, creates, updates)
    assert "古镇青年义工队" in " ".join(refused.value.messages)
    org.refresh_from_db()
    assert org.youth_covered == 5 and not Organization.objects.filter(name="古镇青年新队").exists()


def test_a_row_outside_the_jurisdiction_refuses_everything(zhongshan_cadre, guzhen, foshan):
    creates, _updates = plans(xlsx(row("古镇青年新队"), row("古镇青年另一队")), zhongshan_cadre)
    creates[1]["governing_unit"] = foshan  # a list that did not come from the check
    with pytest.raises(PermissionDenied) as refused:
        services.import_organizations(zhongshan_cadre, creates, [])
    assert "佛山" not in str(refused.value)
    foshan_org = make_org(foshan, "佛山青年会")
    with pytest.raises(PermissionDenied):
        services.import_organizations(zhongshan_cadre, creates[:1], [(foshan_org, {"youth_covered": 3})])
    assert not Organization.objects.exclude(pk=foshan_org.pk).exists()
    assert Organization.objects.get(pk=foshan_org.pk).youth_covered == 0


def test_a_credit_code_taken_meanwhile_refuses_everything(zhongshan_cadre, guzhen):
    creates, updates = plans(
        xlsx(
            row("古镇青年新队"),
            row("古镇灯饰青年商会", 登记状态="社会团体", 统一社会信用代码=credit_code(821)),
        ),
        zhongshan_cadre,
    )
    make_org(guzhen, "别处青年会", registration_status="social_group", credit_code=credit_code(821))
    with pytest.raises(ValidationError) as refused:
        services.import_organizations(zhongshan_cadre, creates, updates)
    assert "credit code" in " ".join(refused.value.messages) or "信用代码" in " ".join(refused.value.messages)
    assert list(Organization.objects.values_list("name", flat=True)) == ["别处青年会"]


def test_the_apply_writes_in_a_constant_number_of_queries(
    zhongshan_cadre, guzhen, django_assert_max_num_queries
):
    def apply_rows(n: int, prefix: str) -> None:
        for i in range(n // 2):
            make_org(guzhen, f"{prefix}{i:04d}")
        content = xlsx(
            *[row(f"{prefix}{i:04d}", 覆盖青年人数=str(300 + i)) for i in range(n // 2)],
            *[row(f"{prefix}新{i:04d}") for i in range(n // 2)],
        )
        # 36, whatever the number of rows: the check (units, the cadre's memberships, the
        # organizations by credit code or name); the reach (units, organizations) and the
        # lock; the new rows (ids, the trigger looked up, constraints checked, trigger off and
        # on, constraints deferred, their events) and their status changes alike; the updates
        # (temporary table, the update trigger looked up, constraints checked, trigger off, one
        # UPDATE per set of changed fields, trigger on, constraints deferred, their events,
        # drop); three savepoints and their releases. COPY is not counted.
        with django_assert_max_num_queries(36):
            counts = apply_file("组织.xlsx", content, zhongshan_cadre)
        assert counts == {"create": n // 2, "update": n // 2, "unchanged": 0}

    apply_rows(20, "古镇甲")
    apply_rows(200, "古镇乙")


def test_a_new_row_breaking_a_rule_refuses_everything_while_the_rows_stream(zhongshan_cadre, guzhen):
    creates, _updates = plans(xlsx(*[row(f"古镇青年新队{i}") for i in range(3)]), zhongshan_cadre)
    # A list that did not come from the check: its last row, built while the first ones are
    # already in the COPY, is tier N without its kind.
    creates[2]["kind"] = ""
    with pytest.raises(ValidationError) as refused:
        services.import_organizations(zhongshan_cadre, creates, [])
    assert "古镇青年新队2" in " ".join(refused.value.messages)
    assert not Organization.objects.exists() and not StatusChange.objects.exists()
