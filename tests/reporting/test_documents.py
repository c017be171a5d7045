"""The briefing (工作简报) as PDF and Word."""

import io
import subprocess
from datetime import date

import pytest
from docx import Document

from reporting import documents

from .conftest import GOOD, file_report


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan, zhongshan_cadre):
    towns = [u for u in units.values() if u.parent_id == zhongshan.pk and u.level == "town"][:3]
    for number, town in enumerate(towns, start=1):
        file_report(
            zhongshan_cadre,
            monthly_form,
            town,
            date(2026, 2, 1),
            {**GOOD, "orgs_contacted": str(10 * number), "narrative": f"{town.name}的工作简述"},
            submit=True,
        )
    return towns


def poppler(tool: str, content: bytes, tmp_path) -> str:
    """The output of a poppler-utils tool (installed by `make setup`) run on a PDF."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def embedded_fonts(content: bytes, tmp_path) -> dict[str, str]:
    """Font name → the `emb` column of `pdffonts` (yes/no) for every font the PDF uses."""
    lines = poppler("pdffonts", content, tmp_path).splitlines()[2:]  # two header lines
    fonts = {}
    for line in lines:
        columns = line.split()
        # name type [subtype] encoding emb sub uni object-id generation: emb is 5th from the end.
        fonts[columns[0]] = columns[-5]
    return fonts


def assert_cjk_font_embedded(content: bytes, tmp_path) -> None:
    """The portal's CJK TrueType font (`hubportal.pdf`) is in the file, embedded as a
    subset (`ABCDEF+Name`); no reader-side CID font such as STSong-Light is used."""
    from reportlab.pdfbase import pdfmetrics

    from hubportal import pdf

    face = pdfmetrics.getFont(pdf.register_font()).face.name
    face = face.decode() if isinstance(face, bytes) else face
    fonts = embedded_fonts(content, tmp_path)
    cjk = {name: emb for name, emb in fonts.items() if name.split("+")[-1].startswith(face)}
    assert cjk and set(cjk.values()) == {"yes"}, fonts
    assert not any("STSong" in name for name in fonts), fonts


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


def test_briefing_pdf_embeds_the_cjk_font_and_reads_as_text(filed, monthly_form, zhongshan, tmp_path):
    zhongshan.name = "中山市·火炬开发区"  # a middle dot, which a reader-side CID font shows as a box
    briefing = documents.compile_briefing(zhongshan, monthly_form, date(2026, 2, 1))
    content = documents.briefing_pdf(briefing)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert_cjk_font_embedded(content, tmp_path)
    text = poppler("pdftotext", content, tmp_path)
    assert "中山市·火炬开发区" in text and "的工作简述" in text


def test_inspection_pdf_embeds_the_cjk_font_and_keeps_the_middle_dot(clock, units, zhongshan, tmp_path):
    from reporting import demo
    from reporting.models import TargetSnapshot
    from reporting.tracking import track_targets

    from .conftest import at

    guzhen = units["442000012"]
    guzhen.name = "古镇·灯饰"
    guzhen.save(update_fields=["name"])
    clock.move_to(at(2026, 5, 15))
    demo.seed_programmes({code: unit for code, unit in units.items()}, 2026)
    track_targets("2026Q2")
    snapshots = TargetSnapshot.objects.in_subtree(zhongshan).filter(period="2026Q2").exclude(unit=zhongshan)
    assert snapshots.filter(unit=guzhen).exists()
    content = documents.inspection_pdf("中山市·2026Q2 目标考核", snapshots)
    assert content.startswith(b"%PDF-")
    assert_cjk_font_embedded(content, tmp_path)
    text = poppler("pdftotext", content, tmp_path)
    assert "中山市·2026Q2 目标考核" in text and "古镇·灯饰" in text


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
