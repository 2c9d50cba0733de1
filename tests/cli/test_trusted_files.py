"""The command line does not trust the current folder (audit issue 12, finding 7): a planted
``./node_modules/.bin/anvil`` never runs, a planted ``./.kp/deployments.json`` never decides which
contract is kp's on a public chain, and every verdict names the chain, the contracts and where
their addresses came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kp_py.client import KP as Client
from kp_py.keys import dev_account
from kp_py.network import connect, web3_for
from kp_py.node import LocalNode
from kp_py.web import create_app
from tests.cli.conftest import Kp

pytestmark = pytest.mark.anvil
SEPOLIA = 11155111
PLANTED = "#!/bin/sh\ntouch '{marker}'\nexit 1\n"


def _plant_anvil(folder: Path) -> Path:
    """A program at ./node_modules/.bin/anvil that leaves a marker if it ever runs."""
    marker = folder / "planted-anvil-ran"
    script = folder / "node_modules" / ".bin" / "anvil"
    script.parent.mkdir(parents=True)
    script.write_text(PLANTED.format(marker=marker))
    script.chmod(0o755)
    return marker


def test_a_planted_anvil_in_the_current_folder_never_runs(tmp_path):
    marker = _plant_anvil(tmp_path)
    kp = Kp(tmp_path / "home", tmp_path)
    try:
        kp.ok("node", "start")
    finally:
        kp.ok("node", "stop")
    assert not marker.exists()


def test_kp_anvil_names_the_program_explicitly(tmp_path):
    marker = _plant_anvil(tmp_path)
    kp = Kp(tmp_path / "home", tmp_path)
    line = kp.refused("node", "start", env={"KP_ANVIL": str(tmp_path / "node_modules" / ".bin" / "anvil")})
    assert marker.exists() and "anvil exited with code 1" in line


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> tuple[str, dict[str, str], dict[str, str]]:
    """A node with Sepolia's chain id, kp deployed on it twice: the real deployment and a forger's.
    Returns the URL and the two deployments files' entries."""
    node = LocalNode(tmp_path_factory.mktemp("sepolia") / ".kp", chain_id=SEPOLIA)
    url = node.start()
    w3 = web3_for(url)
    real, forged = (Client.deploy(w3, dev_account(i)).deployment for i in (0, 9))
    entries = [
        {"registry": d.registry, "certificates": d.certificates, "block": d.block} for d in (real, forged)
    ]
    yield url, entries[0], entries[1]
    node.stop()


@pytest.fixture
def customs(tmp_path, public) -> tuple[Path, Path]:
    """A folder handed over by a trader, whose .kp/deployments.json names the forger's contracts for
    Sepolia; and a configuration folder (XDG_CONFIG_HOME) of the verifier's own."""
    _, _, forged = public
    folder = tmp_path / "customs"
    (folder / ".kp").mkdir(parents=True)
    (folder / ".kp" / "deployments.json").write_text(json.dumps({str(SEPOLIA): forged}))
    config = tmp_path / "config"
    config.mkdir()
    return folder, config


def _run(folder: Path, config: Path, *args: str, env: dict[str, str] | None = None):
    """`kp` in ``folder`` with no home named (KP_HOME unset) and ``config`` as XDG_CONFIG_HOME."""
    unset: dict[str, str | None] = {"KP_HOME": None, "KP_DEPLOYMENTS": None}
    return Kp(folder / ".kp", folder)(*args, env={**unset, "XDG_CONFIG_HOME": str(config), **(env or {})})


def test_a_planted_deployments_file_is_refused_on_a_public_chain(public, customs):
    url, _, forged = public
    folder, config = customs
    result = _run(folder, config, "verify", "AE-2024-000123", "--rpc-url", url)
    assert result.code == 2 and "Traceback" not in result.err
    line = result.err.strip()
    assert "\n" not in line and forged["certificates"] not in result.out
    assert line.startswith(f"kp: kp is not deployed on chain {SEPOLIA} in a file you named")
    assert "a folder's .kp/ is trusted for the local chain only: give --deployments" in line


def test_the_verifiers_own_configuration_is_used_and_named(public, customs):
    url, real, _ = public
    folder, config = customs
    (config / "kp").mkdir()
    (config / "kp" / "deployments.json").write_text(json.dumps({str(SEPOLIA): real}))
    result = _run(folder, config, "verify", "AE-2024-000123", "--rpc-url", url, "--json")
    assert result.code == 1  # unknown there: not genuine, and said so on the real contracts
    network = json.loads(result.out)["network"]
    assert network == {
        "chain_id": SEPOLIA,
        "registry": real["registry"],
        "certificates": real["certificates"],
        "deployment": str(config / "kp" / "deployments.json"),
    }
    text = _run(folder, config, "verify", "AE-2024-000123", "--rpc-url", url).out
    assert f"checked on chain {SEPOLIA}: certificates {real['certificates']}" in text
    assert f"(deployment: {config / 'kp' / 'deployments.json'})" in text


@pytest.mark.parametrize("how", ["--deployments", "KP_HOME"])
def test_a_deployments_file_named_by_the_user_is_trusted(public, customs, how):
    url, _, forged = public
    folder, config = customs
    planted = folder / ".kp" / "deployments.json"
    named = ["--deployments", str(planted)] if how == "--deployments" else []
    env = {"KP_HOME": str(folder / ".kp")} if how == "KP_HOME" else {}
    result = _run(folder, config, "verify", "AE-2024-000123", "--rpc-url", url, "--json", *named, env=env)
    network = json.loads(result.out)["network"]
    assert network["certificates"] == forged["certificates"] and network["deployment"] == str(planted)


def test_kp_deploy_on_a_public_chain_records_where_the_next_command_looks(public, tmp_path):
    url, _, _ = public
    folder, config = tmp_path / "office", tmp_path / "config"
    folder.mkdir()
    env = {"CHAIR_KEY": "0x" + dev_account(0).key.hex()}
    deployed = _run(
        folder,
        config,
        "deploy",
        "--rpc-url",
        url,
        "--key-env",
        "CHAIR_KEY",
        "--one-account-for-all-roles",
        "--json",
        env=env,
    )
    assert deployed.code == 0, deployed.err
    recorded = config / "kp" / "deployments.json"
    assert json.loads(deployed.out)["recorded_in"] == str(recorded) and not (folder / ".kp").exists()
    result = _run(folder, config, "participant", "admit", "UZ", "Uzbekistan", "--rpc-url", url,
                  "--key-env", "CHAIR_KEY", env=env)  # fmt: skip
    assert result.code == 0, result.err


def test_the_local_chain_trusts_the_home_and_names_it(kp):
    shown = kp("verify", "AE-404", "--json")
    assert shown.code == 1  # unknown: not genuine
    network = json.loads(shown.out)["network"]
    assert network["chain_id"] == 31337 and network["deployment"] == str(kp.home / "deployments.json")


def test_the_page_names_the_deployment(kp):
    client = create_app(connect(home=kp.home)).test_client()
    network = client.get("/api/certificates/AE-404").get_json()["network"]
    assert network["deployment"] == str(kp.home / "deployments.json")
    footer = client.get("/").get_data(as_text=True).split("<footer>")[1]
    assert network["registry"] in footer and f"(deployment: {kp.home / 'deployments.json'})" in footer
