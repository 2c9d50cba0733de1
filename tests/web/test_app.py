"""The verification page through Flask's test client, on a real anvil node: every route and every
outcome, read from the HTML a verifier sees and from the JSON a script reads."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone

import pytest
from web3 import Web3
from werkzeug.test import TestResponse

from kp_py import KP
from kp_py._codes import number_to_token_id
from kp_py.network import connect
from kp_py.verify import Link
from kp_py.web import create_app
from tests.cli.conftest import AE_KEY, HOLDER, Kp

pytestmark = pytest.mark.anvil


def banner(response: TestResponse) -> tuple[str, str]:
    """The verdict and its colour class, as the page shows them."""
    page = response.get_data(as_text=True)
    found = re.search(
        r'<section id="verdict" class="banner ([a-z-]+)".*?<span class="verdict">([^<]+)<', page, re.S
    )
    assert found, page
    return found.group(2), found.group(1)


def error(response: TestResponse) -> str:
    found = re.search(
        r'<p id="error" class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True)
    )
    assert found, response.get_data(as_text=True)
    return found.group(1)


def link(kp: Kp, number: str, **changes: object) -> str:
    """The path and query a printed certificate's QR code holds, with fields changed."""
    shown = kp.ok("show", number, "--json").json()
    fields = {
        "chain_id": shown["chain_id"],
        "contract": shown["contract"],
        "token_id": int(shown["token_id"]),
        "commitment": bytes.fromhex(shown["commitment"][2:]),
        **changes,
    }
    return Link(**fields).url("")


