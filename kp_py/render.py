"""A printable certificate (PDF) with every Annex I field, its verdict at the time it was drawn, and a
QR code that leads a verifier to the verification of that very certificate: chain id, contract,
token id and document commitment (:class:`kp_py.verify.Link`).

    kp render AE-2024-000123 --document cert.issued.json --pdf cert.pdf --verify-url https://kp.example
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kp_py._text import printable
from kp_py.errors import KPError
from kp_py.issued import IssuedDocument
from kp_py.records import certificate_rows
from kp_py.verify import GENUINE, Link, Verification

KPCS_STATEMENT = (
    "The rough diamonds in this shipment have been handled in accordance with the provisions of the "
    "Kimberley Process Certification Scheme for rough diamonds."
)


def render_pdf(
    result: Verification,
    path: Path,
    *,
    link: Link,
    verify_url: str,
    issued: IssuedDocument | None = None,
    names: Mapping[str, str] | None = None,
) -> None:
    """Draw the certificate of ``result`` on one A4 page, under its verdict (a voided, expired or
    forged one is stamped so across the page). Names and addresses of exporter and importer come
    from the holder's issued document when given (they are never on chain); ``names`` are the
    participants' names by code; the QR code is ``link`` on the page at ``verify_url``."""
    try:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas
    except ImportError:
        raise KPError("rendering needs reportlab: pip install 'kp-certificates[render]'") from None

    certificate = result.certificate
    if certificate is None:
        raise KPError(f"{result.number} is not on chain: there is nothing to draw")
    document = issued.document if issued else None
    if document is not None and document.number != certificate.number:
        raise KPError(f"the document is for {document.number}, not {certificate.number}")
    off_chain = "(kept off chain: see the holder's certificate document)"
    parties = (
        (
            f"{document.exporter.name}, {document.exporter.address}",
            f"{document.importer.name}, {document.importer.address}",
        )
        if document is not None
        else (off_chain, off_chain)
    )
    provenance = result.provenance.headline() if result.provenance else ""
    rows = certificate_rows(
        certificate,
        names=names,
        change=result.change,
        parties=parties,
        provenance=provenance or "(see the verification page)",
    )
    rows = [(label, value) for label, value in rows if label != "Token id"]  # printed beside the QR code

    width, height = A4
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setTitle(f"Kimberley Process Certificate {certificate.number}")
    page.setStrokeColorRGB(0.12, 0.23, 0.37)
    page.setLineWidth(3)
    page.rect(28, 28, width - 56, height - 56)
    page.setFont("Helvetica-Bold", 20)
    page.drawString(50, height - 80, "KIMBERLEY PROCESS CERTIFICATE")
    page.setFont("Helvetica", 9)
    y = height - 98
    for line in textwrap.wrap(KPCS_STATEMENT, 100):
        page.drawString(50, y, line)
        y -= 12
    y -= 23
    for label, value in rows:
        value = printable(value)  # names from the chain and the holder's file: no controls
        page.setFont("Helvetica-Bold", 10)
        page.drawString(50, y, label)
        small = len(value) >= 60  # a 66-character hash at 10 points runs past the border
        page.setFont("Helvetica", 8 if small else 10)
        lines = textwrap.wrap(value, 80)[:6] if len(value) > 80 else [value]
        for i, line in enumerate(lines):
            page.drawString(200, y - 10 * i, line)
        y -= 20 + 10 * (len(lines) - 1)
    if result.verdict != GENUINE:
        _stamp(page, result.verdict, width, height)
    qr = QrCodeWidget(link.url(verify_url))
    left, bottom, right, top = qr.getBounds()
    size = 150
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, page, width - size - 50, 62)
    page.setFont("Helvetica", 8)
    page.drawString(width - size - 50, 52, "Scan to verify this certificate on chain")
    page.drawString(50, 76, f"Verdict when drawn: {result.verdict}")
    page.drawString(50, 64, f"Chain {link.chain_id}, contract {link.contract}")
    for i, part in enumerate(textwrap.wrap(f"Token id {link.token_id}", 60)):
        page.drawString(50, 52 - 10 * i, part)
    page.showPage()
    page.save()


def _stamp(page: Any, verdict: str, width: float, height: float) -> None:
    """The verdict in large red letters across the page: a voided, expired or forged certificate
    must not pass for a valid one when printed."""
    page.saveState()
    page.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.35)
    page.setFont("Helvetica-Bold", 72)
    page.translate(width / 2, height / 2)
    page.rotate(35)
    page.drawCentredString(0, 0, verdict)
    page.restoreState()
