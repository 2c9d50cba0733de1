"""Public RPC providers cap eth_getLogs, each in its own words (issue 16): a range cap, a result cap
answered as Infura's -32005 (with or without a suggested range), Alchemy's "Log response size
exceeded" with a range that should work. Listing adapts the range down and back up by itself, never
waits out a cap as if it were a rate limit, and a provider that refuses logs altogether is one line."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from web3 import Web3

from kp_py import KP, Document, _logs, listing
from kp_py._logs import LogsRefused
from kp_py.index import Index
from kp_py.network import web3_for
from tests.conftest import document_data

pytestmark = pytest.mark.anvil
RANGE_CAP = 8  # blocks
RESULT_CAP = 3  # logs


class CappedProxy(ThreadingHTTPServer):
    """Forwards JSON-RPC to the node; answers eth_getLogs (alone or in a batch) as a capped
    provider of kind ``mode`` would, and counts the log queries. "tags" caps the range as "range"
    does, and refuses a query to "latest" for another reason than its range."""

    daemon_threads = True

    def __init__(self, upstream: str, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream, self.mode, self.queries = upstream, mode, 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def block(self, tag: str) -> int:
        """A block number, or the head's for "latest"."""
        if tag.startswith("0x"):
            return int(tag, 16)
        head = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})
        return int(self.forward(head.encode())["result"], 16)

    def forward(self, body: bytes) -> Any:
        request = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def refusal(self, query: dict[str, Any], answer: Any) -> dict[str, Any] | None:
        if not query["toBlock"].startswith("0x") and self.mode == "tags":  # refused for another reason
            return {"code": -32602, "message": f"invalid argument 0: unsupported tag {query['toBlock']}"}
        first, last = int(query["fromBlock"], 16), self.block(query["toBlock"])
        results = answer.get("result") or []
        if self.mode == "refuse":
            return {"code": -32601, "message": "the method eth_getLogs does not exist/is not available"}
        if self.mode in ("range", "tags") and last - first + 1 > RANGE_CAP:
            return {"code": -32600, "message": f"exceed maximum block range: {RANGE_CAP}"}
        if len(results) <= RESULT_CAP:
            return None
        fits = int(results[RESULT_CAP - 1]["blockNumber"], 16) - 1  # the range before the 3rd log's block
        suggestion = f"[{hex(first)}, {hex(max(first, fits))}]"
        if self.mode == "infura":
            return {"code": -32005, "message": f"query returned more than {RESULT_CAP} results. "
                    f"Try with this block range {suggestion}."}  # fmt: skip
        if self.mode == "infura-bare":
            return {"code": -32005, "message": f"query returned more than {RESULT_CAP} results"}
        if self.mode == "alchemy":
            return {"code": -32602, "message": "Log response size exceeded. You can make eth_getLogs "
                    "requests with up to a 2K block range and no limit on the response size, or you can "
                    f"request any block range with a cap of 10K logs in the response. Based on your "
                    f"parameters, this block range should work: {suggestion}"}  # fmt: skip
        return None


class _Handler(BaseHTTPRequestHandler):
    server: CappedProxy

    def log_message(self, *args: object) -> None:
        pass

    def capped(self, call: dict[str, Any], answer: Any) -> Any:
        if call.get("method") != "eth_getLogs":
            return answer
        self.server.queries += 1
        refusal = self.server.refusal(call["params"][0], answer)
        return answer if refusal is None else {"jsonrpc": "2.0", "id": call["id"], "error": refusal}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = json.loads(body)
        answer = self.server.forward(body)
        if isinstance(request, dict):
            answer = self.capped(request, answer)
        else:  # a batch: each of its log queries capped as a single one would be
            by_id = {a["id"]: a for a in answer}
            answer = [self.capped(call, by_id[call["id"]]) for call in request]
        raw = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def history(anvil_kp, anvil_accounts, anvil_web3):
    """Twelve certificates in a dense stretch of blocks, then a long empty stretch."""
    officer = anvil_kp.with_account(anvil_accounts[1])
    for i in range(12):
        officer.issue(
            Document.from_dict(document_data(holder=anvil_accounts[5].address, number=f"AE-CAP-{i}"))
        )
    anvil_web3.provider.make_request("anvil_mine", [hex(400)])  # type: ignore[arg-type]
    return sorted(c.number for c in anvil_kp.list_certificates())


@pytest.fixture
def through(anvil, anvil_kp):
    proxies: list[CappedProxy] = []

    def start(mode: str) -> tuple[KP, CappedProxy]:
        proxy = CappedProxy(str(anvil.status()["url"]), mode)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        proxies.append(proxy)
        return KP(web3_for(proxy.url), anvil_kp.deployment), proxy

    yield start
    for proxy in proxies:
        proxy.shutdown()


PASSES = 4  # list_certificates reads issues, mints, confirmations and voids


