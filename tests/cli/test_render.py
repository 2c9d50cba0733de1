"""`kp render NUMBER --pdf FILE`: every Annex I field in the PDF's text, and a QR code that decodes
to the verification link of that very certificate (which `kp verify` accepts)."""

from __future__ import annotations

import json

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from kp_py.verify import Link
from tests.cli.conftest import AE, BW, HOLDER
from tests.conftest import document_data

pytestmark = pytest.mark.anvil


def test_the_pdf_carries_every_field_and_a_qr_code_to_verify_it(kp, tmp_path, write_document):
    """A re-export of Botswana rough mixed with Dubai's own (the origins and parents are printed)."""
    kp.ok(
        "issue",
        str(write_document("bw", number="BW-1", exporting="BW", importing="AE", carats="1000.00")),
        *BW,
    )
    kp.ok("confirm", "BW-1", *AE)
    parents = [{"number": "BW-1", "carats": "1000.00"}, {"production": "STOCK-2024", "carats": "250.50"}]
    source = tmp_path / "cert.json"
    data = document_data(holder=HOLDER.address, origins=["BW", "AE"], parents=parents)
    source.write_text(json.dumps(data))
    kp.ok("issue", str(source), *AE)
    issued = tmp_path / "cert.issued.json"
    pdf = tmp_path / "cert.pdf"
    data = kp.ok("render", "AE-2024-000123", "--pdf", str(pdf), "--document", str(issued), "--json").json()
    shown = kp.ok("show", "AE-2024-000123", "--json").json()

    text = PdfReader(str(pdf)).pages[0].extract_text()
    for expected in [
        "KIMBERLEY PROCESS CERTIFICATE",
        "Kimberley Process Certification Scheme",
        "AE-2024-000123",
        "AE United Arab Emirates",
        "BW Botswana",
        "BW, AE",
        "BW-1 (1000.00 ct), production AE STOCK-2024 (250.50 ct)",
        "provenance complete back to: production AE STOCK-2024",
        "Gulf Rough Trading DMCC, Almas Tower, Dubai",
        "Okavango Diamond Company, Plot 63, Gaborone",
        "1250.50 ct",
        "US$ 3,125,000.00",
        "7102.31",
        shown["issued_at"],
        shown["expires"],
        "GENUINE",
        shown["issuer"],
        HOLDER.address,
        shown["commitment"],
    ]:
        assert expected in text, expected

    page = pypdfium2.PdfDocument(str(pdf))[0].render(scale=3).to_pil()
    (code,) = zxingcpp.read_barcodes(page)
    assert code.text == data["link"]
    link = Link.parse(code.text)
    assert (link.chain_id, link.contract.lower(), str(link.token_id)) == (
        31337,
        shown["contract"].lower(),
        shown["token_id"],
    )
    assert "0x" + link.commitment.hex() == shown["commitment"]

    assert kp("verify", code.text).code == 0  # the link verifies as it is
    forged = Link(link.chain_id, link.contract, link.token_id, bytes(32)).url("http://127.0.0.1:8417")
    result = kp("verify", forged, "--json")
    assert result.code == 1 and "document-mismatch" in json.loads(result.out)["problems"]


def test_without_the_document_the_names_are_said_to_be_off_chain(kp, tmp_path, write_document):
    kp.ok("issue", str(write_document()), *AE)
    pdf = tmp_path / "bare.pdf"
    kp.ok("render", "AE-2024-000123", "--pdf", str(pdf))
    assert "kept off chain" in PdfReader(str(pdf)).pages[0].extract_text()
