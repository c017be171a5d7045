"""The Excel round trip: a pre-filled workbook with signed hidden codes, read back like the page."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from reporting import services
from reporting.models import Report, ReportValue

from .conftest import GOOD


@pytest.fixture
def report(clock, monthly_form, guzhen, guzhen_cadre):
    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    return services.save_report_values(report.pk, guzhen_cadre, GOOD)


def workbook_with(report, changes: dict[str, object], codes: dict[str, object] | None = None) -> io.BytesIO:
    book = load_workbook(io.BytesIO(services.report_workbook(report)))
    sheet, hidden = book.worksheets[0], book["_codes"]
    rows = {row[0].value: row[1].value for row in hidden.iter_rows(min_row=6)}
    for code, value in changes.items():
        sheet.cell(row=rows[code], column=2, value=value)
    for row in hidden.iter_rows():
        if codes and row[0].value in codes:
            row[1].value = codes[row[0].value]
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def stored(report):
    return {
        v.metric.code: v.value for v in ReportValue.objects.filter(report=report).select_related("metric")
    }


def test_downloaded_workbook_is_prefilled_with_hidden_codes(report):
    book = load_workbook(io.BytesIO(services.report_workbook(report)))
    assert book["_codes"].sheet_state == "veryHidden"
    sheet = book.worksheets[0]
    assert "古镇镇" in sheet["A1"].value
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(4, 10)}
    assert values["联系青年社会组织数"] == 12 and values["建团补贴（元）"] == 1800.5


def test_uploaded_workbook_saves_its_values(report, guzhen_cadre):
    services.import_report_workbook(
        report.pk, guzhen_cadre, workbook_with(report, {"orgs_contacted": 20, "branches_founded": 5})
    )
    assert stored(report)["orgs_contacted"] == 20 and stored(report)["branches_founded"] == 5


def test_bad_value_in_the_workbook_is_refused_per_field(report, guzhen_cadre):
    with pytest.raises(ValidationError) as caught:
        services.import_report_workbook(
            report.pk, guzhen_cadre, workbook_with(report, {"orgs_contacted": "很多"})
        )
    assert "orgs_contacted" in caught.value.message_dict
    assert stored(report)["orgs_contacted"] == 12


def test_altered_hidden_codes_are_refused(report, guzhen_cadre):
    # Pointing the file at another metric row (or report) breaks the signature.
    with pytest.raises(ValidationError, match="hidden codes were changed"):
        services.import_report_workbook(
            report.pk, guzhen_cadre, workbook_with(report, {}, {"orgs_contacted": 8})
        )
    with pytest.raises(ValidationError, match="hidden codes were changed"):
        services.import_report_workbook(
            report.pk, guzhen_cadre, workbook_with(report, {}, {"report": report.pk + 1})
        )
    assert stored(report)["orgs_contacted"] == 12


def test_a_file_of_another_report_is_refused(report, monthly_form, guzhen, guzhen_cadre):
    other = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="another report"):
        services.import_report_workbook(other.pk, guzhen_cadre, workbook_with(report, {"orgs_contacted": 30}))
    assert not ReportValue.objects.filter(report=other).exists()


def test_a_foreign_workbook_or_a_non_excel_file_is_refused(report, guzhen_cadre):
    foreign = Workbook()
    foreign.active["A1"] = "随便一个表"
    out = io.BytesIO()
    foreign.save(out)
    out.seek(0)
    with pytest.raises(ValidationError, match="not a report file"):
        services.import_report_workbook(report.pk, guzhen_cadre, out)
    with pytest.raises(ValidationError, match="not an Excel workbook"):
        services.import_report_workbook(report.pk, guzhen_cadre, io.BytesIO(b"%PDF-1.4 not a workbook"))


def test_a_stale_workbook_is_refused_after_someone_saved(report, guzhen_cadre, zhongshan_cadre):
    stale = workbook_with(report, {"orgs_contacted": 40})
    services.save_report_values(report.pk, zhongshan_cadre, {**GOOD, "narrative": "市里补充"})
    with pytest.raises(services.ConcurrentEditError):
        services.import_report_workbook(report.pk, guzhen_cadre, stale)
    assert stored(report)["narrative"] == "市里补充"


def test_upload_after_approval_is_refused(report, guzhen_cadre, zhongshan_cadre):
    services.submit_report(report.pk, guzhen_cadre)
    services.approve_report(report.pk, zhongshan_cadre)
    report = Report.objects.get(pk=report.pk)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.import_report_workbook(report.pk, guzhen_cadre, workbook_with(report, {"orgs_contacted": 1}))
