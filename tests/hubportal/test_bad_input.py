"""Bad input of every kind gets a clear answer, never a 500, and changes nothing."""

from __future__ import annotations

import json

import pytest
from django import forms as django_forms

from hubportal import forms
from orgs.models import Organization
from tests.orgs.factories import make_org


class NameForm(forms.Form):
    name = django_forms.CharField()


@pytest.mark.parametrize("text", ["名称\x01", "a\x1fb", "\x7f", "tab\tis\x0bnot"])
def test_a_form_refuses_control_characters_on_their_field(text):
    form = NameForm({"name": text})
    assert not form.is_valid() and "name" in form.errors


@pytest.mark.parametrize(
    "text", ["两行\n文本", "tab\tseparated", "emoji 🎉 and ‮rtl", "零宽\u200bspace", "x" * 5000]
)
def test_ordinary_text_passes(text):
    assert NameForm({"name": text}).is_valid()


def test_the_api_refuses_a_body_nested_too_deep(client_for, province_admin):
    body = "[" * 100_000 + "]" * 100_000
    answer = client_for(province_admin).post("/api/accounts/token/", body, content_type="application/json")
    assert answer.status_code == 400 and "32" in answer.json()["detail"]


def test_the_api_refuses_control_characters_naming_the_field(client_for, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "中山市青年读书会")
    answer = client_for(zhongshan_cadre).patch(
        f"/api/orgs/organizations/{org.pk}/",
        json.dumps({"name": "读书会\u0001", "version": org.version}),
        content_type="application/json",
    )
    assert answer.status_code == 400 and "name" in answer.json()
    assert Organization.objects.get(pk=org.pk).name == "中山市青年读书会"


def test_the_api_refuses_malformed_json_and_a_huge_body(client, db):
    assert client.post("/api/accounts/token/", "{nope", content_type="application/json").status_code == 400
    huge = json.dumps({"username": "x" * (3 * 1024 * 1024)})
    assert client.post("/api/accounts/token/", huge, content_type="application/json").status_code == 400


# Uploaded workbooks: malformed, entity bombs, external entities, oversized cells ----------


