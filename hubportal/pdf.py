"""PDF fonts: one CJK TrueType font, embedded (subset) in every PDF the portal makes.

A reader-side CID font (reportlab's STSong-Light) is not embedded: a reader without the
Adobe Asian font pack shows boxes, and characters outside its set (·) are boxes everywhere.
The font file is `HUB_PDF_FONT` (default: WenQuanYi Micro Hei from Debian's
fonts-wqy-microhei, installed by `make setup`: CJK with Latin letters, digits and “·”, which
Droid Sans Fallback lacks — a PDF in it loses every figure); a missing file is a configuration error
reported by `manage.py check`, not a PDF with boxes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

FONT = "HubCJK"
DEFAULT_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def font_file() -> Path:
    return Path(getattr(settings, "HUB_PDF_FONT", "") or DEFAULT_FONT_FILE)


def register_font() -> str:
    """Register the CJK font with reportlab (once) and return its name for `setFont`/styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = font_file()
        if not path.is_file():
            raise ImproperlyConfigured(
                f"HUB_PDF_FONT: no font file at {path}; install fonts-wqy-microhei or set HUB_PDF_FONT"
            )
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))  # the first face of a .ttc
    return FONT


def build_pdf(title: str, flow: list[Any], landscape_page: bool = False) -> bytes:
    """An A4 document (landscape if asked) from reportlab flowables, the font embedded."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate

    register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4) if landscape_page else A4,
        title=title,
        author=_("Qinqinghui Hub Portal"),
        leftMargin=36,
        rightMargin=36,
        topMargin=36,
        bottomMargin=36,
    )
    doc.build(flow)
    return out.getvalue()


def styles() -> dict[str, Any]:
    """Paragraph styles in the CJK font: `title`, `h` (heading), `p` (body)."""
    from reportlab.lib.styles import ParagraphStyle

    font = register_font()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22, spaceAfter=10),
        "h": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "p": ParagraphStyle("p", fontName=font, fontSize=10, leading=15),
    }


def table(rows: list[list[Any]], widths: list[float] | None = None) -> Any:
    """A gridded table in the CJK font whose header row repeats on every page."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    font = register_font()
    grid = Table(rows, colWidths=widths, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f8d7da")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return grid


@register()
def check_pdf_font(app_configs: Any, **kwargs: Any) -> list[Error]:
    path = font_file()
    if path.is_file():
        return []
    return [
        Error(
            f"The CJK font for PDFs is missing: {path}",
            hint="Run `make setup` (it installs fonts-wqy-microhei) or set HUB_PDF_FONT to a TrueType font.",
            id="hubportal.E001",
        )
    ]
