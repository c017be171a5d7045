"""Every list exports to Excel with its filters, as cadres expect a sheet to look."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hubportal.exports import cell_value, safe_text, text_width, write_sheet
from incubation.models import IncubationBase, IncubationFund


@pytest.fixture
def bases(zhongshan, guzhen, foshan):
    made = [
        IncubationBase.objects.create(
            name=name,
            unit=unit,
            base_type=kind,
            work_stations=4 if kind == "physical" else None,
            opened_on=datetime.date(2024, 3, 1),
        )
        for name, unit, kind in [
            ("中山市亲青家园", zhongshan, "physical"),
            ("古镇镇亲青家园", guzhen, "physical"),
            ("中山网络亲青家园", zhongshan, "network"),
            ("佛山市亲青家园", foshan, "physical"),
        ]
    ]
    return made


def workbook_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_a_filtered_list_exports_exactly_its_rows_within_jurisdiction(client_for, zhongshan_cadre, bases):
    url = reverse("incubation:base_list")
    response = client_for(zhongshan_cadre).get(url, {"base_type": "physical", "export": "xlsx"})
    sheet = workbook_of(response).active
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(names) == ["中山市亲青家园", "古镇镇亲青家园"]  # not the network base, never 佛山
    title = sheet["A1"].value
    assert "中山市" in title and "实体型" in title  # the unit and the filter, as the user reads them
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref.startswith("A2:")
    assert [c.value for c in sheet[2]][0] == "名称"
    assert sheet.column_dimensions["A"].width >= text_width("古镇镇亲青家园")
    opened = [row[6] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert all(isinstance(d, datetime.datetime) for d in opened)  # a date cell, not text
    assert sheet.cell(row=3, column=7).number_format == "yyyy-mm-dd"


def test_money_is_exported_as_numbers(client_for, zhongshan_cadre, zhongshan):
    IncubationFund.objects.create(
        unit=zhongshan,
        name="中山市孵化基金",
        established_on=datetime.date(2025, 1, 1),
        balance=Decimal("640000.00"),
    )
    response = client_for(zhongshan_cadre).get(reverse("incubation:fund_list"), {"export": "xlsx"})
    sheet = workbook_of(response).active
    row = next(sheet.iter_rows(min_row=3, max_row=3))
    balance = row[-1]
    assert balance.value == 640000 and balance.number_format == "#,##0.00"


def test_the_export_button_carries_the_list_filters(client_for, zhongshan_cadre, bases):
    html = (
        client_for(zhongshan_cadre)
        .get(reverse("incubation:base_list"), {"base_type": "physical"})
        .content.decode()
    )
    assert "base_type=physical&amp;export=xlsx" in html and "data-follow-query" in html


def test_the_export_answers_in_a_fixed_number_of_queries(
    client_for, zhongshan_cadre, zhongshan, django_assert_max_num_queries
):
    for i in range(30):
        IncubationBase.objects.create(
            name=f"中山测试亲青家园{i}",
            unit=zhongshan,
            base_type="network",
            opened_on=datetime.date(2024, 1, 1),
        )
    client = client_for(zhongshan_cadre)
    # session, user, memberships, the rows (one chunk), nothing per row
    with django_assert_max_num_queries(6):
        workbook_of(client.get(reverse("incubation:base_list"), {"export": "xlsx"}))


def test_cells_are_safe_and_typed():
    assert safe_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_text("-12.5") == "-12.5" and safe_text("@张三") == "'@张三"
    assert safe_text("name\x01with\x1fcontrols") == "namewithcontrols"
    assert cell_value(True) == "是" or cell_value(True) == "Yes"
    assert cell_value(["教育", "养老助老"]) == "教育、养老助老"
    handle = write_sheet("标题", ["名称", "金额"], [["a\x02", Decimal("1.50")]], money_columns=[1])
    sheet = load_workbook(handle).active
    assert sheet["A3"].value == "a" and sheet["B3"].number_format == "#,##0.00"
