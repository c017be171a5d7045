"""Cadre pages: jurisdiction, bad input and query counts."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from reporting import services
from reporting.models import Report, ReportValue, TargetSnapshot
from reporting.tracking import track_targets

from .conftest import GOOD, at, file_report


def bulk_reports(form, units, months):
    """Reports filed for `months` months by each unit, approved (bulk, for list sizes)."""
    rows = []
    for unit in units:
        for month in range(1, months + 1):
            start = date(2025, month, 1)
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            when = timezone.make_aware(datetime(2025, month, 28))
            rows.append(
                Report(
                    form=form,
                    unit=unit,
                    period_start=start,
                    period_end=end,
                    deadline=form.deadline_for(end),
                    status="approved",
                    first_submitted_at=when,
                    submitted_at=when,
                    approved_at=when,
                )
            )
    return Report.objects.bulk_create(rows)


@pytest.fixture
def zhongshan_towns(units, zhongshan):
    return [u for u in units.values() if u.parent_id == zhongshan.pk and u.level == "town"]


@pytest.mark.parametrize("per_page", [20, 200])
def test_report_list_query_count_is_fixed(
    client_for, zhongshan_cadre, monthly_form, zhongshan_towns, per_page, django_assert_max_num_queries
):
    bulk_reports(monthly_form, zhongshan_towns, 12)
    client = client_for(zhongshan_cadre)
    # session, user, memberships (jurisdiction), COUNT, the page of reports with unit and form
    # joined, the filter form's choices (forms, units), navigation: never one per row.
    with django_assert_max_num_queries(10):
        response = client.get(f"/reporting/reports/?per_page={per_page}")
    assert response.status_code == 200
    assert response.content.decode().count("/reporting/reports/") >= min(per_page, 288)


def test_foshan_cadre_sees_no_zhongshan_report(
    client_for, foshan_cadre, zhongshan_cadre, monthly_form, zhongshan_towns
):
    report = bulk_reports(monthly_form, zhongshan_towns[:1], 1)[0]
    client = client_for(foshan_cadre)
    assert client.get(f"/reporting/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reporting/reports/{report.pk}/xlsx/").status_code == 404
    assert zhongshan_towns[0].name not in client.get("/reporting/reports/").content.decode()
    response = client.post(f"/reporting/reports/{report.pk}/approve/")
    assert Report.objects.get(pk=report.pk).approved_by is None
    assert response.status_code == 404
    for url in ("edit/", "submit/", "return/", "unlock/", "upload/"):
        assert client.post(f"/reporting/reports/{report.pk}/{url}", {"version": 1}).status_code == 404, url


def test_a_viewer_reads_a_report_but_may_not_act_on_it(
    client_for, zhongshan_viewer, monthly_form, zhongshan_towns
):
    report = bulk_reports(monthly_form, zhongshan_towns[:1], 1)[0]
    client = client_for(zhongshan_viewer)
    assert client.get(f"/reporting/reports/{report.pk}/").status_code == 200
    assert client.get(f"/reporting/reports/{report.pk}/edit/").status_code == 403
    for url in ("submit/", "unlock/", "upload/", "approve/"):
        assert client.post(f"/reporting/reports/{report.pk}/{url}", {"version": 1}).status_code == 403, url
    assert Report.objects.get(pk=report.pk).status == "approved"


def test_fill_in_page_shows_errors_next_to_fields_and_saves_nothing(
    clock, client_for, guzhen_cadre, monthly_form, guzhen
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    client = client_for(guzhen_cadre)
    response = client.post(
        f"/reporting/reports/{report.pk}/edit/",
        {**GOOD, "orgs_contacted": "十二", "version": report.version, "save": "1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不是整数" in page or "is not a whole number" in page
    assert 'value="十二"' in page  # what the cadre typed is kept
    assert not ReportValue.objects.filter(report=report).exists()
    response = client.post(
        f"/reporting/reports/{report.pk}/edit/", {**GOOD, "version": report.version, "submit": "1"}
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == "submitted"


def test_stale_page_gets_the_conflict_message(
    clock, client_for, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    services.save_report(zhongshan_cadre, report.pk, GOOD, version=1)
    response = client_for(guzhen_cadre).post(
        f"/reporting/reports/{report.pk}/edit/", {**GOOD, "orgs_contacted": "1", "version": 1, "save": "1"}
    )
    page = response.content.decode()
    # Who saved and when, above the form; what the cadre typed is still in it.
    assert response.status_code == 400 and "陈中山" in page.split('id="report-form"')[1]
    assert 'name="orgs_contacted" value="1"' in page
    assert ReportValue.objects.get(report=report, metric__code="orgs_contacted").int_value == 12


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_page_without_a_usable_version_is_refused_with_a_message_not_a_500(
    clock, client_for, guzhen_cadre, monthly_form, guzhen, version
):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    data = {**GOOD, "save": "1"} if version is None else {**GOOD, "version": version, "save": "1"}
    client = client_for(guzhen_cadre)
    response = client.post(f"/reporting/reports/{report.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The page you saved is incomplete or too old" in response.content.decode()
    submitted = client.post(
        f"/reporting/reports/{report.pk}/submit/", {} if version is None else {"version": version}
    )
    assert submitted.status_code == 400
    assert not ReportValue.objects.filter(report=report).exists()
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_guzhen_cadre_cannot_approve_its_own_report_on_the_page(
    clock, client_for, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen
):
    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    client = client_for(guzhen_cadre)
    approve_url = f"/reporting/reports/{report.pk}/approve/"
    assert approve_url not in client.get(f"/reporting/reports/{report.pk}/").content.decode()
    assert approve_url in client_for(zhongshan_cadre).get(f"/reporting/reports/{report.pk}/").content.decode()
    assert client.post(approve_url).status_code == 403
    assert client.post(f"/reporting/reports/{report.pk}/return/", {"code": "wrong"}).status_code == 403
    assert Report.objects.get(pk=report.pk).status == "submitted"
    client_for(zhongshan_cadre).post(f"/reporting/reports/{report.pk}/approve/")
    assert Report.objects.get(pk=report.pk).status == "approved"


def test_excel_upload_on_the_page(clock, client_for, guzhen_cadre, monthly_form, guzhen):
    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    client = client_for(guzhen_cadre)
    download = client.get(f"/reporting/reports/{report.pk}/xlsx/")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    upload = io.BytesIO(download.content)
    upload.name = "report.xlsx"
    response = client.post(f"/reporting/reports/{report.pk}/upload/", {"file": upload}, follow=True)
    assert response.status_code == 200
    bad = io.BytesIO(b"not excel")
    bad.name = "report.xlsx"
    response = client.post(
        f"/reporting/reports/{report.pk}/upload/", {"file": bad}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "not a valid Excel workbook" in response.content.decode()


def test_an_uploaded_bad_figure_names_its_row_and_metric(
    clock, client_for, guzhen_cadre, monthly_form, guzhen
):
    from openpyxl import load_workbook

    report = services.open_report(guzhen_cadre, monthly_form.pk, guzhen.pk, date(2026, 2, 1))
    client = client_for(guzhen_cadre)
    book = load_workbook(io.BytesIO(client.get(f"/reporting/reports/{report.pk}/xlsx/").content))
    book.worksheets[0]["B4"] = "很多"
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "report.xlsx"
    response = client.post(
        f"/reporting/reports/{report.pk}/upload/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Row 4 (联系青年社会组织数): “很多” is not a whole number." in response.content.decode()
    assert not ReportValue.objects.filter(report=report).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/reporting/forms/",
        "/reporting/programmes/",
        "/reporting/spot-checks/",
        "/reporting/reports/approvals/",
    ],
)
def test_other_lists_have_a_fixed_query_count(
    client_for, zhongshan_cadre, monthly_form, url, django_assert_max_num_queries
):
    client = client_for(zhongshan_cadre)
    # session, user, memberships, COUNT, the page, filter choices, navigation.
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


@pytest.fixture
def tracked(clock, monthly_form):
    from reporting import demo

    clock.move_to(at(2026, 5, 15))
    demo.seed_programmes(
        {u.code: u for u in __import__("orgs").models.LeagueUnit.objects.exclude(code=None)}, 2026
    )
    track_targets("2026Q2")


def test_dashboard_query_count_and_jurisdiction(
    tracked, client_for, zhongshan_cadre, foshan_cadre, province, guzhen, django_assert_max_num_queries
):
    client = client_for(zhongshan_cadre)
    # The budget of issue 10 (≤ 10): session, user, memberships, the statuses per quarter,
    # the statuses per child unit, the page of snapshots (its length known from the totals),
    # the programmes, the quarter's closure — and the navigation reads nothing more.
    with django_assert_max_num_queries(10):
        response = client.get("/reporting/targets/?period=2026Q2")
    page = response.content.decode()
    assert response.status_code == 200 and "中山市" in page and "南海区" not in page
    assert "No data source yet" in page or "暂无数据来源" in page
    # The registry-vs-report column is read from the snapshots (no query of its own).
    assert 'id="definitions"' in page
    with django_assert_max_num_queries(10):
        town_page = client.get(f"/reporting/targets/?period=2026Q2&unit={guzhen.pk}").content.decode()
    assert "古镇镇" in town_page
    assert client.get(f"/reporting/targets/?unit={province.pk}").status_code == 404
    foshan_snapshot = TargetSnapshot.objects.filter(unit__code="440600").first()
    assert foshan_snapshot is not None
    assert client.get(f"/reporting/snapshots/{foshan_snapshot.pk}/").status_code == 404
    assert "古镇镇" not in client_for(foshan_cadre).get("/reporting/targets/?period=2026Q2").content.decode()


def test_inspection_exports_are_real_files_within_jurisdiction(tracked, client_for, zhongshan_cadre):
    from openpyxl import load_workbook

    client = client_for(zhongshan_cadre)
    xlsx = client.get("/reporting/targets/inspection/?period=2026Q2")
    book = load_workbook(io.BytesIO(xlsx.content))
    units = {row[0] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert "古镇镇" in units and "南海区" not in units and "佛山市" not in units
    ranking = [row for row in book.worksheets[1].iter_rows(values_only=True)]
    # The formula first, then 中山's towns ranked among themselves.
    assert "no data" in str(ranking[0][0]).lower() or "无数据" in str(ranking[0][0])
    assert any(row[1] == "古镇镇" for row in ranking if row and len(row) > 1)
    pdf = client.get("/reporting/targets/inspection/?period=2026Q2&format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_run_now_starts_a_job_and_shows_progress(tracked, client_for, province_admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = client_for(province_admin)
    with pytest.MonkeyPatch.context() as patch:
        # on_commit callbacks run at once inside the test transaction.
        patch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
        response = client.post("/reporting/targets/run/", {"period": "2026Q2"})
    assert response.status_code == 302 and "job=" in response["Location"]
    assert "period=2026Q2" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "progress-bar" in page
    from hubportal.models import Job

    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED and job.user == province_admin
    assert job.kind == "reporting.track_targets" and job.result["snapshots"] > 0


def test_a_viewer_cannot_start_a_tracking_run(tracked, client_for, zhongshan_viewer):
    from hubportal.models import Job

    assert (
        client_for(zhongshan_viewer).post("/reporting/targets/run/", {"period": "2026Q2"}).status_code == 403
    )
    assert not Job.objects.exists()


def test_dashboard_matrix_of_children_against_a_programmes_targets(
    tracked, client_for, province_admin, django_assert_max_num_queries
):
    from reporting.models import Programme

    programme = Programme.objects.get(name__startswith="亲青汇计划")
    client = client_for(province_admin)
    with django_assert_max_num_queries(26):
        page = client.get(f"/reporting/targets/?period=2026Q2&programme={programme.pk}").content.decode()
    matrix = page.split('id="target-matrix"')[1].split("</table>")[0]
    assert "中山市" in matrix and "佛山市" in matrix and "古镇镇" not in matrix
    assert "珠三角地市：直接联系青年社会组织≥30家" in matrix


@pytest.mark.parametrize("period", ["0000Q1", "9999Q4", "1899Q2"])
def test_a_quarter_out_of_range_is_refused_not_a_500(period, client_for, province_admin, monthly_form):
    from django.core.exceptions import ValidationError

    from hubportal.models import Job
    from reporting.tracking import Quarter

    with pytest.raises(ValidationError):
        Quarter.parse(period)
    client = client_for(province_admin)
    # The dashboard falls back to the current quarter; a run now is refused with the message.
    assert client.get("/reporting/targets/", {"period": period}).status_code == 200
    response = client.post(
        "/reporting/targets/run/", {"period": period}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert f"“{period}” is not a quarter such as 2026Q3" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("page", ["completeness", "briefing"])
def test_a_day_far_out_of_range_is_a_form_error_not_a_500(page, client_for, zhongshan_cadre, monthly_form):
    response = client_for(zhongshan_cadre).get(
        f"/reporting/{page}/", {"form": monthly_form.pk, "day": "9999-12-31"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()


def test_submitted_versions_show_metric_labels_and_a_missing_author_as_a_dash(
    clock, client_for, guzhen_cadre, zhongshan_cadre, monthly_form, guzhen
):
    from reporting.models import ReportVersion

    report = file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    ReportVersion.objects.filter(report=report).update(created_by=None)  # e.g. seeded by a script
    body = client_for(zhongshan_cadre).get(f"/reporting/reports/{report.pk}/").content.decode()
    versions = body[body.index('id="versions"') :]
    assert '<dt class="col-5">本月新建团组织数</dt>' in versions
    assert '<dt class="col-5">branches_founded</dt>' not in versions
    assert "· None" not in versions


def test_programme_page_names_levels_and_kinds_in_words(client_for, zhongshan_cadre, province):
    from reporting.models import Programme, TargetRule

    programme = Programme.objects.create(
        owner=province,
        name="亲青汇计划",
        start_year=2026,
        end_year=2026,
        launch_on=date(2026, 1, 1),
        implementation_on=date(2026, 3, 1),
        inspection_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
    )
    TargetRule.objects.create(
        programme=programme,
        label="镇街：联系组织≥20",
        metric="orgs_contacted",
        threshold=20,
        deadline=date(2026, 12, 31),
        levels=["city", "town"],
        kinds=["regional"],
    )
    response = client_for(zhongshan_cadre).get(
        f"/reporting/programmes/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert "Prefecture city、Town / subdistrict" in body and "Regional committee" in body
    assert "city, town" not in body and "· regional" not in body


def test_a_drill_down_since_ever_sends_no_start_date(client_for, zhongshan_cadre, zhongshan):
    from reporting.metrics import report_drilldown

    url = report_drilldown("orgs_contacted", zhongshan, None, date(2026, 6, 30))
    assert "period_from" not in url and "None" not in url and "period_to=2026-06-30" in url
    assert client_for(zhongshan_cadre).get(url).status_code == 200


# The snapshot rows as the dashboard's template drew them before they were drawn in Python.
SNAPSHOT_ROW_TEMPLATE = (
    '{% load i18n %}{% for s, colour, metric in rows %}<tr class="table-{{ colour }}">\n'
    '<td><a href="?unit={{ s.unit_id }}&amp;period={{ quarter }}">{{ s.unit.name }}</a></td>'
    '<td class="small">{{ s.rule.label }}{% if metric.definition %} <i class="bi bi-info-circle text-muted" '
    'title="{{ metric.definition }}" aria-label="{{ metric.definition }}"></i>{% endif %}</td>\n'
    '<td class="text-end">{% if s.value is None %}<span class="text-muted small">{% translate "No data source yet" %}'
    "</span>{% else %}<a href=\"{% url 'reporting:snapshot_drilldown' s.pk %}\" "
    'title="{% translate \'The records behind this number\' %}">{{ s.value|floatformat:"-2" }}'
    "{% if metric.unit_label %}{{ metric.unit_label }}{% endif %}</a>{% if s.denominator is not None %}"
    '<div class="small text-muted">{{ s.numerator }} / {{ s.denominator }}</div>{% endif %}{% endif %}</td>\n'
    '<td class="text-end">{% if s.confirmed_value is not None and s.confirmed_value != s.value %}'
    '<span class="text-danger" title="{% translate \'Reported figures a spot check found false are left out\' %}">'
    '{{ s.confirmed_value|floatformat:"-2" }}</span>{% endif %}</td>\n'
    '<td class="text-end">{{ s.rule.get_comparator_display }} {{ s.threshold|floatformat:"-2" }}</td>'
    '<td><span class="badge text-bg-{{ colour }}">{{ s.get_status_display }}</span></td>\n'
    '<td class="text-end small">{% if s.compared_metric %}{% if s.compared_value is None %}'
    '<span class="text-muted">{% translate "not reported" %}</span>{% else %}{{ s.compared_value|floatformat:"-2" }}'
    '{% if s.compared_flag %} <span class="badge text-bg-warning" title="{% translate \'Registry and reports '
    'differ by more than the tolerance\' %}">{% translate "differs" %}</span>{% endif %}{% endif %}{% endif %}'
    "</td></tr>\n{% endfor %}"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_rows_read_as_the_template_drew_them(language, tracked, client_for, zhongshan_cadre):
    """`dashboards.snapshot_rows_html` (the page's 100 rows drawn in Python): the same HTML as
    the template, whatever a snapshot holds — no data source, a spot-checked value, a
    fraction, the other source missing or differing."""
    from decimal import Decimal

    from django.template import engines
    from django.utils import translation

    from reporting.dashboards import snapshot_rows_html

    client = client_for(zhongshan_cadre)
    client.cookies["django_language"] = language
    page = "/reporting/targets/?period=2026Q2"
    snapshots = [s for s, _c, _m in client.get(page).context["rows"] if s.value is not None][:4]
    assert len(snapshots) == 4
    changes: list[dict[str, object]] = [
        {"confirmed_value": Decimal("1.5"), "numerator": 3, "denominator": 7},
        {"compared_metric": "orgs_listed", "compared_value": None},
        {"compared_metric": "orgs_listed", "compared_value": Decimal("1234.567"), "compared_flag": True},
        {"value": None, "confirmed_value": None, "status": TargetSnapshot.Status.NO_DATA},
    ]
    for snapshot, change in zip(snapshots, changes, strict=True):
        TargetSnapshot.objects.filter(pk=snapshot.pk).update(**change)
    response = client.get(page)
    rows, quarter = response.context["rows"], response.context["quarter"]
    assert {s.pk for s in snapshots} <= {s.pk for s, _c, _m in rows}
    with translation.override(language):
        drawn = str(snapshot_rows_html(rows, quarter))
        expected = (
            engines["django"].from_string(SNAPSHOT_ROW_TEMPLATE).render({"rows": rows, "quarter": quarter})
        )
    assert drawn == expected
    assert drawn in response.content.decode()
    assert "1,234.57" in drawn or "1234.57" in drawn  # the other source, as floatformat writes it
