"""The Excel round trip: a pre-filled workbook with signed hidden codes, read back like the page."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from hubportal.access import NotChangeable, NotVisible
from hubportal.services import StaleVersion
from reporting import services
from reporting.models import Report, ReportValue

from .conftest import GOOD, file_report, save, submit


@pytest.fixture
def report(clock, monthly_form, guzhen, guzhen_cadre):
    return file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))


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
        guzhen_cadre, report.pk, workbook_with(report, {"orgs_contacted": 20, "branches_founded": 5})
    )
    assert stored(report)["orgs_contacted"] == 20 and stored(report)["branches_founded"] == 5


def test_bad_value_in_the_workbook_is_refused_per_field(report, guzhen_cadre):
    with pytest.raises(ValidationError) as caught:
        services.import_report_workbook(
            guzhen_cadre, report.pk, workbook_with(report, {"orgs_contacted": "很多"})
        )
    # The message says where: the row of the sheet and the metric's label.
    assert caught.value.message_dict["orgs_contacted"] == [
        "Row 4 (联系青年社会组织数): “很多” is not a whole number."
    ]
    assert stored(report)["orgs_contacted"] == 12


def test_a_narrative_with_commas_is_kept_as_typed_in_the_workbook(report, guzhen_cadre):
    narrative = "14家，新建3个团支部, 其中…"
    services.import_report_workbook(
        guzhen_cadre, report.pk, workbook_with(report, {"narrative": narrative, "subsidy": "2,000.50"})
    )
    assert stored(report)["narrative"] == narrative and stored(report)["subsidy"] == Decimal("2000.50")


def test_a_narrative_that_looks_like_a_formula_goes_out_and_back_as_text(report, guzhen_cadre):
    save(guzhen_cadre, report, {**GOOD, "narrative": "=1+1 新建团支部"})
    report = Report.objects.get(pk=report.pk)
    services.import_report_workbook(guzhen_cadre, report.pk, workbook_with(report, {}))
    assert stored(report)["narrative"] == "=1+1 新建团支部"


def test_only_cadres_who_may_change_the_report_upload_it(report, foshan_cadre, zhongshan_viewer):
    with pytest.raises(NotVisible):
        services.import_report_workbook(foshan_cadre, report.pk, workbook_with(report, {"orgs_contacted": 1}))
    with pytest.raises(NotChangeable):
        services.import_report_workbook(
            zhongshan_viewer, report.pk, workbook_with(report, {"orgs_contacted": 1})
        )
    assert stored(report)["orgs_contacted"] == 12


def test_altered_hidden_codes_are_refused(report, guzhen_cadre):
    # Pointing the file at another metric row (or report) breaks the signature.
    with pytest.raises(ValidationError, match="hidden codes were changed"):
        services.import_report_workbook(
            guzhen_cadre, report.pk, workbook_with(report, {}, {"orgs_contacted": 8})
        )
    with pytest.raises(ValidationError, match="hidden codes were changed"):
        services.import_report_workbook(
            guzhen_cadre, report.pk, workbook_with(report, {}, {"report": report.pk + 1})
        )
    assert stored(report)["orgs_contacted"] == 12


def test_a_file_of_another_report_is_refused(report, monthly_form, guzhen, guzhen_cadre):
    other = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="another report"):
        services.import_report_workbook(guzhen_cadre, other.pk, workbook_with(report, {"orgs_contacted": 30}))
    assert not ReportValue.objects.filter(report=other).exists()


def test_a_foreign_workbook_or_a_non_excel_file_is_refused(report, guzhen_cadre):
    foreign = Workbook()
    foreign.active["A1"] = "随便一个表"
    out = io.BytesIO()
    foreign.save(out)
    out.seek(0)
    with pytest.raises(ValidationError, match="not a report file"):
        services.import_report_workbook(guzhen_cadre, report.pk, out)
    with pytest.raises(ValidationError, match="not a valid Excel workbook"):
        services.import_report_workbook(guzhen_cadre, report.pk, io.BytesIO(b"%PDF-1.4 not a workbook"))


def test_a_stale_workbook_is_refused_after_someone_saved(report, guzhen_cadre, zhongshan_cadre):
    stale = workbook_with(report, {"orgs_contacted": 40})
    save(zhongshan_cadre, report, {**GOOD, "narrative": "市里补充"})
    with pytest.raises(StaleVersion):
        services.import_report_workbook(guzhen_cadre, report.pk, stale)
    assert stored(report)["narrative"] == "市里补充"


def test_upload_after_approval_is_refused(report, guzhen_cadre, zhongshan_cadre):
    submit(guzhen_cadre, report)
    services.approve_report(zhongshan_cadre, report.pk)
    report = Report.objects.get(pk=report.pk)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.import_report_workbook(guzhen_cadre, report.pk, workbook_with(report, {"orgs_contacted": 1}))
