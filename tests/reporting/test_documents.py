"""The briefing (工作简报) as PDF and Word."""

import base64
import io
import re
import zlib
from datetime import date

import pytest
from docx import Document

from reporting import documents, services

from .conftest import GOOD


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan, zhongshan_cadre):
    towns = [u for u in units.values() if u.parent_id == zhongshan.pk and u.level == "town"][:3]
    for number, town in enumerate(towns, start=1):
        report = services.report_for(zhongshan_cadre, monthly_form, town, date(2026, 2, 1))
        services.save_report_values(
            report.pk,
            zhongshan_cadre,
            {**GOOD, "orgs_contacted": str(10 * number), "narrative": f"{town.name}的工作简述"},
            submit=True,
        )
    return towns


def pdf_text(content: bytes) -> str:
    """The text a PDF shows: its content streams (ASCII85 + Flate) unpacked, the strings of
    its text operators unescaped and read as the CID font's UCS-2 (UTF-16BE) codes."""
    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        stream = zlib.decompress(base64.a85decode(match.group(1).strip(), adobe=True))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", stream, re.S):
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
                literal,
            )
            if len(raw) % 2 == 0:
                text.append(raw.decode("utf-16-be", errors="replace"))
    return "".join(text)


def test_briefing_sums_the_subtree_and_collects_narratives(
    filed, monthly_form, zhongshan, django_assert_max_num_queries
):
    # the sums (GROUP BY metric), the narratives, the completeness query and the city's children.
    with django_assert_max_num_queries(4):
        briefing = documents.compile_briefing(zhongshan, monthly_form, date(2026, 2, 1))
    figures = {code: total for code, _label, total in briefing.figures}
    assert figures["orgs_contacted"] == 60 and figures["branches_founded"] == 9
    assert figures["coverage"] == 45.5  # percentages are averaged
    assert [n[0] for n in briefing.narratives] == sorted(
        [t.name for t in filed], key=[t.name for t in sorted(filed, key=lambda u: u.path)].index
    )


def test_briefing_pdf_is_a_real_pdf_naming_the_unit(filed, monthly_form, zhongshan):
    content = documents.briefing_pdf(documents.compile_briefing(zhongshan, monthly_form, date(2026, 2, 1)))
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert b"STSong-Light" in content
    text = pdf_text(content)
    assert "中山市" in text and "的工作简述" in text


def test_briefing_docx_opens_with_python_docx(filed, monthly_form, zhongshan):
    content = documents.briefing_docx(documents.compile_briefing(zhongshan, monthly_form, date(2026, 2, 1)))
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "中山市" in text and "古镇镇的工作简述" in text or "的工作简述" in text
    assert document.tables[0].rows[1].cells[1].text == "60"


def test_briefing_page_exports_within_jurisdiction(
    filed, client_for, zhongshan_cadre, foshan_cadre, zhongshan, monthly_form
):
    client = client_for(zhongshan_cadre)
    query = f"unit={zhongshan.pk}&form={monthly_form.pk}&day=2026-02-01"
    assert client.get(f"/reporting/briefing/?{query}&export=pdf").content.startswith(b"%PDF")
    assert client.get(f"/reporting/briefing/?{query}&export=docx")["Content-Type"].endswith("document")
    # 佛山 cannot choose 中山: the page falls back to 佛山's own briefing.
    page = client_for(foshan_cadre).get(f"/reporting/briefing/?{query}").content.decode()
    assert "中山市的工作简述" not in page and "的工作简述" not in page
