"""`kp sign issue|confirm` on a machine without network, `kp submit` from another."""

import json
import os
import subprocess
import sys

import pytest

from kp_py import IssuedDocument
from tests.cli.conftest import AE_KEY, BW_KEY, HOLDER
from tests.conftest import document_data

pytestmark = pytest.mark.anvil


def test_sign_off_line_then_submit_from_another_machine(kp, node_web3, tmp_path):
    deployment = json.loads((kp.home / "deployments.json").read_text())["31337"]
    offline = tmp_path / "offline"
    offline.mkdir()
    (offline / "cert.json").write_text(json.dumps(document_data(holder=HOLDER.address, number="AE-OFF-1")))
    # The signing machine: no node, no deployments file, only the authority's key and the target.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env.update(
        {
            "KP_HOME": str(offline / ".kp"),
            "AE_KEY": "0x" + AE_KEY.key.hex(),
            "BW_KEY": "0x" + BW_KEY.key.hex(),
        }
    )
    target = ["--chain-id", "31337", "--contract", deployment["certificates"]]
    signed = subprocess.run(
        [
            sys.executable,
            "-m",
            "kp_py.cli",
            "sign",
            "issue",
            "cert.json",
            *target,
            "--key-env",
            "AE_KEY",
            "--valid-for",
            "1d",
        ],
        cwd=offline,
        env=env,
        capture_output=True,
        text=True,
    )
    assert signed.returncode == 0, signed.stderr
    assert not (offline / ".kp").exists()  # it never looked for a node
    confirm = subprocess.run(
        [sys.executable, "-m", "kp_py.cli", "sign", "confirm", "AE-OFF-1", *target, "--key-env", "BW_KEY"],
        cwd=offline,
        env=env,
        capture_output=True,
        text=True,
    )
    assert confirm.returncode == 0, confirm.stderr

    # The online machine: any funded key relays (development account 7 here).
    online = tmp_path / "online"
    online.mkdir()
    for name in ("cert.signed.json", "AE-OFF-1.confirmation.json"):
        (online / name).write_text((offline / name).read_text())
    rows = kp.ok(
        "submit",
        str(online / "cert.signed.json"),
        str(online / "AE-OFF-1.confirmation.json"),
        "--dev",
        "7",
        "--json",
    ).json()
    assert [(r["number"], r["outcome"]) for r in rows] == [("AE-OFF-1", "issued"), ("AE-OFF-1", "confirmed")]
    issued = IssuedDocument.from_json((online / "cert.issued.json").read_text())
    shown = kp.ok("show", "AE-OFF-1", "--json").json()
    assert shown["issuer"] == AE_KEY.address and shown["status"] == "receipt confirmed"
    assert shown["commitment"] == "0x" + issued.commitment.hex()
    # Submitting again sends nothing: the certificate is found on chain and its file written again.
    block = node_web3.eth.block_number
    again = kp.ok("submit", str(online / "cert.signed.json"), "--dev", "7", "--json").json()
    assert again[0]["outcome"] == "recovered" and node_web3.eth.block_number == block


def test_signing_needs_an_explicit_key(kp, write_document):
    line = kp.refused("sign", "issue", str(write_document()))
    assert "signing off line needs the authority's key" in line
    assert "give both --chain-id and --contract" in kp.refused(
        "sign", "issue", str(write_document()), "--dev", "1", "--chain-id", "1"
    )
    assert "not a duration" in kp.refused(
        "sign", "issue", str(write_document()), "--dev", "1", "--valid-for", "soon"
    )
