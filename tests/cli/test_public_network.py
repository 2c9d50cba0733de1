"""A public-network shaped setup: a node with Sepolia's chain id, reached only by RPC URL, a
deployments file handed to the verifier, and a verifier process that holds no key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from web3 import Web3

from kp_py.keys import dev_account
from kp_py.node import LocalNode
from tests.cli.conftest import stock_args
from tests.conftest import advance_to, document_data

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
SEPOLIA = 11155111
KP = [sys.executable, "-m", "kp_py.cli"]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(KP + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sepolia(tmp_path_factory):
    node = LocalNode(tmp_path_factory.mktemp("sepolia") / ".kp", chain_id=SEPOLIA)
    url = node.start()
    yield url
    node.stop()


def test_issue_on_a_remote_network_and_verify_without_a_key(sepolia, tmp_path):
    # The authorities' side: keys in environment variables, everything by --rpc-url.
    office = tmp_path / "office"
    office.mkdir()
    keys = {"CHAIR_KEY": dev_account(0), "AE_KEY": dev_account(1)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env.update({name: "0x" + account.key.hex() for name, account in keys.items()})
    deployments = office / "deployments.json"
    common = ["--rpc-url", sepolia, "--deployments", str(deployments)]

    def ok(*args: str) -> subprocess.CompletedProcess[str]:
        result = run([*args, *common], office, env)
        assert result.returncode == 0, result.stderr
        return result

    # One key for every role is refused on a public chain (audit finding), unless asked for.
    refused = run(["deploy", "--key-env", "CHAIR_KEY", *common], office, env)
    assert refused.returncode == 2 and "would hold several of admin, Chair and secretariat" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    # A notice period under a day is refused on a public chain, unless asked for.
    short = run(["deploy", "--key-env", "CHAIR_KEY", "--one-account-for-all-roles", "--notice-period", "1h",
                 *common], office, env)  # fmt: skip
    assert short.returncode == 2 and "leaves the participants less than a day to object" in short.stderr
    deployed = json.loads(
        ok(
            "deploy",
            "--key-env",
            "CHAIR_KEY",
            "--one-account-for-all-roles",
            "--notice-period",
            "1d",
            "--json",
        ).stdout
    )
    assert set(deployed["roles"].values()) == {keys["CHAIR_KEY"].address}
    assert deployed["chain_id"] == SEPOLIA and deployed["notice_period"] == 86_400
    assert json.loads(deployments.read_text())[str(SEPOLIA)]["certificates"] == deployed["certificates"]

    def decided(*args: str) -> None:
        """Propose, let the node's day of notice pass, execute (anyone: here the AE key)."""
        proposal = json.loads(ok(*args, "--key-env", "CHAIR_KEY", "--json").stdout)
        web3 = Web3(Web3.HTTPProvider(sepolia))
        advance_to(web3, int(datetime.fromisoformat(proposal["ready_at"].replace("Z", "+00:00")).timestamp()))
        ok("proposal", "execute", str(proposal["id"]), "--key-env", "AE_KEY")

    decided("participant", "admit", "AE", "United Arab Emirates")
    decided("participant", "admit", "BW", "Botswana")
    decided("authority", "add", "AE", keys["AE_KEY"].address)
    ok(*stock_args("AE"), "--key-env", "AE_KEY")
    (office / "cert.json").write_text(json.dumps(document_data(holder=dev_account(3).address)))
    ok("issue", "cert.json", "--key-env", "AE_KEY")
    issued = json.loads((office / "cert.issued.json").read_text())
    assert issued["chain_id"] == SEPOLIA
    # A printed certificate's QR code must lead to a public page, not this machine's.
    refused = run(["render", "AE-2024-000123", "--pdf", "x.pdf", *common], office, env)
    assert refused.returncode == 2 and not (office / "x.pdf").exists()
    assert refused.stderr.startswith(
        f"kp: --verify-url: on chain {SEPOLIA} the QR code must lead to a public"
    )
    ok("render", "AE-2024-000123", "--pdf", "x.pdf", "--verify-url", "https://kp.example")

    # The verifier's side: another folder, no .kp, no key anywhere in its environment.
    customs = tmp_path / "customs"
    customs.mkdir()
    (customs / "shown.json").write_text(json.dumps(issued))
    (customs / "deployments.json").write_text(deployments.read_text())
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_KEY") and not k.startswith("KP_")}
    verify = ["verify", "AE-2024-000123", "--rpc-url", sepolia, "--deployments", "deployments.json"]
    result = run([*verify, "--document", "shown.json", "--json"], customs, clean)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["genuine"] is True
    assert not (customs / ".kp").exists()

    issued["document"]["carats"] = "1.00"
    (customs / "forged.json").write_text(json.dumps(issued))
    result = run([*verify, "--document", "forged.json"], customs, clean)
    assert result.returncode == 1 and "carats differ" in result.stdout

    result = run(["verify", "AE-1", "--rpc-url", sepolia], customs, clean)
    assert result.returncode == 2
    assert result.stderr.startswith(f"kp: no kp deployment is known for chain {SEPOLIA}")
    assert "give --deployments FILE" in result.stderr and "kp deploy`" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_writing_without_a_key_is_refused(sepolia, tmp_path):
    result = run(
        ["participant", "admit", "UZ", "Uzbekistan", "--rpc-url", sepolia], tmp_path, dict(os.environ)
    )
    assert result.returncode == 2
    assert "give --account NAME or --key-env VAR" in result.stderr
