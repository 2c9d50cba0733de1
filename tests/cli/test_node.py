"""`kp node start|stop|status`."""

import json

import pytest

from kp_py.network import web3_for
from kp_py.node import LocalNode
from tests.cli.conftest import Kp

pytestmark = pytest.mark.anvil


def test_status_reports_the_running_node_and_its_deployment(kp):
    status = kp.ok("node", "status", "--json").json()
    assert status["running"] is True
    assert status["chain_id"] == 31337
    assert status["url"].startswith("http://127.0.0.1:")
    deployed = json.loads((kp.home / "deployments.json").read_text())["31337"]
    assert status["deployment"] == {k: deployed[k] for k in ("registry", "certificates", "block")}
    assert status["dev_accounts"][1] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    human = kp.ok("node", "status").out
    assert f"registry      {deployed['registry']}" in human


def test_start_finds_the_node_already_running(kp):
    url = kp.ok("node", "status", "--json").json()["url"]
    assert kp.ok("node", "start", "--json").json()["url"] == url


def test_a_node_keeps_its_chain_across_stop_and_start(tmp_path):
    kp = Kp(tmp_path / ".kp", tmp_path)
    assert kp.ok("node", "status", "--json").json() == {"running": False, "home": str(tmp_path / ".kp")}
    kp.ok("node", "start")
    try:
        kp.ok("deploy")
        proposed = kp.ok("participant", "admit", "UZ", "Uzbekistan", "--json").json()
        assert kp.ok("node", "stop", "--json").json() == {"stopped": True}
        assert "no local node running" in kp.ok("node", "status").out
        kp.ok("node", "start")
        shown = kp.ok("participant", "show", "UZ", "--json").json()  # the proposal is on the chain kept
        assert shown["standing"] == "none" and [p["id"] for p in shown["pending_proposals"]] == [
            proposed["id"]
        ]
    finally:
        kp("node", "stop")
    assert kp.ok("node", "stop").out.strip() == "no local node was running"


def test_commands_need_a_node_or_an_rpc_url(tmp_path):
    kp = Kp(tmp_path / ".kp", tmp_path)
    assert "no local node is running" in kp.refused("show", "AE-1")
    assert "cannot reach http://127.0.0.1:9" in kp.refused("show", "AE-1", "--rpc-url", "http://127.0.0.1:9")


def test_a_resumed_chain_keeps_its_clock(tmp_path):
    """anvil forgets a clock moved forward (as the demo and `enact` do, past a notice period) when
    it restarts, and stamped the next block hours before the last: a key valid from the last block
    was then refused, and a look-up by time went wrong. `kp node start` now resumes the clock."""
    node = LocalNode(tmp_path / ".kp")
    w3 = web3_for(node.start())
    try:
        w3.provider.make_request("evm_increaseTime", [7200])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        last = w3.eth.get_block("latest")["timestamp"]
        node.stop()
        w3 = web3_for(node.start())
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert w3.eth.get_block("latest")["timestamp"] > last
    finally:
        node.stop()


def test_a_restart_waits_a_moment_for_its_port(tmp_path):
    """A port still held for a moment after the node stopped (as on a busy machine) is waited for,
    not given up for another: scripts and wallets find the chain where they left it."""
    import socket
    import threading

    node = LocalNode(tmp_path / ".kp")
    port = int(node.start().rsplit(":", 1)[1])
    try:
        node.stop()
        holder = socket.socket()
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the stopped node's TIME_WAIT
        holder.bind(("127.0.0.1", port))
        holder.listen()
        threading.Timer(0.5, holder.close).start()  # let go of it within the wait
        assert node.start() == f"http://127.0.0.1:{port}"
    finally:
        node.stop()
