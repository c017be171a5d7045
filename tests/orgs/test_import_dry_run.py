"""The import's dry run (issue 9, defects 3 and 4): the template's example row never
matches a real record, every change is shown before → after (page and download), and the
dry run refuses exactly what the apply would refuse."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from orgs.importing import apply_file, check_file
from orgs.models import Organization
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import isolate
from tests.orgs.test_import import GOOD, row, upload, xlsx

BEFORE_FOUNDED = "An organization cannot be registered before it was founded."


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


def test_the_untouched_template_changes_nothing_even_when_its_example_exists(
    client_for, zhongshan_cadre, guzhen
):
    # A real organization with the example's name (without the mark) in the example's unit.
    real = make_org(
        guzhen, "古镇灯饰青年商会", registration_status="social_group", credit_code=credit_code(77)
    )
    client = client_for(zhongshan_cadre)
    template = client.get(reverse("orgs_flow:import_template_xlsx")).content
    book = load_workbook(io.BytesIO(template))
    example = [c.value for c in book["组织"][2]]
    assert example[0].startswith("示例")
    guide = " ".join(str(c.value) for r in book["填写说明"].iter_rows() for c in r if c.value)
    assert "示例" in guide and "删除" in guide
    response = upload(client, template, "template.xlsx")
    report = response.context["report"]
    assert not report.plans and [(e.row, e.column) for e in report.errors] == [(2, "组织名称")]
    assert "示例" in report.errors[0].message
    html = response.content.decode()
    assert 'id="apply-button"' not in html and "示例" in html
    real.refresh_from_db()
    assert real.version == 1 and real.name == "古镇灯饰青年商会"


def test_example_credit_code_is_invalid(zhongshan_cadre, guzhen):
    from orgs.importing import COLUMN_BY_KEY
    from orgs.validators import validate_credit_code

    with pytest.raises(Exception):  # noqa: B017 - ValidationError, whatever its message
        validate_credit_code(COLUMN_BY_KEY["credit_code"].example)


def test_dry_run_shows_every_change_before_and_after_on_the_page_and_in_the_download(
    client_for, zhongshan_cadre, foshan_cadre, guzhen
):
    org = make_org(guzhen, "古镇青年义工队", youth_covered=120, phone="13800138000")
    client = client_for(zhongshan_cadre)
    content = xlsx(row("古镇青年义工队", 类别="就业创业类", 覆盖青年人数="1500"), GOOD[2])
    response = upload(client, content)
    report = response.context["report"]
    assert report.summary() == {"create": 1, "update": 1, "unchanged": 0, "errors": 0}
    (plan,) = report.updates
    assert plan.label == "古镇青年义工队" and plan.target.pk == org.pk
    assert ("覆盖青年人数", "120", "1500") in plan.diff
    assert ("类别", "公益类", "就业创业类") in plan.diff
    html = response.content.decode()
    assert 'id="import-changes"' in html and "1500" in html and "→" in html
    download = client.get(reverse("orgs_flow:import_report"), {"t": response.context["report_token"]})
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = book.active
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2")
    lines = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert [2, "修改", "古镇青年义工队", "覆盖青年人数", "120", "1500"] in lines
    assert [3, "新增", "中山市青年读书会", None, None, None] in lines
    # Another cadre cannot fetch this check.
    other = client_for(foshan_cadre).get(
        reverse("orgs_flow:import_report"), {"t": response.context["report_token"]}
    )
    assert other.status_code == 404


def test_registration_before_founding_fails_the_dry_run_with_the_apply_message(zhongshan_cadre, guzhen):
    bad = xlsx(
        *GOOD,
        row(
            "古镇早登记青年会",
            登记状态="社会团体",
            统一社会信用代码=credit_code(950),
            成立日期="2020-06-01",
            登记日期="2019-01-15",
        ),
    )
    report = check_file("组织.xlsx", bad, zhongshan_cadre)
    with translation.override("zh-hans"):
        expected = gettext(BEFORE_FOUNDED)
    assert [(e.row, e.column, e.message) for e in report.errors] == [(5, "登记日期", expected)]
    assert expected != BEFORE_FOUNDED  # translated
    with pytest.raises(Exception):  # noqa: B017 - ImportRejected: the apply refuses the same row
        apply_file("组织.xlsx", bad, zhongshan_cadre)
    assert not Organization.objects.exists()


def test_an_update_that_breaks_a_rule_with_the_recorded_fields_fails_the_dry_run(zhongshan_cadre, guzhen):
    """The file has no registration date; the recorded one (2020-01-15) lies before the new
    founding date: the dry run checks the record as the service would save it."""
    import datetime

    make_org(
        guzhen,
        "古镇青年义工队",
        registration_status="social_group",
        credit_code=credit_code(951),
        founded_on=datetime.date(2019, 5, 4),
        registered_on=datetime.date(2020, 1, 15),
    )
    content = xlsx(
        row("古镇青年义工队", 登记状态="社会团体", 统一社会信用代码=credit_code(951), 成立日期="2021-03-01")
    )
    report = check_file("组织.xlsx", content, zhongshan_cadre)
    assert [(e.row, e.column) for e in report.errors] == [(2, "登记日期")]
    assert not report.plans


def test_a_file_that_passes_the_dry_run_applies(zhongshan_cadre, guzhen):
    make_org(guzhen, "古镇青年义工队", youth_covered=120)
    content = xlsx(
        *GOOD,
        row(
            "古镇按时登记青年会",
            登记状态="社会团体",
            统一社会信用代码=credit_code(952),
            成立日期="2019-06-01",
            登记日期="2019-09-15",
        ),
    )
    report = check_file("组织.xlsx", content, zhongshan_cadre)
    assert report.ok, report.errors
    counts = apply_file("组织.xlsx", content, zhongshan_cadre)
    assert counts == {"create": 3, "update": 1, "unchanged": 0}
    assert str(Organization.objects.get(name="古镇按时登记青年会").registered_on) == "2019-09-15"