def test_the_form_is_a_phone_page_that_needs_no_other_site(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'id="by-number" action="/verify" method="get"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "http://" not in page.split("<footer>")[0] and "https://" not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_genuine_by_number_shows_every_fact(client, issued, kp):
    shown = kp.ok("show", issued.genuine, "--json").json()
    response = client.get("/verify", query_string={"number": " ae-2024-000123 "})  # as typed on a phone
    assert response.status_code == 200 and banner(response) == ("GENUINE", "genuine")
    page = response.get_data(as_text=True)
    for fact in [
        "AE United Arab Emirates",
        "BW Botswana",
        "AE -&gt; BW",
        AE_KEY.address,
        HOLDER.address,
        "1250.50 ct",
        "US$ 3,125,000.00",
        "7102.31",
        shown["issued_at"],
        shown["expires"],
        f"<dd>block {shown['block']}, transaction {shown['transaction']}</dd>",
        "<dt>Receipt confirmed</dt><dd>not yet</dd>",
    ]:
        assert fact in page, fact


def test_a_confirmed_certificate_shows_when_and_by_whom(client, issued, kp):
    kp.ok("confirm", issued.genuine, "--dev", "2")
    page = client.get(f"/certificates/{issued.genuine}").get_data(as_text=True)
    assert re.search(r"<dt>Receipt confirmed</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, by 0x3C44", page)


@pytest.mark.parametrize(
    ("which", "expected", "problem"),
    [
        ("voided", ("VOIDED", "voided"), "voided"),
        ("expired", ("EXPIRED", "expired"), "expired"),
    ],
)
def test_voided_and_expired(client, issued, which, expected, problem):
    number = getattr(issued, which)
    response = client.get(f"/certificates/{number}")
    assert response.status_code == 200 and banner(response) == expected
    assert client.get(f"/api/certificates/{number}").get_json()["problems"] == [problem]
    if which == "voided":
        assert re.search(
            r"<dt>Voided</dt><dd>[^<]+ UTC, lost, by " + AE_KEY.address, response.get_data(as_text=True)
        )


def test_an_unknown_number(client, issued):
    response = client.get("/verify", query_string={"number": "AE-404"})
    assert response.status_code == 200 and banner(response) == ("UNKNOWN", "unknown")
    assert "no certificate has this number" in response.get_data(as_text=True)


def test_a_certificate_from_a_disabled_key_is_not_genuine(client, issued, kp):
    issued_at = kp.ok("show", issued.genuine, "--json").json()["issued_at"]
    moment = datetime.fromisoformat(issued_at).replace(tzinfo=timezone.utc)
    kp.ok("authority", "disable", AE_KEY.address, "--from", f"@{int(moment.timestamp())}")
    response = client.get(f"/certificates/{issued.genuine}")
    assert banner(response) == ("NOT GENUINE", "not-genuine")
    assert "was disabled at the time of issue" in response.get_data(as_text=True)


def test_the_genuine_document_matches(client, issued):
    response = client.post("/verify", data={"document": (issued.document.open("rb"), "cert.issued.json")})
    assert banner(response) == ("GENUINE", "genuine")
    assert "Proven: every field matches the commitment on chain." in response.get_data(as_text=True)


def test_a_plain_document_with_forged_names_is_never_genuine(client, issued):
    """Audit finding 2: a document without salts, its public fields copied from the chain and its
    names forged, read GENUINE. Now the banner is NOT GENUINE and each field says how it was checked."""
    data = json.loads(issued.document.read_text())["document"]
    data |= {"exporter": {"name": "Front Company", "address": "Nowhere"}, "issued": "2020-01-01"}
    plain = issued.folder / "plain.json"
    plain.write_text(json.dumps(data))
    response = client.post("/verify", data={"document": (plain.open("rb"), "plain.json")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and banner(response) == ("NOT GENUINE", "not-genuine")
    assert "Not proven: without its salts" in page
    assert '<dt>exporter</dt><dd class="not-checked">not checked</dd>' in page
    assert '<dt>carats</dt><dd class="matches-public-data">matches public data</dd>' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("carats", "1251.50"), ("exporter", {"name": "Someone Else", "address": "Almas Tower, Dubai"})],
)
def test_an_altered_document_names_the_field(client, issued, field, value):
    altered = issued.altered(field, value)
    response = client.post("/verify", data={"document": (altered.open("rb"), altered.name)})
    assert response.status_code == 200 and banner(response) == ("NOT GENUINE", "not-genuine")
    assert f"Altered: <strong>{field}</strong> differ" in response.get_data(as_text=True)


def test_a_document_shown_for_another_certificate_number(client, issued):
    response = client.post(
        "/verify",
        data={"document": (issued.document.open("rb"), "cert.issued.json"), "number": issued.voided},
    )
    assert banner(response) == ("NOT GENUINE", "not-genuine")
    assert "<strong>number</strong>" in response.get_data(as_text=True)


def test_the_qr_link_verifies_as_it_is(client, issued, kp):
    response = client.get(link(kp, issued.genuine))
    assert banner(response) == ("GENUINE", "genuine")


def test_a_printed_commitment_that_differs_means_altered_paper(client, issued, kp):
    response = client.get(link(kp, issued.genuine, commitment=bytes(32)))
    assert banner(response) == ("NOT GENUINE", "not-genuine")
    assert "the printed certificate names another document" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "changes",
    [{"chain_id": 1}, {"contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}],
    ids=["chain", "contract"],
)
def test_a_link_for_another_network_is_not_looked_up(client, issued, kp, changes):
    response = client.get(link(kp, issued.genuine, **changes))
    assert response.status_code == 200 and banner(response) == ("NOT GENUINE", "not-genuine")
    assert "not this deployment" in response.get_data(as_text=True)
    assert "<dl" not in response.get_data(as_text=True)  # no certificate shown from elsewhere
    api = client.get("/api" + link(kp, issued.genuine, **changes)).get_json()
    assert api["genuine"] is False and api["problems"] == ["wrong-network"] and api["certificate"] is None


def test_an_issued_document_for_another_network(client, issued, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(issued.document.read_text().replace('"chain_id": 31337', '"chain_id": 11155111'))
    response = client.post("/verify", data={"document": (other.open("rb"), "other.json")})
    assert banner(response) == ("NOT GENUINE", "not-genuine")
    assert "the document is for contract" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/verify?number=",
        "/verify?number=%3Cscript%3Ealert(1)%3C/script%3E",
        "/verify?number=AE-2024-000123-THIS-NUMBER-IS-FAR-TOO-LONG-TO-BE-ONE",
        "/certificates/12x",
        "/certificates/0",
        "/certificates/123",  # a token id that is no number's ASCII
        "/certificates/123?chain=31337&contract=0xnothex&commitment=0x00",
        "/certificates/123?chain=abc",
    ],
)
def test_malformed_input_is_one_line_and_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    message = error(response)
    assert message and "\n" not in message and "Traceback" not in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)  # escaped, never markup


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "choose the certificate document"),
        (b"not json at all", "not JSON: Expecting value at line 1"),
        (b'{"kp": "issued-document/v1", "salts": {}}', "missing or not hex"),
        (b'{"kp": "issued-document/v1"}', "missing or not hex"),
        (b'{"number": "AE-1"}', "document field"),
        (b"\xff\xfe\x00", "not UTF-8 text"),
    ],
)
def test_a_malformed_upload_is_one_line_and_400(client, content, expected):
    response = client.post("/verify", data={"document": (io.BytesIO(content), "x.json")})
    assert response.status_code == 400 and expected in error(response)


def test_an_oversized_upload_is_refused_with_a_page(client):
    big = io.BytesIO(b" " * (300 * 1024))
    response = client.post("/verify", data={"document": (big, "big.json")})
    assert response.status_code == 413
    assert error(response) == "the file is too large: a certificate document is at most 256 kB"


