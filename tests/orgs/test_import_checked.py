"""The apply of a checked file (`orgs.importing.apply_file`): it writes the dry run's plans
when the register is as the dry run found it, without reading and checking the file again,
and checks the whole file again when anything the plans depend on changed — the organizations
the rows match (their versions), the units, the cadre's jurisdiction, the day — so that it
writes or refuses exactly what a full check at the apply would."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db.models import F

from hubportal.history import history_context
from orgs import importing
from orgs.importing import ImportRejected, apply_file, check_file
from orgs.models import Organization, StatusChange
from tests.conftest import make_user
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import isolate
from tests.orgs.test_import import row, xlsx


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


@pytest.fixture
def rechecks(monkeypatch) -> list[int]:
    """One entry for every time the apply validates the file again (the dry run's own check
    does not go through `validate_rows`)."""
    calls: list[int] = []
    original = importing.validate_rows

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "validate_rows", spy)
    return calls


def checked(content: bytes, user: Any) -> None:
    report = check_file("组织.xlsx", content, user)
    assert report.ok, report.errors


def imported(content: bytes, user: Any) -> dict[str, int]:
    """The apply as the job runs it: under the import's history context."""
    with history_context(user=user.pk, actor="import:组织.xlsx"):
        return apply_file("组织.xlsx", content, user)


@pytest.mark.parametrize("remembered", [True, False], ids=["dry-run-plans", "checked-again"])
def test_the_dry_runs_plans_are_stored_as_a_full_check_stores_them(
    remembered, zhongshan_cadre, zhongshan, guzhen, rechecks
):
    moved = make_org(
        guzhen, "古镇青年义工队", registration_status="social_group", credit_code=credit_code(841)
    )
    content = xlsx(
        # an update matched by its credit code: another unit, more young people
        row(
            "古镇青年义工队",
            unit_path="广东省/中山市",
            登记状态="社会团体",
            统一社会信用代码=credit_code(841),
            覆盖青年人数="900",
        ),
        # a create with every kind of value: dates, a list, a unit
        row(
            "古镇灯饰青年商会",
            服务领域="社区服务、养老助老",
            登记状态="社会团体",
            统一社会信用代码=credit_code(842),
            成立日期="2018-03-02",
            登记日期="2019-07-08",
        ),
    )
    checked(content, zhongshan_cadre)
    if not remembered:
        cache.clear()
    assert imported(content, zhongshan_cadre) == {"create": 1, "update": 1, "unchanged": 0}
    assert rechecks == ([] if remembered else [1])
    moved.refresh_from_db()
    assert (moved.governing_unit, moved.youth_covered, moved.version) == (zhongshan, 900, 2)
    new = Organization.objects.get(name="古镇灯饰青年商会")
    assert (new.governing_unit, new.service_fields, new.credit_code) == (
        guzhen,
        ["community", "elderly"],
        credit_code(842),
    )
    assert (new.founded_on, new.registered_on) == (datetime.date(2018, 3, 2), datetime.date(2019, 7, 8))
    event = apps.get_model("orgs", "OrganizationEvent")
    assert list(event.objects.filter(pgh_obj_id=moved.pk).values_list("pgh_label", "version")) == [
        ("insert", 1),
        ("update", 2),
    ]
    assert list(StatusChange.objects.filter(organization=new).values_list("from_status", "to_status")) == [
        ("", "listed")
    ]


def test_the_dry_runs_plans_take_one_query_instead_of_the_check(
    zhongshan_cadre, guzhen, rechecks, django_assert_max_num_queries
):
    for i in range(40):
        make_org(guzhen, f"古镇甲{i:04d}")
    content = xlsx(
        *[row(f"古镇甲{i:04d}", 覆盖青年人数=str(300 + i)) for i in range(40)],
        *[row(f"古镇甲新{i:04d}") for i in range(40)],
    )
    checked(content, zhongshan_cadre)
    # The check's queries (units, memberships, matched organizations) become: units,
    # memberships, the matched organizations; the writes as in test_import_bulk.
    with django_assert_max_num_queries(36):
        assert imported(content, zhongshan_cadre) == {"create": 40, "update": 40, "unchanged": 0}
    assert rechecks == []


