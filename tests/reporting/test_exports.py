"""The reporting lists that are not ObjectListViews export to Excel with their page's scope and
filters (issue 9, Excel habits): 报送情况, the target dashboard, and the monthly figures sheet
(a row per child unit, a column per metric). A 佛山 cadre's file never holds 中山."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting.exports import monthly_figures
from reporting.models import Report

from .conftest import at, file_report

SCOPE = {"day": "2026-02-01"}


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    # the shared layout: title row, frozen bold header with its filter
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2")
    assert sheet["A2"].font.b
    return sheet, [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan, foshan, zhongshan_cadre, foshan_cadre):
    """Two 中山 towns filed (one in draft only); a 佛山 district filed."""
    towns = sorted(zhongshan.children.all(), key=lambda u: u.path)
    districts = sorted(foshan.children.all(), key=lambda u: u.path)
    clock.move_to(at(2026, 3, 2))
    first = {
        "orgs_contacted": "1,200",
        "branches_founded": "3",
        "subsidy": "1800.50",
        "narrative": "14家，新建",
    }
    second = {"orgs_contacted": "8", "branches_founded": "2", "subsidy": "200", "narrative": "二"}
    file_report(zhongshan_cadre, monthly_form, towns[0], date(2026, 2, 1), first, submit=True)
    file_report(zhongshan_cadre, monthly_form, towns[1], date(2026, 2, 1), second, submit=True)
    file_report(zhongshan_cadre, monthly_form, towns[2], date(2026, 2, 1), {"orgs_contacted": "99"})
    file_report(foshan_cadre, monthly_form, districts[0], date(2026, 2, 1), second, submit=True)
    clock.move_to(at(2026, 3, 12))
    return towns, districts


def test_the_monthly_figures_equal_the_reports_values(filed, monthly_form, zhongshan, zhongshan_cadre):
    towns, _districts = filed
    headers, rows, money = monthly_figures(zhongshan_cadre, zhongshan, monthly_form, date(2026, 2, 1))
    assert headers[3:] == [
        "联系青年社会组织数",
        "本月新建团组织数",
        "建团补贴（元）",
        "团建覆盖率",
        "工作简述",
    ]
    assert money == [5]
    by_unit = {row[0]: row for row in rows}
    assert by_unit[towns[0].name][3:] == [1200, 3, Decimal("1800.50"), None, "14家，新建"]
    assert by_unit[towns[1].name][3:] == [8, 2, Decimal("200.00"), None, "二"]
    # a draft's figures are not the unit's yet; a unit that never filed is listed empty
    assert by_unit[towns[2].name][3:] == [None] * 5
    assert rows[-1][:1] == ["Total"] and rows[-1][3:6] == [1208, 5, Decimal("2000.50")]
    # one row per child unit that files the form, then the total
    due = zhongshan.children.filter(monthly_form.due_units_q(), is_active=True).order_by("path")
    assert [row[0] for row in rows[:-1]] == [u.name for u in due] and len(rows) > 10


def test_the_monthly_figures_take_a_fixed_number_of_queries(
    filed, monthly_form, zhongshan, zhongshan_cadre, django_assert_max_num_queries
):
    # the metrics, the children, their reports (with the memberships visible_to reads), the values
    with django_assert_max_num_queries(5):
        monthly_figures(zhongshan_cadre, zhongshan, monthly_form, date(2026, 2, 1))


def test_the_monthly_figures_download(filed, client_for, zhongshan_cadre):
    towns, _districts = filed
    response = client_for(zhongshan_cadre).get(reverse("reporting:monthly_figures_xlsx"), SCOPE)
    sheet, rows = workbook(response)
    assert "中山市" in sheet["A1"].value and "月度通报" in sheet["A1"].value
    first = next(r for r in rows if r[0] == towns[0].name)
    assert first[3] == 1200 and first[5] == 1800.5 and first[7] == "14家，新建"
    assert sheet.cell(row=3 + rows.index(first), column=6).number_format == "#,##0.00"


def test_a_foshan_cadre_gets_foshan_only(filed, client_for, foshan_cadre, zhongshan):
    towns, districts = filed
    client = client_for(foshan_cadre)
    for name in ("reporting:monthly_figures_xlsx", "reporting:completeness_xlsx"):
        _sheet, rows = workbook(client.get(reverse(name), SCOPE))
        names = {r[0] for r in rows}
        assert districts[0].name in names and not names & {t.name for t in towns}
        # naming 中山 in the query string does not reach it: the scope form refuses the unit
        # and the page (and its file) fall back to the cadre's own city
        _sheet, rows = workbook(client.get(reverse(name), {**SCOPE, "unit": zhongshan.pk}))
        assert not {r[0] for r in rows} & ({t.name for t in towns} | {zhongshan.name})


def test_completeness_export_follows_the_page(filed, client_for, zhongshan_cadre, zhongshan):
    towns, _districts = filed
    client = client_for(zhongshan_cadre)
    page = client.get(reverse("reporting:completeness"), SCOPE).context["result"]
    sheet, rows = workbook(client.get(reverse("reporting:completeness_xlsx"), SCOPE))
    assert [r[0] for r in rows] == [r.unit_name for r in page.rows]
    status = {r[0]: r[2] for r in rows}
    assert status[towns[0].name] == "按时报送" or status[towns[0].name] not in ("on_time", "On time")
    submitted = next(r[3] for r in rows if r[0] == towns[0].name)
    assert submitted.year == 2026  # a date cell, not text
    html = client.get(reverse("reporting:completeness"), SCOPE).content.decode()
    assert 'id="figures-xlsx"' in html and "day=2026-02-01" in html


def test_the_target_dashboard_exports_every_page_under_its_filters(
    clock, client_for, zhongshan_cadre, foshan_cadre, zhongshan, foshan
):
    from reporting.models import Programme, TargetRule, TargetSnapshot

    programme = Programme.objects.create(
        owner=zhongshan.parent,
        name="青年发展规划",
        start_year=2026,
        end_year=2030,
        launch_on=date(2026, 1, 1),
        implementation_on=date(2026, 4, 1),
        inspection_on=date(2029, 1, 1),
        ends_on=date(2030, 12, 31),
    )
    rule = TargetRule.objects.create(
        programme=programme,
        label="联系组织",
        metric="orgs_contacted",
        threshold=Decimal("10"),
        deadline=date(2030, 12, 31),
        order=1,
    )
    snapshots = []
    for index, unit in enumerate([zhongshan, *zhongshan.children.all()[:3], foshan]):
        snapshots.append(
            TargetSnapshot(
                rule=rule,
                unit=unit,
                period="2026Q1",
                value=Decimal(index * 5),
                threshold=Decimal("10"),
                status="met" if index * 5 >= 10 else "behind",
                computed_at=at(2026, 3, 1),
            )
        )
    TargetSnapshot.objects.bulk_create(snapshots)
    client = client_for(zhongshan_cadre)
    _sheet, rows = workbook(
        client.get(reverse("reporting:dashboard_xlsx"), {"unit": zhongshan.pk, "period": "2026Q1"})
    )
    assert len(rows) == 4 and foshan.name not in {r[0] for r in rows}
    _sheet, met = workbook(
        client.get(
            reverse("reporting:dashboard_xlsx"), {"unit": zhongshan.pk, "period": "2026Q1", "status": "met"}
        )
    )
    assert len(met) == 2 and {r[7] for r in met} == {str(TargetSnapshot.Status("met").label)}
    assert (
        client_for(foshan_cadre).get(reverse("reporting:dashboard_xlsx"), {"unit": zhongshan.pk}).status_code
        == 404
    )


def test_reports_are_not_changed_by_exporting(filed):
    assert Report.objects.filter(status="draft").count() == 1


def test_the_report_list_exports_and_links_the_figures_sheet_with_its_filters(
    filed, monthly_form, zhongshan, zhongshan_cadre, client_for
):
    client = client_for(zhongshan_cadre)
    query = {"subtree": zhongshan.pk, "form": monthly_form.pk, "period_from": "2026-02-01"}
    page = client.get(reverse("reporting:report_list"), query).content.decode()
    assert "export=xlsx" in page and reverse("reporting:report_list_figures") in page
    redirect = client.get(reverse("reporting:report_list_figures"), query)
    assert redirect.status_code == 302
    figures = client.get(redirect["Location"])
    direct = client.get(
        reverse("reporting:monthly_figures_xlsx"),
        {"unit": zhongshan.pk, "form": monthly_form.pk, "day": "2026-02-01"},
    )
    assert workbook(figures)[1] == workbook(direct)[1]
