"""The certificate of a final star rating as a PDF: the WenQuanYi font embedded (through
`hubportal.pdf`), the stars, the validity period, the verification code and a QR code of
the public verification page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from hubportal.pdf import build_pdf, register_font, styles

from .models import Certificate


def verification_path(certificate: Certificate) -> str:
    return reverse("evaluation:verify_code", args=[certificate.code])


def certificate_pdf(certificate: Certificate, base_url: str = "") -> bytes:
    """One A4 page. The printed address and the QR code are absolute: `base_url` (e.g.
    https://portal.example/), or else the portal's address `HUB_SITE_URL` — a certificate is
    read on paper, and a phone cannot open a QR code of a path without its site."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    font = register_font()
    base_url = base_url or str(getattr(settings, "HUB_SITE_URL", "") or "")
    rating = certificate.rating
    subject, round_obj = rating.subject, rating.round
    base = styles()
    centre = ParagraphStyle("c", parent=base["p"], alignment=1, fontSize=12, leading=20)
    big = ParagraphStyle("b", parent=base["title"], alignment=1, fontSize=26, leading=34, spaceAfter=16)
    stars = ParagraphStyle("s", fontName=font, alignment=1, fontSize=40, leading=52, textColor="#c9a227")
    name = ParagraphStyle("n", fontName=font, alignment=1, fontSize=20, leading=28, spaceAfter=8)
    address = (
        (base_url.rstrip("/") + verification_path(certificate))
        if base_url
        else verification_path(certificate)
    )
    qr = QrCodeWidget(address)
    x1, y1, x2, y2 = qr.getBounds()
    side = 32 * mm
    drawing = Drawing(side, side, transform=[side / (x2 - x1), 0, 0, side / (y2 - y1), 0, 0])
    drawing.add(qr)
    drawing.hAlign = "CENTER"
    flow: list[Any] = [
        Spacer(1, 30 * mm),
        Paragraph(_("Certificate of star rating"), big),
        Paragraph(str(round_obj.unit), centre),
        Spacer(1, 12 * mm),
        Paragraph(subject.name, name),
        Paragraph(str(subject.owner_unit), centre),
        Spacer(1, 8 * mm),
        Paragraph("★" * rating.stars if rating.grade_style == "stars" else rating.grade, stars),
        Paragraph(
            _("rated in %(round)s with %(total)s points") % {"round": round_obj.name, "total": rating.total},
            centre,
        ),
        Spacer(1, 8 * mm),
        Paragraph(
            _("Valid from %(start)s until %(end)s")
            % {"start": f"{rating.valid_from:%Y-%m-%d}", "end": f"{rating.valid_until:%Y-%m-%d}"},
            centre,
        ),
        Spacer(1, 14 * mm),
        drawing,
        Paragraph(_("Verification code: %(code)s") % {"code": certificate.display_code}, centre),
        Paragraph(_("Check it at %(address)s") % {"address": address}, centre),
    ]
    if certificate.revoked_at:
        flow.append(Paragraph(_("Revoked: %(reason)s") % {"reason": certificate.revoked_reason}, centre))
    return build_pdf(_("Certificate of star rating") + f" {certificate.code}", flow)