def _workbook(**parts: bytes) -> bytes:
    """A real workbook (a header and one row) with some of its XML parts replaced."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["名称", "备注"])
    book.active.append(["中山市青年读书会", "好"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, parts.get(item.filename, source.read(item.filename)))
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i + 1} "{("&lol" + str(i) + ";") * 10 if i else "&lol;" * 10}">' for i in range(9)
    )
    + f']><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
).encode()
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    "</sheetData></worksheet>"
).encode()
HUGE_CELL = "长" * (2 * 1024 * 1024)
BIG = (
    f'<?xml version="1.0"?><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c>'
    f'</row><row r="2"><c r="A2" t="inlineStr"><is><t>{HUGE_CELL}</t></is></c></row></sheetData></worksheet>'
).encode()
BAD_WORKBOOKS = {
    "malformed": b"PK\x03\x04" + b"\x00garbage" * 100,
    "billion laughs": _workbook(**{SHEET: LAUGHS}),
    "xxe": _workbook(**{SHEET: XXE}),
}


@pytest.mark.parametrize("kind", sorted(BAD_WORKBOOKS))
def test_check_workbook_refuses_malformed_bombs_and_external_entities(kind):
    from hubportal.workbooks import WorkbookError, check_workbook

    with pytest.raises(WorkbookError, match="不是有效的 Excel 工作簿"):
        check_workbook(BAD_WORKBOOKS[kind])


def test_check_workbook_refuses_a_2_mb_cell_before_parsing_it():
    import tracemalloc

    from hubportal.workbooks import WorkbookError, check_workbook

    content = _workbook(**{SHEET: BIG})
    assert len(content) < 100_000  # 6 MB of text packs small: the shape of the 150 MB attack
    tracemalloc.start()
    with pytest.raises(WorkbookError, match="32,767"):
        check_workbook(content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak  # a chunk or two, not the whole text parsed


def test_an_ordinary_workbook_passes_the_checks():
    from hubportal.workbooks import check_workbook

    assert check_workbook(_workbook()).startswith(b"PK")


@pytest.mark.parametrize("kind", [*sorted(BAD_WORKBOOKS), "huge cell"])
@pytest.mark.parametrize("flow", ["orgs_flow:import", "cards:import"])
def test_every_import_upload_answers_a_bad_workbook_with_a_message(
    kind, flow, zhongshan_cadre, client_for, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = str(tmp_path)
    content = _workbook(**{SHEET: BIG}) if kind == "huge cell" else BAD_WORKBOOKS[kind]
    answer = client_for(zhongshan_cadre).post(
        reverse(flow),
        {"file": SimpleUploadedFile("list.xlsx", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = answer.content.decode()
    assert answer.status_code == 200, text[:300]
    assert ("32,767" if kind == "huge cell" else "not a valid Excel workbook") in text
    assert (
        "长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长"
        not in text
    )
    assert len(answer.content) < 200_000  # the cell is never echoed


@pytest.mark.parametrize("kind", [*sorted(BAD_WORKBOOKS), "huge cell"])
def test_the_report_upload_refuses_a_bad_workbook(kind):
    import io

    from django.core.exceptions import ValidationError

    from reporting.services import _read_workbook

    content = _workbook(**{SHEET: BIG}) if kind == "huge cell" else BAD_WORKBOOKS[kind]
    with pytest.raises(ValidationError) as refused:
        _read_workbook(io.BytesIO(content))
    assert len(" ".join(refused.value.messages)) < 300


def test_an_import_row_error_echoes_only_an_excerpt():
    from hubportal.imports import RowError

    error = RowError(row=2, column="名称", value="字" * 5000, message="too long")
    assert error.value == "字" * 50 + "…"


# The 500s of the adversarial test, each a 4xx with a message now ------------------------


@pytest.mark.parametrize("resource", ["reports", "approvals", "spot-checks"])
def test_posting_to_a_read_only_reporting_list_is_405(resource, client_for, province_admin):
    answer = client_for(province_admin).post(
        f"/api/reporting/{resource}/", {}, content_type="application/json"
    )
    assert answer.status_code == 405


def test_options_on_a_record_action_is_not_an_error(client_for, province_admin):
    client = client_for(province_admin)
    for url in ("/api/reporting/approvals/1/approve/", "/api/reporting/approvals/999999/return/"):
        assert client.options(url).status_code in (200, 404), url


def test_deleting_an_organization_held_by_a_residency_says_what_holds_it(
    zhongshan, zhongshan_cadre, client_for
):
    from django.urls import reverse

    from incubation.models import Residency
    from tests.incubation.conftest import make_base

    org = make_org(zhongshan, "中山市青年读书会", status=Organization.Status.SUSPENDED)
    base = make_base(zhongshan, "中山市亲青家园")
    Residency.objects.create(base=base, organization=org)
    client = client_for(zhongshan_cadre)
    api = client.delete(f"/api/orgs/organizations/{org.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 400 and "residenc" in json.dumps(api.json())
    page = client.post(reverse("orgs:organization_delete", args=[org.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code in (200, 302, 400) and Organization.objects.filter(pk=org.pk).exists()
    shown = client.get(reverse("orgs:organization_detail", args=[org.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "residenc" in (page.content + shown.content).decode()
    assert base.name not in api.content.decode()


def test_a_300_character_username_on_the_token_endpoint_is_a_400(client, db):
    answer = client.post(
        "/api/accounts/token/",
        json.dumps({"username": "u" * 300, "password": "whatever-2026"}),
        content_type="application/json",
    )
    assert answer.status_code in (400, 401) and "u" * 300 not in answer.content.decode()


def test_an_anonymous_deep_body_is_refused_before_parsing(client, db):
    body = '{"username": ' * 100_000 + "1" + "}" * 100_000
    answer = client.post("/api/accounts/token/", body, content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/directory/?q=%00",
        "/directory/?city=%00",
        "/orgs/organizations/?q=%00",
        "/orgs/organizations/?ordering=%00",
        "/api/orgs/organizations/?q=%00",
        "/api/orgs/organizations/?search=a%00b",
    ],
)
def test_a_nul_in_a_query_string_is_a_400_with_a_message(url, client, client_for, province_admin):
    asker = client if url.startswith("/directory/") else client_for(province_admin)
    answer = asker.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "control characters" in answer.content.decode()


@pytest.mark.parametrize(
    "text", ["名称\x01", "x" * 5000, "零宽\u200b空格", "\u202e右到左", "表情🎉", "tab\tok"]
)
def test_every_text_kind_in_an_api_body_is_saved_or_refused_never_500(
    text, zhongshan, zhongshan_cadre, client_for
):
    org = make_org(zhongshan, "中山市青年读书会")
    answer = client_for(zhongshan_cadre).patch(
        f"/api/orgs/organizations/{org.pk}/",
        json.dumps({"description": text, "contact_person": text[:30], "version": org.version}),
        content_type="application/json",
    )
    assert answer.status_code in (200, 400), answer.content[:200]
    saved = Organization.objects.get(pk=org.pk)
    if answer.status_code == 400:
        assert saved.description == org.description  # nothing half-applied
    else:
        assert saved.description == text


def test_an_unknown_huge_header_is_echoed_as_an_excerpt(zhongshan_cadre, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = str(tmp_path)
    content = ("名称," + "头" * 20_000 + "\n读书会,1\n").encode()
    answer = client_for(zhongshan_cadre).post(
        reverse("orgs_flow:import"),
        {"file": SimpleUploadedFile("list.csv", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and "头" * 50 + "…" in text and "头" * 51 not in text
