"""`kp issue` killed with SIGKILL at any moment, then run again: every certificate is issued
exactly once, and every issued file matches its certificate on chain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kp_py import IssuedDocument, connect
from kp_py.node import LocalNode
from tests.cli.conftest import HOLDER
from tests.conftest import document_data

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
COUNT = 24


def start(folder, home, paths):
    env = {**os.environ, "KP_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "kp_py.cli",
        "issue",
        *map(str, paths),
        "--batch-size",
        "1",
        "--dev",
        "1",
    ]
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def issued_files(folder):
    return sorted(folder.glob("*.issued.json"))


def test_sigkill_mid_batch_then_rerun_issues_each_exactly_once(kp, tmp_path):
    paths = []
    for i in range(COUNT):
        path = tmp_path / f"cert-{i:02d}.json"
        path.write_text(json.dumps(document_data(holder=HOLDER.address, number=f"AE-CRASH-{i}")))
        paths.append(path)

    for kill_after in (2, 9, 17):  # three crashes at different points of the run
        process = start(tmp_path, kp.home, paths)
        deadline = time.monotonic() + 60
        while (
            len(issued_files(tmp_path)) < kill_after
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert kill_after <= len(issued_files(tmp_path)) < COUNT
    assert LocalNode(kp.home).status() is not None  # the node outlives the killed command
    final = start(tmp_path, kp.home, paths)
    assert final.wait(timeout=120) == 0, final.stderr.read().decode() if final.stderr else ""

    assert len(issued_files(tmp_path)) == COUNT
    assert list(tmp_path.glob("*.pending.json")) == []
    client = connect(home=kp.home)
    listed = client.list_certificates()
    assert sorted(c.number for c in listed) == sorted(f"AE-CRASH-{i}" for i in range(COUNT))  # once each
    on_chain = {c.number: c for c in client.certificates_of([f"AE-CRASH-{i}" for i in range(COUNT)])}
    for path in issued_files(tmp_path):
        issued = IssuedDocument.from_json(path.read_text())
        assert on_chain[issued.document.number].commitment == issued.commitment


def test_a_batch_still_pending_is_waited_for_not_sent_again(kp, node_web3, tmp_path):
    """A slow chain: the run is killed while its first batch waits to be mined. The next run finds
    the transaction in the journal and waits for it, and sends that batch nothing more (it could
    only revert); then it issues the rest."""
    paths = []
    for i in range(3):
        path = tmp_path / f"slow-{i}.json"
        path.write_text(json.dumps(document_data(holder=HOLDER.address, number=f"AE-SLOW-{i}")))
        paths.append(path)
    journal = tmp_path / "slow-0.pending.json"
    officer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # development account 1
    node_web3.provider.make_request("evm_setAutomine", [False])
    try:
        first = start(tmp_path, kp.home, paths)  # batches of one
        deadline = time.monotonic() + 60
        while not (journal.exists() and "transaction" in journal.read_text(errors="replace")):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        time.sleep(0.3)  # the transaction reaches the node's pool
        first.send_signal(signal.SIGKILL)
        first.wait()
        sent = node_web3.eth.get_transaction_count(officer, "pending")
        second = start(tmp_path, kp.home, paths)
        time.sleep(2)
        assert second.poll() is None  # waiting for the first run's transaction
        assert node_web3.eth.get_transaction_count(officer, "pending") == sent  # and sending nothing
        node_web3.provider.make_request("evm_mine", [])
    finally:
        node_web3.provider.make_request("evm_setAutomine", [True])
    assert second.wait(timeout=60) == 0, second.stderr.read().decode() if second.stderr else ""
    assert node_web3.eth.get_transaction_count(officer) == sent + 2  # the two other batches only
    assert len(issued_files(tmp_path)) == 3 and list(tmp_path.glob("*.pending.json")) == []
    numbers = [c.number for c in connect(home=kp.home).list_certificates() if c.number.startswith("AE-SLOW")]
    assert sorted(numbers) == ["AE-SLOW-0", "AE-SLOW-1", "AE-SLOW-2"]
