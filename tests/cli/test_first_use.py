"""What a new user tripped on running the README (issue 15), each now told or done as expected: one
vocabulary of verdicts, a document for another chain caught, a refused file named with nothing left
behind, progress with totals, the time and key of a confirmation or a void, expiry as its last day,
codes and numbers in any case, a chart in the format its name says, and a fast `kp --version`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader

from kp_py import connect
from kp_py.errors import KPError
from kp_py.node import DEV_CHAIN_IDS
from kp_py.verify import public_page
from tests.cli.conftest import AE, AE_KEY, BW, BW_KEY, Kp

pytestmark = pytest.mark.anvil


@pytest.fixture
def issued(kp, write_document):
    path = write_document(number="AE-2024-000123", expires="2027-01-30")
    kp.ok("issue", str(path), *AE)
    return path.with_name("cert.issued.json")


def test_verify_says_the_verdict_the_page_says(kp, issued):
    assert kp.ok("verify", "AE-2024-000123").out.startswith("AE-2024-000123: GENUINE (issued)")
    kp.ok("void", "AE-2024-000123", "--reason", "fraud", *AE)
    result = kp("verify", "AE-2024-000123")
    assert result.code == 1 and result.out.startswith("AE-2024-000123: VOIDED (voided)")
    assert kp("verify", "AE-9").out.startswith("AE-9: UNKNOWN (unknown)")
    assert kp("verify", "AE-9", "--json").json()["verdict"] == "UNKNOWN"


def test_a_document_made_for_another_chain_is_not_looked_up(kp, issued, tmp_path):
    data = json.loads(issued.read_text())
    data["chain_id"] = 1
    elsewhere = tmp_path / "mainnet.issued.json"
    elsewhere.write_text(json.dumps(data))
    result = kp("verify", "AE-2024-000123", "--document", str(elsewhere), "--json")
    answer = result.json()
    assert result.code == 1 and answer["problems"] == ["wrong-network"]
    assert answer["verdict"] == "NOT GENUINE" and answer["certificate"] is None
    assert (
        "is for contract" in answer["reasons"][0]
        and "on chain 1, not this deployment" in answer["reasons"][0]
    )


def test_a_refused_file_among_ten_is_named_and_nothing_is_left(kp, write_document, node_web3, tmp_path):
    paths = [write_document(f"c{i}", number=f"AE-2024-{i}") for i in range(9)]
    paths.insert(4, write_document("bad", number="AE-2024-9", importing="ZZ"))
    block = node_web3.eth.block_number
    line = kp.refused("issue", *map(str, paths), *AE)
    assert line == f"kp: {paths[4]}: ZZ is not in good standing (it is none)"
    assert not list(tmp_path.glob("*.pending.json")) and not list(tmp_path.glob("*.issued.json"))
    assert node_web3.eth.block_number == block  # nothing sent


def test_progress_has_totals_and_rates_off_a_terminal(kp, write_document):
    paths = [write_document(f"c{i}", number=f"AE-2024-{i}") for i in range(3)]
    result = kp("issue", *map(str, paths), *AE, env={"KP_PROGRESS": "1"})
    assert result.code == 0
    assert re.search(r"^checked: 3/3 \([\d,.]+/s\)$", result.err, re.M), result.err
    assert re.search(r"^issued: 3/3 \([\d,.]+/s\)$", result.err, re.M), result.err
    assert kp("issue", *map(str, paths), *AE).err == ""  # off by default under the tests (KP_PROGRESS="")


def test_show_and_verify_tell_when_and_by_whom_receipt_was_confirmed_or_it_was_voided(kp, write_document):
    kp.ok(
        "issue",
        str(write_document("a", number="AE-2024-1")),
        str(write_document("b", number="AE-2024-2")),
        *AE,
    )
    kp.ok("confirm", "AE-2024-1", *BW)
    kp.ok("void", "AE-2024-2", "--reason", "issued in error", *AE)

    confirmed = kp.ok("show", "AE-2024-1", "--json").json()["status_change"]
    assert confirmed["what"] == "receipt confirmed" and confirmed["authority"] == BW_KEY.address
    assert confirmed["reason"] is None and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", confirmed["at"])
    assert re.search(
        rf"Receipt confirmed +{confirmed['at']} UTC, by {BW_KEY.address}", kp.ok("show", "AE-2024-1").out
    )

    voided = kp("verify", "AE-2024-2", "--json").json()["status_change"]
    assert voided["what"] == "voided" and voided["reason"] == "issued in error"
    assert voided["authority"] == AE_KEY.address
    text = kp("verify", "AE-2024-2").out
    assert f"  - voided: {voided['at']} UTC, issued in error, by {AE_KEY.address}" in text


def test_expiry_is_shown_as_the_documents_last_day(kp, issued):
    data = kp.ok("show", "AE-2024-000123", "--json").json()
    assert data["expires"] == "2027-01-30" and data["expires_at"] == "2027-01-31 00:00:00"
    assert re.search(r"Last day of validity +2027-01-30$", kp.ok("show", "AE-2024-000123").out, re.M)
    assert "last day of validity 2027-01-30" in kp.ok("verify", "AE-2024-000123").out


def test_codes_and_numbers_in_any_case(kp, issued):
    assert kp.ok("show", "ae-2024-000123", "--json").json()["number"] == "AE-2024-000123"
    assert [row["number"] for row in kp.ok("list", "--exporting", "ae", "--json").json()] == [
        "AE-2024-000123"
    ]
    rows = kp.ok("stats", "--participant", "ae", "--json").json()
    assert rows and {row["participant"] for row in rows} == {"AE"}
    assert kp.ok("participant", "show", "bw", "--json").json()["code"] == "BW"


def test_a_chart_is_drawn_in_the_format_its_name_says(kp, issued, tmp_path):
    kp.ok("stats", "--chart", str(tmp_path / "stats.svg"))
    assert b"<svg" in (tmp_path / "stats.svg").read_bytes()[:400]
    kp.ok("stats", "--chart", str(tmp_path / "stats.pdf"))
    assert (tmp_path / "stats.pdf").read_bytes().startswith(b"%PDF")
    assert "name a .png, .svg or .pdf file" in kp.refused("stats", "--chart", str(tmp_path / "stats.gif"))


def test_a_voided_certificate_prints_as_voided(kp, issued, tmp_path):
    kp.ok("void", "AE-2024-000123", "--reason", "fraud", *AE)
    data = kp.ok("render", "AE-2024-000123", "--pdf", str(tmp_path / "c.pdf"), "--json").json()
    assert data["verdict"] == "VOIDED"
    text = PdfReader(tmp_path / "c.pdf").pages[0].extract_text()
    assert "Verdict when drawn: VOIDED" in text and re.search(r"^Voided\n.* UTC, fraud, by 0x", text, re.M)


def test_template_follows_the_number(kp):
    data = json.loads(kp.ok("template", "--number", "bw-2024-000001").out)
    assert (data["number"], data["exporting"], data["importing"]) == ("BW-2024-000001", "BW", "AE")
    assert data["exporter"]["name"] == "Okavango Diamond Company"


def test_version_is_quick_and_loads_no_web3():
    probe = (
        "import sys; from click.testing import CliRunner; from kp_py.cli import main; "
        "out = CliRunner().invoke(main, ['--version']).output; "
        "assert 'web3' not in sys.modules, 'web3 loaded'; print(out)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("kp, version ")


def test_a_bad_url_is_told_at_once(tmp_path):
    kp = Kp(tmp_path / ".kp", tmp_path)
    assert kp.refused("show", "AE-1", "--rpc-url", "localhost:18545") == (
        "kp: --rpc-url 'localhost:18545' is not an http(s) URL: write it like http://localhost:8545"
    )
    started = time.monotonic()
    assert "cannot reach http://127.0.0.1:9" in kp.refused("show", "AE-1", "--rpc-url", "http://127.0.0.1:9")
    assert time.monotonic() - started < 5  # not 30 s of silent retries


def test_a_restarted_node_answers_on_the_same_port(tmp_path):
    kp = Kp(tmp_path / ".kp", tmp_path)
    url = kp.ok("node", "start", "--json").json()["url"]
    try:
        kp.ok("node", "stop")
        assert kp.ok("node", "start", "--json").json()["url"] == url
    finally:
        kp("node", "stop")


def test_an_amount_is_checked_before_anything_is_read(tmp_path):
    kp = Kp(tmp_path / ".kp", tmp_path)  # no node: the value is refused first
    args = ("production", "register", "LOT-1", "--origin", "BW", "--from", "2024-01-01", "--to", "2024-02-01")
    assert kp.refused(*args, "--carats", "12.5") == (
        "kp: Invalid value for '--carats': must be a decimal string with 2 places, like '1234.50', not '12.5'"
    )
    assert kp.refused(*args, "--carats", "0.00") == "kp: Invalid value for '--carats': must be more than 0.00"


def test_a_deployment_records_the_page_wallets_link_to(kp):
    data = kp.ok("deploy", "--verify-url", "https://verify.kp.example/", "--json").json()
    assert data["verification_page"] == "https://verify.kp.example"
    assert connect(home=kp.home).verification_page() == "https://verify.kp.example"
    assert "is not an http(s) address" in kp.refused("deploy", "--verify-url", "verify.kp.example")


@pytest.mark.parametrize(
    ("url", "chain_id", "told"),
    [
        ("http://127.0.0.1:8417", 1, "is this machine: on chain 1"),
        ("http://localhost/", 11155111, "is this machine: on chain 11155111"),
        ("ftp://kp.example", 31337, "is not an http(s) address"),
    ],
)
def test_a_public_chain_needs_a_public_page(url, chain_id, told):
    with pytest.raises(KPError, match=re.escape(told)):
        public_page(url, chain_id, DEV_CHAIN_IDS)
    assert public_page("http://127.0.0.1:8417/", 31337, DEV_CHAIN_IDS) == "http://127.0.0.1:8417"


def test_a_rerun_checks_the_chain_not_the_file(kp, write_document, node_web3):
    """A reorganisation drops the issue after its .issued.json was written: the re-run sees the chain
    lacks it and issues it again, with the salts the file kept (issue 16)."""
    path = write_document(number="AE-2024-REORG")
    before = node_web3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    kp.ok("issue", str(path), *AE)
    written = json.loads(path.with_name("cert.issued.json").read_text())
    node_web3.provider.make_request("evm_revert", [before])  # type: ignore[arg-type]  # the reorganisation
    rows = kp.ok("issue", str(path), *AE, "--json").json()
    assert [(r["number"], r["outcome"]) for r in rows] == [("AE-2024-REORG", "issued")]
    again = json.loads(path.with_name("cert.issued.json").read_text())
    assert again["salts"] == written["salts"] and again["commitment"] == written["commitment"]
    assert kp.ok("show", "AE-2024-REORG", "--json").json()["commitment"] == written["commitment"]
    assert kp.ok("issue", str(path), *AE, "--json").json()[0]["outcome"] == "already issued"
