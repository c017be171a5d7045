"""Completion certificates as PDF (A4 landscape, in Chinese, the portal's CJK font embedded
through `hubportal.pdf`), each with its verification code and a QR code of the public
verification page; and the generation of a whole camp's certificates (the Celery task's
body): idempotent, one small transaction per certificate, progress reported as it goes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from hubportal.pdf import register_font

from .models import Certificate, Enrolment


def _qr(canvas: Any, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of `text` (segno's module matrix) as filled squares, bottom-left at x, y."""
    import segno

    code = segno.make_qr(text, error="m")
    matrix = [list(row) for row in code.matrix]
    count = len(matrix)
    quiet = 2
    cell = size / (count + 2 * quiet)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + (c + quiet) * cell, y + size - (r + quiet + 1) * cell, cell, cell, stroke=0, fill=1
                )


def render_certificate(certificate: Certificate, enrolment: Enrolment, base_url: str) -> bytes:
    """One certificate as PDF bytes (always in Chinese: it is a Chinese document)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    font = register_font()
    camp, trainee = enrolment.camp, enrolment.trainee
    width, height = landscape(A4)
    out = io.BytesIO()
    with override("zh-hans"):
        title = _("Certificate of completion")
        pdf = Canvas(
            out, pagesize=(width, height), pageCompression=1, initialFontName=font, initialFontSize=12
        )
        pdf.setTitle(f"{title} {certificate.code}")
        pdf.setAuthor(camp.organizer.name)
        pdf.setStrokeColorRGB(0.72, 0.11, 0.11)
        pdf.setLineWidth(3)
        pdf.rect(28, 28, width - 56, height - 56)
        pdf.setLineWidth(0.8)
        pdf.rect(36, 36, width - 72, height - 72)
        pdf.setFillColorRGB(0.72, 0.11, 0.11)
        pdf.setFont(font, 34)
        pdf.drawCentredString(width / 2, height - 120, title)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(font, 26)
        pdf.drawCentredString(width / 2, height - 200, trainee.name)
        pdf.setFont(font, 15)
        lines = [
            _("took part in the Qinqinghui training camp"),
            f"“{camp.title}”",
            _("held by %(organizer)s from %(start)s to %(end)s, and completed it.")
            % {
                "organizer": camp.organizer.name,
                "start": f"{camp.starts_on.year}年{camp.starts_on.month}月{camp.starts_on.day}日",
                "end": f"{camp.ends_on.year}年{camp.ends_on.month}月{camp.ends_on.day}日",
            },
        ]
        y = height - 250
        for line in lines:
            pdf.drawCentredString(width / 2, y, line)
            y -= 28
        pdf.setFont(font, 16)
        pdf.drawRightString(width - 110, 150, camp.organizer.name)
        issued = certificate.issued_on
        pdf.drawRightString(width - 110, 124, f"{issued.year}年{issued.month}月{issued.day}日")
        path = certificate.verification_path()
        pdf.setFont(font, 10)
        pdf.drawString(70, 84, _("Verification code: %(code)s") % {"code": certificate.code})
        pdf.drawString(70, 70, _("Check it at %(url)s") % {"url": f"{base_url}{path}"})
        _qr(pdf, f"{base_url}{path}", 70, 100, 86)
        pdf.showPage()
        pdf.save()
    return out.getvalue()


def write_certificate(certificate: Certificate, enrolment: Enrolment, base_url: str) -> None:
    """Render and store the PDF of a certificate (its file name is its code)."""
    certificate.enrolment = enrolment
    content = render_certificate(certificate, enrolment, base_url)
    certificate.file.save(f"{certificate.code}.pdf", ContentFile(content), save=False)
    certificate.save(update_fields=["file"])


def generate_for_camp(
    camp_pk: int, base_url: str, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Every certificate of the camp's completed trainees that is missing (or has no PDF
    yet): created once (one per enrolment, the unique key decides under a race) and drawn.
    Revoked certificates are left as they are. Returns {"issued": n, "total": n}."""
    enrolments = list(
        Enrolment.objects.filter(camp_id=camp_pk, status=Enrolment.Status.COMPLETED)
        .select_related("trainee", "camp__organizer")
        .order_by("pk")
    )
    existing = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__camp_id=camp_pk)}
    todo = [e for e in enrolments if e.pk not in existing or not existing[e.pk].file]
    total = len(todo)
    if progress is not None:
        progress(0, total)
    for done, enrolment in enumerate(todo, start=1):
        with transaction.atomic():
            certificate = existing.get(enrolment.pk)
            if certificate is None:
                certificate, _created = Certificate.objects.get_or_create(
                    enrolment=enrolment, defaults={"issued_on": timezone.localdate()}
                )
            if not certificate.file and certificate.revoked_at is None:
                write_certificate(certificate, enrolment, base_url)
        if progress is not None and (done % 10 == 0 or done == total):
            progress(done, total)
    return {"issued": total, "total": len(enrolments)}
