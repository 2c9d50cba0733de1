"""`kp deploy`."""

import json

import pytest

from kp_py.keys import dev_account

pytestmark = pytest.mark.anvil


def test_deploy_prints_and_records_the_addresses(kp, node_web3):
    data = kp.ok("deploy", "--chair", dev_account(5).address, "--json").json()
    assert data["chain_id"] == 31337
    assert data["deployer"] == dev_account(0).address
    assert data["rpc_url"].startswith("http://127.0.0.1:")
    assert data["roles"] == {"admin": dev_account(0).address, "chair": dev_account(5).address,
                             "secretariat": dev_account(0).address}  # fmt: skip
    for name in ("registry", "certificates"):
        assert node_web3.eth.get_code(data[name])
    recorded = json.loads((kp.home / "deployments.json").read_text())["31337"]
    assert (recorded["registry"], recorded["certificates"], recorded["block"]) == (
        data["registry"],
        data["certificates"],
        data["block"],
    )
    # The new deployment is the one commands now use: its Chair is account 5, not the deployer.
    assert "does not hold the role Chair" in kp.refused("participant", "admit", "UZ", "Uzbekistan")
    kp.ok("participant", "admit", "UZ", "Uzbekistan", "--dev", "5")


def test_deploy_to_an_rpc_url_needs_a_key(kp, node_web3):
    url = node_web3.provider.endpoint_uri
    assert "give --account NAME or --key-env VAR" in kp.refused("deploy", "--rpc-url", url)
    assert "--dev signs with a well-known development key" in kp.refused(
        "deploy", "--rpc-url", url, "--dev", "1"
    )


def test_bad_role_address(kp):
    assert "'0x12' is not a 0x address" in kp.refused("deploy", "--chair", "0x12")
