"""A printable certificate (PDF) with every Annex I field and a QR code that leads a verifier to
the verification of that very certificate: chain id, contract, token id and document commitment.

    kp render AE-2024-000123 --document cert.issued.json --pdf cert.pdf

The QR code holds a URL of the verification page, ``<verify-url>/certificates/<token id>?chain=..
&contract=..&commitment=..``, which ``kp serve`` answers; ``kp verify`` accepts the same URL in place
of a number. Both verify it on their own deployment only (:func:`verify_link`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from kp_py._text import drawn_from, hundredths, iso, printable, usd
from kp_py.client import KP, Certificate, IssuedDocument, Verification
from kp_py.document import Document
from kp_py.errors import KPError, timestamp

DEFAULT_VERIFY_URL = "http://127.0.0.1:8417"
KPCS_STATEMENT = (
    "The rough diamonds in this shipment have been handled in accordance with the provisions of the "
    "Kimberley Process Certification Scheme for rough diamonds."
)


@dataclass(frozen=True)
class Link:
    """What the QR code says: where to check, and which certificate with which document."""

    chain_id: int
    contract: str
    token_id: int
    commitment: bytes

    def url(self, base: str = DEFAULT_VERIFY_URL) -> str:
        query = urlencode(
            {"chain": self.chain_id, "contract": self.contract, "commitment": "0x" + self.commitment.hex()}
        )
        return f"{base.rstrip('/')}/certificates/{self.token_id}?{query}"

    @classmethod
    def parse(cls, url: str) -> Link:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        try:
            token = parsed.path.rstrip("/").rsplit("/", 1)[-1]
            return cls(
                chain_id=int(query["chain"][0]),
                contract=query["contract"][0],
                token_id=int(token),
                commitment=bytes.fromhex(query["commitment"][0].removeprefix("0x")),
            )
        except (KeyError, ValueError, IndexError):
            raise KPError(f"{url!r} is not a kp verification link") from None


class WrongNetwork(KPError, ValueError):
    """A link or an issued document names another chain or contract than the deployment at hand."""


def check_target(kp: KP, chain_id: int, contract: str, what: str) -> None:
    """Refuse a ``what`` (link, document) meant for another deployment: it must not verify here."""
    if (chain_id, contract.lower()) != (kp.deployment.chain_id, kp.certificates.address.lower()):
        raise WrongNetwork(
            f"the {what} is for contract {contract} on chain {chain_id}, not this deployment "
            f"({kp.certificates.address} on chain {kp.deployment.chain_id})"
        )


def verify_link(kp: KP, link: Link, shown: IssuedDocument | Document | None = None) -> Verification:
    """Verify the certificate a QR link names, on ``kp``'s deployment only (else ``WrongNetwork``):
    a printed commitment other than the chain's means the paper was altered."""
    check_target(kp, link.chain_id, link.contract, "link")
    result = kp.verify(link.token_id, shown)
    if result.certificate is None or result.certificate.commitment == link.commitment:
        return result
    return replace(
        result,
        genuine=False,
        problems=(*result.problems, "document-mismatch"),
        reasons=(*result.reasons, "the printed certificate names another document than the one on chain"),
    )


def render_pdf(
    certificate: Certificate,
    path: Path,
    *,
    link: Link,
    verify_url: str = DEFAULT_VERIFY_URL,
    issued: IssuedDocument | None = None,
    exporting_name: str = "",
    importing_name: str = "",
    custody: str = "",
) -> None:
    """Draw ``certificate`` on one A4 page. Names and addresses of exporter and importer come from
    the holder's issued document when given (they are never on chain); ``custody`` is where the
    chain of custody starts, as verification reports it (``ProvenanceStatus.headline``)."""
    try:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas
    except ImportError:
        raise KPError("rendering needs reportlab: pip install 'kp-certificates[render]'") from None

    document = issued.document if issued else None
    if document is not None and document.number != certificate.number:
        raise KPError(f"the document is for {document.number}, not {certificate.number}")

    def party(which: str) -> str:
        if document is None:
            return "(kept off chain: see the holder's certificate document)"
        person = document.exporter if which == "exporter" else document.importer
        return f"{person.name}, {person.address}"

    fields = [
        ("Certificate number", certificate.number),
        ("Exporting participant", f"{certificate.exporting} {exporting_name}".strip()),
        ("Issuing authority (key)", certificate.issuer),
        ("Importing participant", f"{certificate.importing} {importing_name}".strip()),
        ("Country(ies) of origin", ", ".join(certificate.origins)),
        ("Drawn from", drawn_from(certificate.parents)),
        ("Provenance", custody or "(see the verification page)"),
        ("Exporter", party("exporter")),
        ("Importer", party("importer")),
        ("Carat weight", f"{hundredths(certificate.carats)} ct"),
        ("Value", f"US$ {usd(certificate.value_usd)}"),
        ("Number of parcels", str(certificate.parcels)),
        ("HS classification", certificate.hs_code),
        ("Date of issue", iso(certificate.issued_at)),
        ("Date of expiry", iso(timestamp(certificate.expires_at))),
        ("Status", certificate.status),
        ("Holder (wallet)", certificate.holder),
        ("Validation", f"block {certificate.block}, transaction {certificate.transaction}"),
        ("Document commitment", "0x" + certificate.commitment.hex()),
    ]

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
    for label, value in fields:
        value = printable(value)  # names from the chain and the holder's file: no controls
        page.setFont("Helvetica-Bold", 10)
        page.drawString(50, y, label)
        small = len(value) >= 60  # a 66-character hash at 10 points runs past the border
        page.setFont("Helvetica", 8 if small else 10)
        lines = textwrap.wrap(value, 80)[:6] if len(value) > 80 else [value]
        for i, line in enumerate(lines):
            page.drawString(200, y - 10 * i, line)
        y -= 22 + 10 * (len(lines) - 1)
    qr = QrCodeWidget(link.url(verify_url))
    left, bottom, right, top = qr.getBounds()
    size = 170
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, page, width - size - 50, 60)
    page.setFont("Helvetica", 8)
    page.drawString(width - size - 50, 50, "Scan to verify this certificate on chain")
    page.drawString(50, 60, f"Chain {link.chain_id}, contract {link.contract}")
    page.drawString(50, 48, f"Token id {link.token_id}")
    page.showPage()
    page.save()
