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
