"""Personal QR codes (segno, pinned): an inline SVG that scales to any screen and prints sharp."""

from __future__ import annotations

import io

from django.utils.safestring import SafeString, mark_safe


def qr_svg(payload: str) -> SafeString:
    """The QR code of `payload` as an SVG element (no XML declaration), 100 % wide."""
    import segno

    out = io.BytesIO()
    segno.make_qr(payload, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, scale=8, border=2, svgclass="qr-code", omitsize=True
    )
    # segno writes the SVG itself from the payload's modules: no text of the payload is in it.
    return mark_safe(out.getvalue().decode())  # noqa: S308 - generated markup, no user text
