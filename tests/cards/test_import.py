"""Issuing cards from an Excel list: the dry run reports every bad row and column, the apply
issues every card in one transaction (or none) as a job with progress, importing the same
list twice issues nothing twice, and a fixed number of queries whatever the length."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cards import importing
from cards.models import Card, Holder
from hubportal.imports import ImportRejected
from hubportal.models import Job
from tests.orgs.flow_support import isolate

from . import factories as f

D = datetime.date
HEADER = [c.header for c in importing.COLUMNS]
GUZHEN = "广东省/中山市/古镇镇"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


BORN = D(2004, 4, 4)  # the import's people; the factories' holders are born on other days


def row(number, born=BORN, serial=1, kind="修身团员卡", unit=GUZHEN, **values):
    data = {
        "卡号": number,
        "卡类别": kind,
        "姓名": "王小明",
        "身份证号码": f.id_for(born, serial),
        "手机号码": "13800138000",
        "发卡单位": unit,
        "发卡日期": "2026-03-01",
    }
    data.update(values)
    return [data.get(h, "") for h in HEADER]


def xlsx(*rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [
    row("GZ0001", serial=1),
    row("GZ0002", serial=2, kind="志愿者卡", born=D(1980, 1, 1)),
    row("", serial=3),  # registered without a card yet
    row("GZ0004", serial=4, 发卡日期=datetime.date(2026, 3, 2)),
]


def test_the_dry_run_reports_every_bad_row_and_column(clock, guzhen_admin, guzhen, foshan):
    taken = f.card(f.holder(guzhen), number="GZ9999")
    content = xlsx(
        row("GZ0001", serial=1),
        row("GZ0001", serial=2),  # the same number twice in the file
        row("GZ0003", serial=1),  # the same person twice for one kind
        row("GZ9999", serial=5),  # a number already taken
        row("GZ0006", born=D(2013, 1, 1), serial=6),  # 13 years old
        row("GZ0007", serial=7, 身份证号码="442000200305060000"),  # a bad check digit
        row("GZ0008", serial=8, 发卡单位="广东省/佛山市"),  # outside the jurisdiction
        row("GZ0009", serial=9, 卡类别="会员卡"),
        row("GZ0010", serial=10, 发卡日期="2026-13-01"),
        row("GZ0011", serial=11, 发卡日期="2026-08-01"),  # in the future
        row(
            "GZ0012", serial=taken.holder.id_number and 0, 身份证号码=taken.holder.id_number
        ),  # holds one already
        row("", serial=13, 姓名=""),
    )
    report = importing.check_file("卡.xlsx", content, guzhen_admin)
    found = {(e.row, e.column) for e in report.errors}
    assert found >= {
        (3, "卡号"),
        (4, "身份证号码"),
        (5, "卡号"),
        (6, "身份证号码"),
        (7, "身份证号码"),
        (8, "发卡单位"),
        (9, "卡类别"),
        (10, "发卡日期"),
        (11, "发卡日期"),
        (12, "身份证号码"),
        (13, "姓名"),
    }, found
    assert 2 not in {e.row for e in report.errors}
    messages = {e.row: e.message for e in report.errors}
    assert "aged 14 to 28" in messages[6] and "row 2" in messages[3] and "GZ9999" in messages[12]
    assert Card.objects.count() == 1


def test_the_page_applies_the_list_as_a_job_with_progress(
    clock, guzhen_admin, guzhen, client_for, django_capture_on_commit_callbacks
):
    client = client_for(guzhen_admin)
    response = client.post(reverse("cards:import"), {"file": SimpleUploadedFile("名单.xlsx", xlsx(*GOOD))})
    assert response.context["report"].summary() == {"create": 3, "update": 1, "unchanged": 0, "errors": 0}
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("cards:import_apply"), {"token": response.context["token"]})
    job = Job.objects.get(kind="cards.import")
    assert applied["Location"] == reverse("cards:import_job", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result["counts"] == {"create": 3, "update": 1, "unchanged": 0}
    assert Card.objects.count() == 3 and Holder.objects.count() == 4
    assert Card.objects.get(number="GZ0004").issued_on == D(2026, 3, 2)
    assert set(Holder.objects.values_list("is_member", "is_volunteer")) == {(True, False), (False, True)}
    from django.apps import apps

    assert apps.get_model("cards", "CardEvent").objects.filter(pgh_label="insert").count() == 3
    assert "100%" in client.get(applied["Location"]).content.decode()


def test_importing_the_same_list_twice_issues_nothing_twice(clock, guzhen_admin, guzhen):
    content = xlsx(*GOOD)
    assert importing.apply_file("名单.xlsx", content, guzhen_admin) == {
        "create": 3,
        "update": 1,
        "unchanged": 0,
    }
    assert importing.apply_file("名单.xlsx", content, guzhen_admin) == {
        "create": 0,
        "update": 0,
        "unchanged": 4,
    }
    assert Card.objects.count() == 3


def test_one_bad_row_issues_nothing(clock, guzhen_admin, guzhen):
    with pytest.raises(ImportRejected) as refused:
        importing.apply_file(
            "名单.xlsx", xlsx(*GOOD, row("GZ0005", born=D(1990, 1, 1), serial=5)), guzhen_admin
        )
    assert "row 6" in str(refused.value)
    assert not Card.objects.exists() and not Holder.objects.exists()


def test_a_card_issued_meanwhile_rolls_the_whole_list_back(clock, guzhen_admin, guzhen, monkeypatch):
    from cards import services

    original = services.copy_rows

    def racing(table, columns, rows):
        if table == "cards_card":
            f.card(f.holder(guzhen, D(1999, 9, 9)), number="GZ0004")  # another cadre was quicker
            with connection.cursor() as cursor:  # as if committed elsewhere: no check left pending here
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return original(table, columns, rows)

    monkeypatch.setattr(services, "copy_rows", racing)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        importing.apply_file("名单.xlsx", xlsx(*GOOD), guzhen_admin)
    assert "nothing was issued" in " ".join(refused.value.messages)


def test_the_apply_reports_its_progress(clock, guzhen_admin, guzhen):
    calls = []
    importing.apply_file(
        "名单.xlsx", xlsx(*GOOD), guzhen_admin, progress=lambda done, total: calls.append((done, total))
    )
    # one bar over the file checked again (4 rows) and the 4 plans written
    assert calls[0] == (0, 8) and calls[-1] == (8, 8)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_a_long_list_moves_the_bar_while_it_is_checked_again(clock, guzhen_admin, guzhen):
    """The re-check inside the apply is most of its time: the bar (and the job's sign of life,
    which keeps it from being failed as stale) moves every thousand rows, not only when the
    writing starts."""
    many = xlsx(
        *[row(f"GZ{i:05d}", serial=i, born=D(2000, 1, 1) + datetime.timedelta(days=i)) for i in range(2500)]
    )
    calls = []
    importing.apply_file(
        "名单.xlsx", many, guzhen_admin, progress=lambda done, total: calls.append((done, total))
    )
    checking = [done for done, total in calls if total == 5000 and done <= 2500]
    assert checking[:4] == [0, 1000, 2000, 2500]
    assert calls[-1] == (5000, 5000)


def test_the_dry_run_query_count_does_not_grow_with_rows(
    clock, guzhen_admin, guzhen, django_assert_max_num_queries
):
    few = xlsx(*GOOD)
    many = xlsx(
        *[row(f"GZ{i:05d}", serial=i, born=D(2000, 1, 1) + datetime.timedelta(days=i)) for i in range(400)]
    )
    # memberships, units, the card numbers, the ID numbers, the active cards of known people
    with django_assert_max_num_queries(5):
        importing.check_file("卡.xlsx", few, guzhen_admin)
    with django_assert_max_num_queries(5):
        assert importing.check_file("卡.xlsx", many, guzhen_admin).count("create") == 400


def test_the_template_has_chinese_headers_and_drop_downs(clock, guzhen_admin, client_for):
    client = client_for(guzhen_admin)
    response = client.get(reverse("cards:import_template_xlsx"))
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["发卡名单"][1]][:4] == ["卡号", "卡类别*", "姓名*", "身份证号码*"]
    assert "填写说明" in book.sheetnames
    assert (
        client.get(reverse("cards:import_template_csv"))
        .content.decode("utf-8")
        .startswith("\ufeff卡号,卡类别*")
    )


def test_the_public_and_representatives_cannot_import(client, client_for, representative, db):
    assert client.get(reverse("cards:import"))["Location"].startswith("/accounts/login/")
    assert client_for(representative).get(reverse("cards:import")).status_code == 403


def test_the_untouched_template_issues_nothing(clock, guzhen_admin, client_for):
    """The template's example row is marked 示例: the dry run refuses it, so a template sent
    back unchanged can never issue a card to the example's person."""
    template = client_for(guzhen_admin).get(reverse("cards:import_template_xlsx")).content
    assert [c.value for c in load_workbook(io.BytesIO(template))["发卡名单"][2]][2].startswith("示例")
    report = importing.check_file("template.xlsx", template, guzhen_admin)
    assert not report.plans and [(e.row, e.column) for e in report.errors] == [(2, "姓名")]
    assert "示例" in report.errors[0].message


