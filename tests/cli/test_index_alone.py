"""`kp list` and `kp stats` from an index the chain has nothing after: answered from the index alone,
in a process that never imports web3 (most of a second of start-up; issue 16's < 1 s over 300,000),
and the same answer as the chain's. A certificate, a void or a confirmation after the index, a
reorganisation under it, or a node that does not answer the glance plainly, and they read the
chain as well, as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kp_py import _jsonrpc, listing
from kp_py.deployments import find_deployment
from kp_py.index import Index, found_at_home
from kp_py.records import Deployment
from tests.cli.conftest import AE, BW, HOLDER, Kp
from tests.cli.test_index import issue, listed

pytestmark = pytest.mark.anvil

CHAIN_READERS = ("web3", "eth_abi", "eth_utils", "eth_account", "requests")
# `kp` in a fresh interpreter, saying at its exit which of the chain's readers it imported.
LOADED = f"""
import runpy, sys
sys.argv = ["kp", *sys.argv[1:]]
try:
    runpy.run_module("kp_py.cli", run_name="__main__")
finally:
    print("loaded:" + ",".join(m for m in {CHAIN_READERS!r} if m in sys.modules), file=sys.stderr)
"""


def fresh(kp: Kp, *args: str) -> tuple[Any, set[str]]:
    """`kp args` in a new process: what it printed (JSON), and the chain's readers it imported."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        cwd=kp.folder,
        env={**os.environ, "KP_HOME": str(kp.home), "KP_PROGRESS": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].removeprefix("loaded:")
    return json.loads(done.stdout), set(filter(None, loaded.split(",")))


def test_a_current_index_answers_alone_without_importing_web3(kp, tmp_path):
    issue(kp, tmp_path, "AE-AL-1", "AE-AL-2", "AE-AL-3")
    kp.ok("void", "AE-AL-2", "--reason", "lost", *AE)
    kp.ok("confirm", "AE-AL-3", *BW)
    index = str(tmp_path / "index.sqlite3")
    kp.ok("index", "--index", index)
    rows, loaded = fresh(kp, "list", "--json", "--index", index)
    assert loaded == set() and rows == listed(kp, "--index", "none")
    assert {r["number"]: r["status"] for r in rows if "-AL-" in r["number"]} == {
        "AE-AL-1": "issued",
        "AE-AL-2": "voided",
        "AE-AL-3": "receipt confirmed",
    }
    for filters in (["--status", "voided"], ["--exporting", "AE", "--since", "2020-01-01"]):
        rows, loaded = fresh(kp, "list", "--json", "--index", index, *filters)
        assert loaded == set() and rows == listed(kp, "--index", "none", *filters)
    rows, loaded = fresh(kp, "list", "--json", "--index", index, "--holder", HOLDER.address.lower())
    assert "web3" not in loaded and rows == listed(kp, "--index", "none", "--holder", HOLDER.address)
    summed, loaded = fresh(kp, "stats", "--json", "--index", index, "--period", "year")
    assert (
        loaded == set() and summed == kp.ok("stats", "--json", "--index", "none", "--period", "year").json()
    )


def test_the_homes_index_is_found_and_answers_alone(kp, tmp_path):
    issue(kp, tmp_path, "AE-AL-HOME")
    kp.ok("index")  # the home's: index/<chain>-<certificates>.sqlite3
    deployment = find_deployment(31337, [kp.home / "deployments.json"])
    home_index = found_at_home(deployment, kp.home)
    assert home_index is not None
    try:
        rows, loaded = fresh(kp, "list", "--json")
        assert loaded == set() and "AE-AL-HOME" in [r["number"] for r in rows]
        assert rows == listed(kp, "--index", "none")
    finally:
        home_index.unlink()  # the node is shared: the next test starts without it


@pytest.mark.parametrize("after", ["issue", "void", "confirm"])
def test_anything_after_the_index_is_read_from_the_chain_as_well(kp, tmp_path, after):
    issue(kp, tmp_path, "AE-AL-4")
    index = str(tmp_path / "index.sqlite3")
    kp.ok("index", "--index", index)
    if after == "issue":
        issue(kp, tmp_path, "AE-AL-LATER")
    elif after == "void":
        kp.ok("void", "AE-AL-4", "--reason", "fraud", *AE)
    else:
        kp.ok("confirm", "AE-AL-4", *BW)
    rows, loaded = fresh(kp, "list", "--json", "--index", index)
    assert "web3" in loaded and rows == listed(kp, "--index", "none")
    told = {r["number"]: r["status"] for r in rows}
    assert (
        told.get("AE-AL-LATER" if after == "issue" else "AE-AL-4")
        == {
            "issue": "issued",
            "void": "voided",
            "confirm": "receipt confirmed",
        }[after]
    )
    summed, loaded = fresh(kp, "stats", "--json", "--index", index)
    assert "web3" in loaded and summed == kp.ok("stats", "--json", "--index", "none").json()


def test_an_index_off_the_chain_does_not_answer_alone(kp, tmp_path, node_web3):
    fork = node_web3.provider.make_request("evm_snapshot", [])["result"]
    issue(kp, tmp_path, "AE-AL-DROPPED")
    index = str(tmp_path / "index.sqlite3")
    kp.ok("index", "--index", index)
    node_web3.provider.make_request("evm_revert", [fork])  # the indexed block is dropped ...
    node_web3.provider.make_request("evm_mine", [])  # ... and another mined in its place
    node_web3.provider.make_request("evm_mine", [])
    rows, loaded = fresh(kp, "list", "--json", "--index", index)
    assert "web3" in loaded and "AE-AL-DROPPED" not in [r["number"] for r in rows]
    assert rows == listed(kp, "--index", "none")


