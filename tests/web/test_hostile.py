"""Hostile input to the verification page: deep nesting, huge integers, NaN, duplicate keys and token
ids outside uint256 in an upload or a query are one line and HTTP 400, never a 500 or a crash.
Audit issue 12, finding 5."""

from __future__ import annotations

import html
import io
import json
import subprocess
import sys

import pytest

from tests.cli.test_hardening import CONTROL, _admit_evil
from tests.test_json_strict import HOSTILE, _issued
from tests.web.test_app import error as escaped

pytestmark = pytest.mark.anvil
BIG = 2**256
LINK = f"contract=0x{'1' * 40}&commitment=0x{'00' * 32}"


def error(response) -> str:
    return html.unescape(escaped(response))


def upload(client, content: bytes):
    return client.post("/verify", data={"document": (io.BytesIO(content), "x.json")})


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - {"too large"}))  # too large: 413 (test_app)
def test_a_hostile_upload_is_one_line_and_400(client, name):
    text, problem = HOSTILE[name]
    for content in (text, _issued(text)):
        response = upload(client, content.encode())
        assert response.status_code == 400, response.get_data(as_text=True)
        assert problem in error(response) and "\n" not in error(response)


def test_a_duplicate_key_is_refused_not_resolved(client, issued):
    data = issued.document.read_text()
    forged = data.replace('"carats": "1250.50"', '"carats": "1.00", "carats": "1250.50"', 1)
    assert forged != data
    response = upload(client, forged.encode())
    assert response.status_code == 400 and "key 'carats' is given twice" in error(response)


@pytest.mark.parametrize(
    ("token_id", "message"),
    [
        (str(BIG), "is not a certificate number (like AE-2024-000123) or a token id"),
        (str(BIG + 2**255), "is not a certificate number (like AE-2024-000123) or a token id"),
        ("9" * 5000, "is not a certificate number (like AE-2024-000123) or a token id"),
    ],
    ids=["2**256", "2**256 + 2**255", "5000 digits"],
)
def test_an_uploaded_token_id_outside_uint256_is_400(client, issued, token_id, message):
    data = json.loads(issued.document.read_text())
    data["token_id"] = token_id
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in error(response) and "\n" not in error(response)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/certificates/{BIG}",
        f"/api/certificates/{'9' * 5000}",
        "/api/certificates/-1",
        f"/api/certificates/AE-2024-000123?chain={'9' * 5000}&{LINK}",
        f"/api/certificates/AE-2024-000123?chain={BIG}&{LINK}",
        f"/certificates/{BIG}?chain=31337&{LINK}",
        f"/certificates/AE-2024-000123?chain={'9' * 5000}&{LINK}",
    ],
    ids=lambda url: url[:60],
)
def test_a_query_outside_uint256_is_400(client, url):
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    message = response.get_json()["error"] if url.startswith("/api/") else error(response)
    assert message and "\n" not in message


NESTED_UPLOAD = """
import io, sys
import eth  # py-evm: raises the recursion limit to 100,000
from kp_py.network import connect
from kp_py.web import create_app
from pathlib import Path
client = create_app(connect(home=Path(sys.argv[1]))).test_client()
body = b"[" * 100_000 + b"]" * 100_000
response = client.post("/verify", data={"document": (io.BytesIO(body), "x.json")})
print(response.status_code)
"""


def test_a_200_kb_nested_upload_does_not_crash_the_server(kp):
    """Run where py-evm is imported, in a subprocess: the crash was a segfault of the interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", NESTED_UPLOAD, str(kp.home)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "400"


def test_the_page_shows_chain_text_without_control_characters(client, kp, node_web3, write_document):
    """Autoescaping stops markup; the controls a participant's name may hold are stripped as well
    (audit issue 12, finding 6)."""
    number = _admit_evil(kp, node_web3, write_document)
    page = client.get("/verify", query_string={"number": number}).get_data(as_text=True)
    assert "]0;pwned" in page and not CONTROL.search(page.replace("\n", " ")), repr(page)