def test_the_json_api(client, issued):
    by_number = client.get(f"/api/certificates/{issued.genuine}")
    by_token = client.get(f"/api/certificates/{number_to_token_id(issued.genuine)}")
    assert by_number.status_code == by_token.status_code == 200
    assert by_number.headers["Content-Type"] == "application/json"
    report = by_number.get_json()
    assert report == by_token.get_json()
    assert report["genuine"] is True and report["status"] == "issued" and report["problems"] == []
    assert report["certificate"]["number"] == issued.genuine
    assert client.get(f"/api/certificates/{issued.voided}").get_json()["problems"] == ["voided"]
    assert client.get("/api/certificates/AE-404").get_json()["problems"] == ["unknown"]
    bad = client.get("/api/certificates/not%20a%20number")
    assert bad.status_code == 400 and "is not a certificate number" in bad.get_json()["error"]


def test_unknown_routes_and_methods_are_plain_pages(client):
    assert client.get("/nowhere").status_code == 404
    assert client.delete("/verify").status_code == 405
    assert client.post("/certificates/AE-1").status_code == 405


@pytest.mark.parametrize("key", [("--dev", "1"), ("--key-env", "AE_KEY"), ("--account", "officer")])
def test_kp_serve_takes_no_key(kp, key):
    assert kp.refused("serve", "--port", "0", *key) == (
        "kp: kp serve only reads the chain: it takes no --account, --key-env or --dev"
    )


def test_a_node_that_cannot_answer_is_said_in_one_line(kp):
    deployment = connect(home=kp.home).deployment
    down = KP(Web3(Web3.HTTPProvider("http://127.0.0.1:9", exception_retry_configuration=None)), deployment)
    client = create_app(down).test_client()
    page = client.get("/verify?number=AE-2024-000123")
    assert page.status_code == 503 and error(page) == "the node cannot answer now: try again in a moment"
    api = client.get("/api/certificates/AE-2024-000123")
    assert api.status_code == 503 and api.get_json() == {
        "error": "the node cannot answer now: try again in a moment"
    }


def test_a_re_export_shows_its_provenance_and_a_voided_ancestor(client, kp, write_document):
    """BW-1 (BW's STOCK production) shipped to Dubai and confirmed; Dubai re-exports it as AE-1;
    then BW voids BW-1."""
    bw = write_document("bw", number="BW-1", exporting="BW", importing="AE", carats="100.00", origins=["BW"])
    kp.ok("issue", str(bw), "--dev", "2")
    kp.ok("confirm", "BW-1", "--dev", "1")
    parents = [{"number": "BW-1", "carats": "100.00"}]
    kp.ok("issue", str(write_document("ae", number="AE-1", carats="100.00", origins=["BW"], parents=parents)),
          "--dev", "1")  # fmt: skip
    page = client.get("/verify", query_string={"number": "AE-1"}).get_data(as_text=True)
    assert "provenance complete back to: production BW STOCK-2024 (BW, 2024-01-01 to 2024-12-31); " in page
    assert "origin mix BW 100.0%" in page
    assert "<dt>Drawn from</dt><dd>BW-1 (100.00 ct)</dd>" in page
    kp.ok("void", "BW-1", "--reason", "fraud", "--dev", "2")
    response = client.get("/verify", query_string={"number": "AE-1"})
    assert banner(response) == ("GENUINE", "genuine")  # AE-1 itself stands, with a warning
    assert "Warning: ancestor BW-1 (BW -&gt; AE) was voided after it was drawn on" in response.get_data(
        as_text=True
    )


def test_a_participant_page_shows_its_standing_and_pending_decisions(client, kp):
    page = client.get("/participants/CF").get_data(as_text=True)
    assert "CF Central African Republic" in page and "admitted since" in page and "None." in page
    kp.ok("embargo", "set", "CF", "--exports", "--since", "2013-05-23")
    proposed = kp.ok("embargo", "lift", "CF", "--json").json()
    page = client.get("/participants/cf").get_data(as_text=True)
    assert "exports barred since 2013-05-23" in page
    assert f"Proposal {proposed['id']} (pending): lift CF&#39;s export embargo." in page
    answer = client.get("/api/participants/CF").get_json()
    assert [p["id"] for p in answer["pending_proposals"]] == [proposed["id"]]
    uz = kp.ok("participant", "admit", "XZ", "Zembla", "--json").json()
    assert f"Proposal {uz['id']} (pending): admit XZ (Zembla)" in client.get("/participants/XZ").get_data(
        as_text=True
    )
    assert client.get("/participants/QQ").status_code == 400
    assert client.get("/api/participants/Q1").get_json() == {
        "error": "'Q1' is not a two-letter ISO 3166-1 code"
    }