class Hostile(ThreadingHTTPServer):
    """A node that answers every request with ``body``."""

    daemon_threads = True

    def __init__(self, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.body = body
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer(BaseHTTPRequestHandler):
    server: Hostile

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)


def _answers(*results: object) -> bytes:
    return json.dumps([{"jsonrpc": "2.0", "id": i, "result": r} for i, r in enumerate(results)]).encode()


NESTED = """
import sys
from kp_py import _jsonrpc
try:
    _jsonrpc.call(sys.argv[1], "eth_blockNumber", [])
except _jsonrpc.Unanswered as refusal:
    print(refusal)
"""


def hostile_answers(last_hash: str) -> dict[str, bytes]:
    """Answers to the glance that are wrong in one way each; all else as a node would say it."""
    block, code, read = {"timestamp": "0x10"}, "0x60", {"hash": last_hash}
    lists = [{"jsonrpc": "2.0", "id": [i], "result": "0x1"} for i in range(4)]
    return {
        "not JSON": b"<html>502 Bad Gateway</html>",
        "ids that are lists": json.dumps(lists).encode(),
        "one answer for the batch": json.dumps({"jsonrpc": "2.0", "id": 0, "result": block}).encode(),
        "a block that is a number": _answers(7, code, [], read),
        "logs that are not a list": _answers(block, code, "none", read),
        "a log without its block": _answers(block, code, [{"data": "0x"}], read),
        "no contract": _answers(block, "0x", [], read),
        "more than the glance reads": _answers(block, code, [], {**read, "x": "0" * 2_000_000}),
    }


def test_the_glance_is_one_batch_and_wants_a_plain_answer(kp, tmp_path, cli_home, node_web3):
    issue(kp, tmp_path, "AE-AL-5")
    where = tmp_path / "index.sqlite3"
    kp.ok("index", "--index", str(where))
    deployment = find_deployment(31337, [cli_home / "deployments.json"])
    index = Index.open_alone(deployment, where)
    url, head = str(json.loads((cli_home / "node.json").read_text())["url"]), node_web3.eth.block_number
    try:
        alone = listing.at_head(index, url, head)
        assert alone is not None and alone.index is index
        for elsewhere in ("http://127.0.0.1:9/", "not a url", f"file://{where}"):  # urllib reads files
            assert listing.at_head(index, elsewhere, head) is None
        plain = Hostile(_answers({"timestamp": "0x10"}, "0x60", [], {"hash": index.last_read()[1]}))
        try:  # the same answers, plainly said, are believed: each refusal below is its one fault's
            assert listing.at_head(index, plain.url, head) == listing.AtHead(index, 16)
        finally:
            plain.shutdown()
        for name, body in hostile_answers(index.last_read()[1]).items():
            hostile = Hostile(body)
            try:
                assert listing.at_head(index, hostile.url, head) is None, name
            finally:
                hostile.shutdown()
        nested = Hostile(b"[" * 100_000)
        try:  # JSON nested past Python's stack, in a process as kp's (here, py-evm raised the limit)
            said = subprocess.run(
                [sys.executable, "-c", NESTED, nested.url], capture_output=True, text=True, timeout=60
            )
            assert said.returncode == 0 and said.stdout.strip() == "answered no JSON-RPC", said
        finally:
            nested.shutdown()
        with pytest.raises(Exception, match="answer alone"):
            index.update()  # an index opened to answer alone follows no chain
    finally:
        index.close()


def test_an_empty_index_of_a_deployment_the_chain_does_not_hold_does_not_answer(
    tmp_path, cli_home, node_web3
):
    """A reset node, or a deployments file of another chain: no contract where the file says, so no
    list is made from an empty index; the chain's reader says what is wrong."""
    recorded = find_deployment(31337, [cli_home / "deployments.json"])
    nowhere = replace(recorded, certificates="0x" + "12" * 20)
    index = Index.open_alone(nowhere, tmp_path / "empty.sqlite3")
    url = str(json.loads((cli_home / "node.json").read_text())["url"])
    try:
        assert index.last_read() is None and listing.at_head(index, url, node_web3.eth.block_number) is None
    finally:
        index.close()


def test_the_homes_index_is_found_whatever_the_case_of_the_recorded_address(tmp_path):
    address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
    (tmp_path / "index").mkdir()
    kept = tmp_path / "index" / f"31337-{address}.sqlite3"  # as `kp index` names it: checksummed
    kept.touch()
    recorded = Deployment(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3", address.lower(), 1)
    assert found_at_home(recorded, tmp_path) == kept
    assert found_at_home(replace(recorded, chain_id=1), tmp_path) is None
    assert found_at_home(replace(recorded, certificates="0x" + "ab" * 20), tmp_path) is None


def test_the_glance_reads_only_http(tmp_path):
    """urllib would read a local file as the node's answer (and POST nothing): refused before."""
    planted = tmp_path / "answer.json"
    planted.write_text(json.dumps({"jsonrpc": "2.0", "id": 0, "result": "0x7a69"}))
    with pytest.raises(_jsonrpc.Unanswered, match="not an http"):
        _jsonrpc.call(planted.as_uri(), "eth_chainId", [])