def test_a_large_import_refreshes_the_planner_statistics(clock, guzhen_admin, guzhen, monkeypatch):
    """From ANALYZE_FROM rows written, the job refreshes the cards' tables once it committed (inside a test's transaction: ANALYZE only);
    a small list leaves it to autovacuum."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cards.models import Card, Holder
    from hubportal import imports

    with CaptureQueriesContext(connection) as small:
        assert imports.analyze_after([Card, Holder], 3) is False
    assert small.captured_queries == []
    monkeypatch.setattr(imports, "ANALYZE_FROM", 3)
    with CaptureQueriesContext(connection) as large:
        assert imports.analyze_after([Card, Holder], 3) is True
    assert [q["sql"] for q in large.captured_queries] == ['ANALYZE "cards_card", "cards_holder"']


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_tables_are_vacuumed_too(monkeypatch):
    """As the import job runs (after its commit): VACUUM sets the visibility map, so the
    index-only scans over a million new cards do not read the heap."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cards.models import Card, Holder
    from hubportal import imports

    monkeypatch.setattr(imports, "ANALYZE_FROM", 1)
    with CaptureQueriesContext(connection) as ran:
        assert imports.analyze_after([Card, Holder], 1) is True
    assert [q["sql"] for q in ran.captured_queries] == ['VACUUM (ANALYZE) "cards_card", "cards_holder"']
