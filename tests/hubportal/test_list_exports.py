"""Every list a cadre reads exports to Excel within the reader's jurisdiction (issue 9, Excel
habits): reports, spot checks, enrolments, attendance, funds, residencies, bases, trainees and
the registry. Each case builds a 中山 record with its app's jurisdiction builder; the 中山 cadre's
file holds it, the 佛山 cadre's file holds no row at all, and both have the shared layout."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

# The modules, not their Test classes: a class imported here would be collected here too.
from tests.incubation import test_jurisdiction as incubation
from tests.orgs import test_jurisdiction as orgs
from tests.personas import Ctx
from tests.reporting import test_jurisdiction as reporting
from tests.training import test_jurisdiction as training

LISTS = [
    (reporting.TestReport, "reporting:report_list"),
    (reporting.TestSpotCheck, "reporting:spotcheck_list"),
    (training.TestEnrolment, "training:enrolment_list"),
    (training.TestAttendance, "training:attendance_list"),
    (training.TestTrainee, "training:trainee_list"),
    (incubation.TestIncubationFund, "incubation:fund_list"),
    (incubation.TestResidency, "incubation:residency_list"),
    (incubation.TestIncubationBase, "incubation:base_list"),
    (orgs.TestOrganization, "orgs:organization_list"),
]


def exported(client, url_name):
    response = client.get(reverse(url_name), {"export": "xlsx"})
    assert response.status_code == 200, response.content[:300]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2")
    assert all(cell.font.b for cell in sheet[2] if cell.value)
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=3) if any(c.value for c in row)]


@pytest.mark.parametrize(("case", "url_name"), LISTS, ids=[name for _c, name in LISTS])
def test_the_export_holds_the_cadres_rows_and_no_others(
    request, units, case, url_name, client_for, zhongshan_cadre, foshan_cadre
):
    case().build(Ctx(request))
    assert len(exported(client_for(zhongshan_cadre), url_name)) >= 1
    assert exported(client_for(foshan_cadre), url_name) == []