def test_an_organization_changed_after_the_dry_run_is_checked_again(zhongshan_cadre, guzhen, rechecks):
    org = make_org(
        guzhen,
        "古镇青年义工队",
        founded_on=datetime.date(2019, 5, 4),
        contact_person="王小明",
        phone="13800138000",
        youth_covered=120,
    )
    content = xlsx(row("古镇青年义工队", 覆盖青年人数="900"))
    checked(content, zhongshan_cadre)
    # Someone else records the same number meanwhile: the file now changes nothing.
    Organization.objects.filter(pk=org.pk).update(version=F("version") + 1, youth_covered=900)
    assert imported(content, zhongshan_cadre) == {"create": 0, "update": 0, "unchanged": 1}
    assert rechecks == [1]
    assert Organization.objects.get(pk=org.pk).version == 2


def test_an_organization_named_like_a_new_row_after_the_dry_run_is_updated_not_doubled(
    zhongshan_cadre, guzhen, rechecks
):
    content = xlsx(row("古镇青年新队", 覆盖青年人数="300"))
    checked(content, zhongshan_cadre)
    make_org(guzhen, "古镇青年新队")
    assert imported(content, zhongshan_cadre) == {"create": 0, "update": 1, "unchanged": 0}
    assert rechecks == [1]
    assert Organization.objects.filter(name="古镇青年新队").count() == 1


def test_a_credit_code_taken_elsewhere_after_the_dry_run_refuses_the_file(
    zhongshan_cadre, guzhen, foshan, rechecks
):
    content = xlsx(row("古镇灯饰青年商会", 登记状态="社会团体", 统一社会信用代码=credit_code(851)))
    checked(content, zhongshan_cadre)
    make_org(foshan, "佛山青年商会", registration_status="social_group", credit_code=credit_code(851))
    with pytest.raises(ImportRejected):
        imported(content, zhongshan_cadre)
    assert rechecks == [1]
    assert not Organization.objects.filter(name="古镇灯饰青年商会").exists()


def test_a_unit_renamed_after_the_dry_run_refuses_the_file(zhongshan_cadre, guzhen, rechecks):
    content = xlsx(row("古镇青年新队"))
    checked(content, zhongshan_cadre)
    guzhen.name = "古镇镇（新）"
    guzhen.save()
    with pytest.raises(ImportRejected):
        imported(content, zhongshan_cadre)
    assert rechecks == [1]
    assert not Organization.objects.exists()


def test_another_cadres_dry_run_is_not_taken(zhongshan_cadre, zhongshan, guzhen, rechecks):
    content = xlsx(row("古镇青年新队"))
    checked(content, zhongshan_cadre)
    other = make_user("zs_cadre2", zhongshan)
    assert imported(content, other) == {"create": 1, "update": 0, "unchanged": 0}
    assert rechecks == [1]


def test_a_dry_run_of_another_day_is_checked_again(zhongshan_cadre, guzhen, rechecks):
    # 23:50 and 00:10 in Shanghai: twenty minutes, but the rules' “today” moved.
    content = xlsx(row("古镇青年新队"))
    with time_machine.travel(datetime.datetime(2026, 5, 3, 15, 50, tzinfo=datetime.UTC), tick=False):
        checked(content, zhongshan_cadre)
    with time_machine.travel(datetime.datetime(2026, 5, 3, 16, 10, tzinfo=datetime.UTC), tick=False):
        assert imported(content, zhongshan_cadre) == {"create": 1, "update": 0, "unchanged": 0}
    assert rechecks == [1]


def test_a_jurisdiction_changed_after_the_dry_run_is_checked_again(zhongshan_cadre, guzhen, foshan, rechecks):
    content = xlsx(row("古镇青年新队"))
    checked(content, zhongshan_cadre)
    zhongshan_cadre.memberships.all().delete()
    fresh = type(zhongshan_cadre).objects.get(pk=zhongshan_cadre.pk)  # no cached jurisdiction
    with pytest.raises(ImportRejected):
        imported(content, fresh)
    assert rechecks == [1]