@pytest.mark.parametrize("mode", ["infura", "infura-bare", "alchemy"])
def test_listing_adapts_to_each_providers_cap_on_results(history, through, mode):
    kp, proxy = through(mode)
    started = time.monotonic()
    assert sorted(c.number for c in kp.list_certificates()) == history
    # Never waited out as a rate limit (8 retries with backoff, seconds per refusal), and the range
    # grows back after the dense stretch: a few dozen queries for some 400 blocks, not one per 4.
    assert time.monotonic() - started < 15
    blocks = kp.w3.eth.block_number - kp.deployment.block
    assert proxy.queries < 60 < blocks / 4, (proxy.queries, blocks)


def test_a_cap_on_the_range_is_learned_once(history, through):
    kp, proxy = through("range")
    assert sorted(c.number for c in kp.list_certificates()) == history
    blocks = kp.w3.eth.block_number - kp.deployment.block + 1
    # The cap is read from the refusal ("exceed maximum block range: 8") and kept for the provider:
    # one refusal, then ranges of 8 blocks, for all four passes.
    assert proxy.queries <= PASSES * -(-blocks // RANGE_CAP) + 1, (proxy.queries, blocks)


def test_a_provider_that_refuses_logs_is_one_line_at_once(history, through):
    kp, proxy = through("refuse")
    started = time.monotonic()
    with pytest.raises(
        LogsRefused, match=r"the node refused the logs of blocks \d+ to \d+: .*does not exist"
    ):
        kp.list_certificates()
    assert time.monotonic() - started < 3 and proxy.queries <= 3


@pytest.mark.parametrize("mode", ["infura", "infura-bare", "alchemy", "range"])
def test_the_index_builds_behind_each_kind_of_cap(history, through, mode, tmp_path):
    kp, _ = through(mode)
    index = Index.open(kp, tmp_path / "index.sqlite3")
    built = index.update()
    assert built.certificates == len(history) and built.last == kp.w3.eth.block_number
    kp.index = index
    assert sorted(c.number for c in kp.list_certificates()) == history
    assert kp.verify(history[0]).genuine


def test_an_index_behind_a_provider_that_refuses_logs_is_one_line(history, through, tmp_path):
    kp, _ = through("refuse")
    with pytest.raises(LogsRefused, match=r"the node refused the logs of blocks \d+ to \d+"):
        Index.open(kp, tmp_path / "index.sqlite3").update()


@pytest.mark.parametrize("mode", ["range", "infura", "alchemy", "tags", "refuse"])
def test_an_index_answers_alone_only_where_the_provider_says_so_plainly(history, through, mode, tmp_path):
    """`kp list` and `kp stats` read an index alone after a glance at the chain in plain JSON-RPC,
    without kp's patient provider. Its log query names blocks by number, which every kind of cap
    takes over the few blocks since the index ("tags" refuses "latest"); a provider that refuses
    it ("refuse": no logs at all) sends the list to the chain's reader, whose answer it is then."""
    kp, _ = through("range")
    index = Index.open(kp, tmp_path / "index.sqlite3")
    index.update()
    _, proxy = through(mode)
    head = kp.w3.eth.block_number
    alone = listing.at_head(Index.open_alone(kp.deployment, tmp_path / "index.sqlite3"), proxy.url, head)
    assert (alone is None) == (mode == "refuse"), mode
    assert proxy.queries == 1  # one log query, in the glance's one batch
    if alone is not None:
        assert sorted(c.number for c in listing.iter_certificates(alone)) == history


@pytest.mark.parametrize("mode", ["range", "infura", "infura-bare", "alchemy", "tags"])
def test_a_verification_behind_each_kind_of_cap(history, through, anvil_kp, anvil_accounts, mode):
    """A fresh client's verification probes the cap in its first batch (a wide log query for a
    topic no log has): each provider's words teach it or say nothing, and a provider that refuses
    the probe for another reason ("tags": it takes no "latest") is read as before."""
    number = history[-1]
    if anvil_kp.certificate(number).status == "issued":  # a status change to look up, too
        anvil_kp.with_account(anvil_accounts[2]).confirm_receipt(number)
    kp, proxy = through(mode)
    verification = kp.verify(number)
    assert verification.verdict == "GENUINE" and verification.change is not None
    assert verification == anvil_kp.verify(number)
    assert proxy.queries > 0
    assert kp.verify(history[0]) == anvil_kp.verify(history[0])


@pytest.mark.parametrize(
    ("refusal", "cap"),
    [
        ("exceed maximum block range: 2000", 2000),
        ("eth_getLogs is limited to a 10,000 range", 10_000),
        ("Under the Free tier plan, you can make eth_getLogs requests with up to a 10 block range", 10),
        ("block range too large, try [0x10, 0x1f]", 16),
        ("block range is too wide", None),  # names no cap: the windows learn it as they go
        ("query returned more than 10000 results. Try with this block range [0x1, 0x2].", None),
        ("invalid argument 0: unsupported tag latest", None),
        (None, None),  # answered: the provider allows the range
    ],
)
def test_the_probe_learns_a_cap_from_the_providers_words(refusal, cap):
    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:1"))
    assert _logs.unprobed(w3)
    _logs.probed(w3, refusal)
    assert _logs.range_cap(w3) == cap and not _logs.unprobed(w3)
