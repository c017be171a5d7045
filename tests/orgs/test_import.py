"""Bulk import: template, dry run with every error, all-or-nothing apply, idempotence."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from hubportal.models import Job
from orgs.importing import COLUMNS, ImportRejected, apply_file, check_file
from orgs.models import Organization
from tests.orgs.factories import credit_code, make_org
from tests.orgs.flow_support import EXE_BYTES, isolate

HEADER = [c.header for c in COLUMNS]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)
    settings.CELERY_TASK_ALWAYS_EAGER = True


def row(name, unit_path="广东省/中山市/古镇镇", **values):
    data = {
        "组织名称": name,
        "所属团组织": unit_path,
        "层级": "N",
        "组织类型": "青年社会组织",
        "类别": "公益类",
        "登记状态": "自组织",
        "成立日期": "2019-05-04",
        "覆盖青年人数": "120",
        "联系人": "王小明",
        "联系电话": "13800138000",
    }
    data.update(values)
    return [data.get(h, "") for h in HEADER]


def xlsx(*rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="组织.xlsx"):
    return client.post(reverse("orgs_flow:import"), {"file": SimpleUploadedFile(name, content)})


def event_count() -> int:
    return apps.get_model("orgs", "OrganizationEvent").objects.count()


def errors_of(response):
    return [(e.row, e.column, e.message) for e in response.context["report"].errors]


GOOD = [
    row("古镇灯饰青年商会", 类别="就业创业类", 登记状态="社会团体", 统一社会信用代码=credit_code(901)),
    row("古镇青年义工队", 服务领域="社区服务、养老助老"),
    row("中山市青年读书会", unit_path="广东省/中山市"),
]


def test_dry_run_reports_every_bad_row_and_writes_nothing(client_for, zhongshan_cadre, foshan):
    make_org(foshan, "佛山青年商会", registration_status="social_group", credit_code=credit_code(902))
    wrong_check = credit_code(903)[:17] + ("0" if credit_code(903)[17] != "0" else "1")
    content = xlsx(
        row("未知单位青年会", unit_path="广东省/中山市/不存在镇"),
        row("佛山的青年会", unit_path="广东省/佛山市"),
        row("校验位错误青年会", 登记状态="社会团体", 统一社会信用代码=wrong_check),
        row("重复一", 统一社会信用代码=credit_code(904), 登记状态="社会团体"),
        row("重复二", 统一社会信用代码=credit_code(904), 登记状态="社会团体"),
        row("佛山代码青年会", 统一社会信用代码=credit_code(902), 登记状态="社会团体"),
        row("日期错误青年会", 成立日期="2019-13-45"),
        row("类别错误青年会", 类别="娱乐类"),
        row("多列青年会") + ["多出来的值"],
        row("", 类别=""),
    )
    response = upload(client_for(zhongshan_cadre), content)
    found = errors_of(response)
    by_row: dict[int, list[tuple[str, str]]] = {}
    for number, column, message in found:
        by_row.setdefault(number, []).append((column, message))
    assert by_row[2][0][0] == "所属团组织" and "不存在镇" in by_row[2][0][1]
    assert by_row[3][0][0] == "所属团组织" and "佛山市" in by_row[3][0][1]
    assert by_row[4][0][0] == "统一社会信用代码" and credit_code(903)[17] in by_row[4][0][1]
    assert by_row[6][0][0] == "统一社会信用代码" and "第 5 行" in by_row[6][0][1]
    assert by_row[7][0][0] == "统一社会信用代码" and "佛山青年商会" in by_row[7][0][1]
    assert by_row[8][0][0] == "成立日期" and "2019-13-45" in by_row[8][0][1]
    assert by_row[9][0][0] == "类别" and "娱乐类" in by_row[9][0][1]
    assert "列" in by_row[10][0][1]
    assert {c for c, _m in by_row[11]} >= {"组织名称", "类别"}
    assert 5 not in by_row  # the first of two duplicates is fine
    assert not Organization.objects.exclude(name="佛山青年商会").exists()
    html = response.content.decode()
    assert "不存在镇" in html and "第 5 行" in html and 'id="apply-button"' not in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("组织.xlsx", EXE_BYTES, "不是 Excel"),
        ("组织.exe", EXE_BYTES, ".exe"),
        ("组织.xlsx", b"", "空"),
        ("组织.csv", b"\xef\xbb\xbf", "空"),
        ("组织.csv", "组织名称,所属团组织\n".encode(), "缺少"),
        ("组织.csv", "组织名称,所属团组织,层级,类别,登记状态,颜色\n".encode(), "颜色"),
    ],
)
def test_bad_files_are_refused_with_a_message(client_for, zhongshan_cadre, name, content, message):
    response = upload(client_for(zhongshan_cadre), content, name)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors, errors


def test_oversized_file_is_refused(client_for, zhongshan_cadre):
    big = b"PK\x03\x04" + b"0" * (50 * 1024 * 1024 + 1)
    response = upload(client_for(zhongshan_cadre), big)
    assert "50 MB" in " ".join(response.context["form"].errors["file"])


def test_a_file_over_200000_rows_is_refused_before_any_row_is_checked(zhongshan_cadre):
    from orgs.importing import ImportFileError

    lines = [",".join(HEADER)] + [f"古镇青年组织{i},广东省/中山市/古镇镇,N" for i in range(200_001)]
    with pytest.raises(ImportFileError) as refused:
        check_file("组织.csv", "\n".join(lines).encode(), zhongshan_cadre)
    assert "200000" in refused.value.message


def test_the_page_names_the_limits(client_for, zhongshan_cadre):
    page = client_for(zhongshan_cadre).get(reverse("orgs_flow:import")).content.decode()
    assert "50 MB" in page and "200,000" in page


def test_apply_imports_everything_as_a_background_job(
    client_for, zhongshan_cadre, guzhen, zhongshan, django_capture_on_commit_callbacks
):
    client = client_for(zhongshan_cadre)
    response = upload(client, xlsx(*GOOD))
    assert response.context["report"].summary() == {"create": 3, "update": 0, "unchanged": 0, "errors": 0}
    token = response.context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("orgs_flow:import_apply"), {"token": token})
    job = Job.objects.get(user=zhongshan_cadre, kind="orgs.import")
    assert applied["Location"] == reverse("orgs_flow:import_job", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result["counts"] == {"create": 3, "update": 0, "unchanged": 0}
    shop = Organization.objects.get(name="古镇灯饰青年商会")
    assert shop.governing_unit == guzhen and shop.status == "listed" and shop.category == "employment"
    assert shop.registration_status == "social_group" and shop.credit_code == credit_code(901)
    assert Organization.objects.get(name="古镇青年义工队").service_fields == ["community", "elderly"]
    assert Organization.objects.get(name="中山市青年读书会").governing_unit == zhongshan
    page = client.get(applied["Location"]).content.decode()
    assert "100%" in page


def test_reimporting_the_same_file_changes_nothing(zhongshan_cadre, guzhen):
    content = xlsx(*GOOD)
    assert apply_file("组织.xlsx", content, zhongshan_cadre) == {"create": 3, "update": 0, "unchanged": 0}
    before = event_count()
    assert apply_file("组织.xlsx", content, zhongshan_cadre) == {"create": 0, "update": 0, "unchanged": 3}
    assert event_count() == before
    changed = xlsx(
        GOOD[0], row("古镇青年义工队", 服务领域="社区服务、养老助老", 覆盖青年人数="1500"), GOOD[2]
    )
    assert apply_file("组织.xlsx", changed, zhongshan_cadre) == {"create": 0, "update": 1, "unchanged": 2}
    assert Organization.objects.get(name="古镇青年义工队").youth_covered == 1500
    assert event_count() == before + 1
    assert Organization.objects.count() == 3


def test_match_by_credit_code_renames(zhongshan_cadre, guzhen):
    org = make_org(guzhen, "古镇旧名青年会", registration_status="social_group", credit_code=credit_code(905))
    content = xlsx(row("古镇新名青年会", 登记状态="社会团体", 统一社会信用代码=credit_code(905)))
    report = check_file("组织.xlsx", content, zhongshan_cadre)
    assert [(p.action, p.target and p.target.pk) for p in report.plans] == [("update", org.pk)]
    apply_file("组织.xlsx", content, zhongshan_cadre)
    org.refresh_from_db()
    assert org.name == "古镇新名青年会"


def test_one_bad_row_applies_nothing(client_for, zhongshan_cadre, django_capture_on_commit_callbacks):
    client = client_for(zhongshan_cadre)
    response = upload(client, xlsx(*GOOD))
    token = response.context["token"]
    # The file changes between the dry run and the apply: a unit disappears from the tree.
    from orgs.models import LeagueUnit

    LeagueUnit.objects.filter(name="古镇镇").update(name="古镇镇（已撤并）")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orgs_flow:import_apply"), {"token": token})
    job = Job.objects.get(kind="orgs.import")
    assert job.status == Job.Status.FAILED and "古镇" in job.message
    assert not Organization.objects.exists()


def test_a_file_with_one_bad_row_applies_nothing(zhongshan_cadre, guzhen):
    bad = xlsx(*GOOD, row("古镇日期错误青年会", 成立日期="2019-02-30"))
    with pytest.raises(ImportRejected) as refused:
        apply_file("组织.xlsx", bad, zhongshan_cadre)
    assert "第 5 行" in str(refused.value) and "2019-02-30" in str(refused.value)
    assert not Organization.objects.exists()


def test_apply_rolls_back_when_a_write_fails(zhongshan_cadre, guzhen, monkeypatch):
    """The new rows are written first; a failure while writing the updates leaves none of them."""
    from orgs import services

    make_org(guzhen, "古镇青年义工队")

    def failing(*args, **kwargs):
        raise services.ValidationError("数据库约束冲突")

    monkeypatch.setattr(services, "_write_updates", failing)
    with pytest.raises(services.ValidationError):
        apply_file("组织.xlsx", xlsx(*GOOD), zhongshan_cadre)
    assert list(Organization.objects.values_list("name", flat=True)) == ["古镇青年义工队"]


def test_town_cadre_cannot_import_into_its_city(guzhen_cadre, guzhen):
    report = check_file("组织.xlsx", xlsx(*GOOD), guzhen_cadre)
    assert [(e.row, e.column) for e in report.errors] == [(4, "所属团组织")]


def test_csv_with_bom_or_gb18030_reads_the_same(zhongshan_cadre, guzhen):
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    for r in GOOD:
        writer.writerow(r)
    utf8 = check_file("组织.csv", ("\ufeff" + text.getvalue()).encode("utf-8"), zhongshan_cadre)
    gbk = check_file("组织.csv", text.getvalue().encode("gb18030"), zhongshan_cadre)
    assert (
        utf8.ok
        and gbk.ok
        and utf8.summary() == gbk.summary() == {"create": 3, "update": 0, "unchanged": 0, "errors": 0}
    )


def test_dry_run_query_count_does_not_grow_with_rows(zhongshan_cadre, guzhen, django_assert_max_num_queries):
    few = xlsx(*GOOD)
    many = xlsx(*[row(f"古镇青年组织{i:04d}") for i in range(300)])
    # memberships, units, organizations by credit code, organizations by name and unit
    with django_assert_max_num_queries(4):
        check_file("组织.xlsx", few, zhongshan_cadre)
    with django_assert_max_num_queries(4):
        report = check_file("组织.xlsx", many, zhongshan_cadre)
    assert report.count("create") == 300


def test_template_has_chinese_headers_drop_downs_and_instructions(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    response = client.get(reverse("orgs_flow:import_template_xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["组织"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "组织名称*" and "所属团组织*" in header and "统一社会信用代码" in header
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert len(formulas) >= 5
    assert "填写说明" in workbook.sheetnames
    options = workbook["选项"]
    values = {c.value for col in options.iter_cols() for c in col}
    assert "广东省/中山市/古镇镇" in values and "广东省/佛山市" not in values
    csv_template = client.get(reverse("orgs_flow:import_template_csv")).content.decode("utf-8")
    assert csv_template.startswith("\ufeff组织名称*,所属团组织*")
    # The untouched template's example row is refused (see test_import_dry_run.py).
    report = check_file("template.xlsx", response.content, zhongshan_cadre)
    assert [(e.row, e.column) for e in report.errors] == [(2, "组织名称")] and not report.plans


def test_public_and_representatives_cannot_import(client, client_for, representative, db):
    assert client.get(reverse("orgs_flow:import"))["Location"].startswith("/accounts/login/")
    assert client_for(representative).get(reverse("orgs_flow:import")).status_code == 403


def test_the_import_job_is_started_by_a_service(
    zhongshan_cadre, representative, django_capture_on_commit_callbacks
):
    """The page hands the checked file to `start_import`: the job row is written in the
    service's transaction and the task is queued only when it commits."""
    from django.core.exceptions import PermissionDenied

    from orgs import services

    with pytest.raises(PermissionDenied):
        services.start_import(representative, "private/imports/x.xlsx", "组织.xlsx")
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.start_import(zhongshan_cadre, "private/imports/x.xlsx", "组织.xlsx")
    assert (job.kind, job.user, job.result) == (
        "orgs.import",
        zhongshan_cadre,
        {"file": "private/imports/x.xlsx", "name": "组织.xlsx"},
    )
    assert len(callbacks) == 1 and Job.objects.count() == 1
