"""The same contracts and client against a real anvil node over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from kp_py import KP, Document, IssuedDocument
from kp_py.node import LocalNode
from tests.conftest import NOTICE, document_data, enact, reverts

pytestmark = pytest.mark.anvil
REPO = Path(__file__).resolve().parents[2]


def test_issue_confirm_verify_over_http(anvil_kp, anvil_accounts):
    holder = anvil_accounts[5].address
    document = Document.from_dict(document_data(holder=holder, number="AE-HTTP-1"))
    issued = anvil_kp.with_account(anvil_accounts[1]).issue(document)
    anvil_kp.with_account(anvil_accounts[2]).confirm_receipt("AE-HTTP-1")
    # A verifier with no account and only the addresses reads it back.
    reader = KP(Web3(anvil_kp.w3.provider), anvil_kp.deployment)
    verification = reader.verify("AE-HTTP-1", IssuedDocument.from_json(issued.to_json()))
    assert verification.genuine and verification.document_matches
    assert verification.status == "receipt confirmed"


def test_refusals_decode_the_same_as_on_eth_tester(anvil_kp, anvil_accounts):
    """Over HTTP web3 raises ContractCustomError; the client turns it into the same exception."""
    holder = anvil_accounts[5].address
    officer = anvil_kp.with_account(anvil_accounts[1])
    officer.issue(Document.from_dict(document_data(holder=holder, number="AE-HTTP-2")))
    with reverts("CertificateExists", int.from_bytes(b"AE-HTTP-2".ljust(32, b"\0"), "big")):
        officer.issue(Document.from_dict(document_data(holder=holder, number="AE-HTTP-2")))
    with reverts("NotAuthorityOf", anvil_accounts[2].address, b"AE", b"BW"):
        anvil_kp.with_account(anvil_accounts[2]).issue(
            Document.from_dict(document_data(holder=holder, number="AE-HTTP-3"))
        )
    with reverts("AccessControlUnauthorizedAccount", anvil_accounts[3].address,
                 anvil_kp.registry.functions.CHAIR_ROLE().call()):  # fmt: skip
        anvil_kp.with_account(anvil_accounts[3]).admit("UZ", "Uzbekistan")
    with reverts("UnknownCertificate", 99):
        anvil_kp.certificate(99)


def test_node_keeps_its_chain_across_stop_and_start(tmp_path, anvil_accounts):
    node = LocalNode(tmp_path / ".kp")
    w3 = Web3(Web3.HTTPProvider(node.start()))
    kp = KP.deploy(w3, anvil_accounts[0], notice_period=NOTICE)
    enact(kp, kp.admit("BW", "Botswana"))
    assert node.stop()
    assert node.status() is None
    w3 = Web3(Web3.HTTPProvider(node.start()))
    try:
        assert KP(w3, kp.deployment).participant("BW").standing == "admitted"
    finally:
        node.stop()


def test_node_start_finds_the_running_node(anvil):
    status = anvil.status()
    assert status is not None
    assert anvil.start() == status["url"]


@pytest.mark.slow
def test_demo_tells_the_story_and_leaves_a_chain_that_verifies(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    assert (
        "registering it a second time: refused, paper certificate BW-2024-012345 registered by AE is" in out
    )
    assert "Dubai relabels CAR rough as its own, parent CF-2024-000007 carries origin CF/Berberati" in out
    assert "the parents give 0.00 carats for a certificate of 10000.00" in out
    assert "provenance complete back to: paper certificate BW-2024-012345 registered by AE" in out
    assert "provenance complete back to: production BW JWANENG-2024-Q3" in out
    assert "60 participants admitted" in out and "61 participants on chain" in out
    # The 2024 plenary through a notice period; the stolen Chair key's proposal objected to by BW.
    assert "lift CF's export embargo; admit UZ (Uzbekistan)" in out and "until then UZ is none" in out
    assert "CF export embargo: none; UZ is admitted" in out
    assert "proposal 4 is objected (by BW)" in out
    assert (
        "executing proposal 4: refused, BW objected to proposal 4: it will not take effect; ZZ is none" in out
    )
    assert "AE-2024-000123: GENUINE (receipt confirmed)" in out
    assert "AE-2024-000123: NOT GENUINE" in out and "carats differ" in out

    # The chain was saved: a restarted node still knows the certificate the demo issued.
    home = tmp_path / ".kp"
    deployment = json.loads((home / "deployments.json").read_text())["31337"]
    node = LocalNode(home)
    w3 = Web3(Web3.HTTPProvider(node.start()))
    try:
        from kp_py import Deployment

        kp = KP(
            w3, Deployment(31337, deployment["registry"], deployment["certificates"], deployment["block"])
        )
        issued = IssuedDocument.from_json((home / "certificates" / "AE-2024-000123.json").read_text())
        assert kp.verify("AE-2024-000123", issued).genuine
    finally:
        node.stop()
