"""`make bench`: round trips of a verification and a trace behind a capped provider (issue 16).

A counting JSON-RPC proxy stands in front of a fresh anvil node: it counts HTTP requests (round
trips) and the JSON-RPC calls inside them, refuses ``eth_getLogs`` over more than ``RANGE_CAP``
blocks as public providers do, and can add latency to every request. The chain is long and quiet
between the certificates (empty blocks mined 12 s apart), and a certificate has a 20-deep provenance
(a chain of re-exports, each receipt confirmed).

Two scales. The first chain is short (``LONG`` blocks) behind a cap of ``RANGE_CAP`` = 2 blocks: the
same ratio (1,000 windows) as two million blocks behind 2,000, so the scan ("before") can be run in
full. Then the same node grows to two million blocks (``MILLIONS``, mined in about two minutes:
anvil with ``--prune-history`` and the contracts' hardfork) and a verification and a trace run
behind a 2,000-block cap, as on a public network; there the scan runs for the verification only
(its trace would take thousands of calls of 2,000 blocks each).

"before" is kp's scan (what the library does where it cannot batch: the direct look-ups switched
off), "after" the direct look-ups. Prints a table, and writes its rows to benchmarks/results.json
(the other rows kept), in bench.py's form.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from web3 import Web3

from kp_py import KP, Document, _rpc
from kp_py._build import EVM_VERSION
from kp_py.document import Production
from kp_py.examples import example_document
from kp_py.index import Index
from kp_py.keys import dev_account
from kp_py.network import web3_for
from kp_py.node import LocalNode
from kp_py.plenary import decision

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
RANGE_CAP = 2  # blocks per eth_getLogs: 2,000 scaled down as the chain is (see the module's note)
LONG = 1_000  # empty blocks before the first certificate
GAP = 50  # empty blocks between two levels of the provenance
DEPTH = 20
LATENCY = 0.1  # seconds added to each request for the latency rows
MILLIONS = 2_000_000  # blocks of the long chain
PUBLIC_CAP = 2_000  # blocks per eth_getLogs on the long chain, as public providers allow
SECOND = 1  # seconds between the long chain's blocks (certificates expire 60 days after their issue)
LOT = "TRIPS-2024"


class CountingProxy(ThreadingHTTPServer):
    """JSON-RPC to ``upstream``, counted: ``requests`` (round trips) and ``calls``. ``range_cap``
    refuses wider ``eth_getLogs`` (as "exceed maximum block range: N"), ``batch`` is None (batches
    go), 0 (a batch is refused: HTTP 400) or a size above which a batch is "batch too large";
    ``delay`` is added to each request; the methods in ``refuse`` are answered "not available";
    ``times`` of logs' blocks are "kept", "none" (as an older node's logs) or "zero" (0x0, as a
    faulty gateway answered)."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str,
        *,
        range_cap: int | None = None,
        batch: int | None = None,
        delay: float = 0.0,
        refuse: frozenset[str] = frozenset(),
        times: str = "kept",
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream, self.range_cap, self.batch, self.delay = upstream, range_cap, batch, delay
        self.refuse, self.times = refuse, times
        self.requests = self.calls = 0
        self.seen: list[list[str]] = []  # the methods of each request
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reset(self) -> None:
        self.requests = self.calls = 0
        self.seen = []

    def answer(self, request: Any) -> tuple[int, Any]:
        """The HTTP status and the JSON answer to one request (a call or a batch)."""
        self.requests += 1
        self.seen.append([c.get("method") for c in (request if isinstance(request, list) else [request])])
        self.calls += len(request) if isinstance(request, list) else 1
        if isinstance(request, list) and self.batch is not None:
            if self.batch == 0:
                return 400, {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no batches"}}
            if len(request) > self.batch:
                error = {"code": -32600, "message": f"batch too large: at most {self.batch}"}
                return 200, {"jsonrpc": "2.0", "id": None, "error": error}
        calls = request if isinstance(request, list) else [request]
        refused = {i: self.refusal(call) for i, call in enumerate(calls)}
        forwarded = [call for i, call in enumerate(calls) if refused[i] is None]
        answers = iter(self.forward(forwarded) if forwarded else [])
        by_id = {a["id"]: a for a in answers}
        for call in forwarded:
            logs = by_id[call["id"]].get("result") if call.get("method") == "eth_getLogs" else None
            for log in logs if self.times != "kept" and isinstance(logs, list) else []:
                if self.times == "zero":
                    log["blockTimestamp"] = "0x0"
                else:
                    log.pop("blockTimestamp", None)
        out = [
            by_id[call["id"]]
            if refused[i] is None
            else {"jsonrpc": "2.0", "id": call["id"], "error": refused[i]}
            for i, call in enumerate(calls)
        ]
        return 200, out if isinstance(request, list) else out[0]

    def refusal(self, call: dict[str, Any]) -> dict[str, Any] | None:
        if call.get("method") in self.refuse:
            return {"code": -32601, "message": f"the method {call['method']} does not exist/is not available"}
        if call.get("method") != "eth_getLogs" or self.range_cap is None:
            return None
        query = call["params"][0]
        first, last = (query.get(k, "latest") for k in ("fromBlock", "toBlock"))
        if (
            not (first.startswith("0x") and last.startswith("0x"))
            or int(last, 16) - int(first, 16) >= self.range_cap
        ):
            return {"code": -32600, "message": f"exceed maximum block range: {self.range_cap}"}
        return None

    def forward(self, calls: list[Any]) -> list[Any]:
        body = json.dumps(calls).encode()
        request = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        return answer if isinstance(answer, list) else [answer]


class _Handler(BaseHTTPRequestHandler):
    server: CountingProxy

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.delay:
            time.sleep(self.server.delay)
        status, answer = self.server.answer(request)
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def mine(w3: Web3, blocks: int, interval: int = 12) -> None:
    """``blocks`` empty blocks, ``interval`` seconds apart (100,000 a request: each within the
    client's timeout)."""
    for start in range(0, blocks, 100_000):
        count = min(100_000, blocks - start)
        w3.provider.make_request("anvil_mine", [hex(count), hex(interval)])  # type: ignore[arg-type]


def setup(w3: Web3) -> tuple[KP, dict[str, KP]]:
    """kp deployed with AE and BW admitted, an authority each, AE's production registered."""
    chair = dev_account(0)
    kp = KP.deploy(w3, chair, notice_period=60)
    kp.enact_on_local_node(
        kp.propose([decision("admit", b"AE", "United Arab Emirates"), decision("admit", b"BW", "Botswana")])
    )
    officers = {"AE": dev_account(1), "BW": dev_account(2)}
    keys = [decision("addAuthority", a.address, c.encode(), 0, 2**40 - 1) for c, a in officers.items()]
    kp.enact_on_local_node(kp.propose(keys))
    signers = {code: kp.with_account(account) for code, account in officers.items()}
    period = {"from": "2024-01-01", "to": "2024-12-31"}
    lot = {"lot": LOT, "origin": "AE", "carats": "1000000.00", **period}
    signers["AE"].register_production(Production.from_dict(lot))
    return kp, signers


def provenance(
    signers: dict[str, KP], depth: int, gap: int, prefix: str = "TRIP", interval: int = 12
) -> list[str]:
    """A chain of ``depth`` re-exports between AE and BW, each drawing all of the one before and
    its receipt confirmed, ``gap`` empty blocks ``interval`` seconds apart between them; the
    numbers, oldest first."""
    numbers: list[str] = []
    for level in range(depth):
        exporting, importing = ("AE", "BW") if level % 2 == 0 else ("BW", "AE")
        number = f"{exporting}-{prefix}-{level}"
        parents = (
            [{"number": numbers[-1], "carats": "100.00"}]
            if numbers
            else [{"production": LOT, "carats": "100.00"}]
        )
        data = example_document(
            dev_account(5).address, number=number, exporting=exporting, importing=importing,
            origins=["AE"], carats="100.00", parents=parents,
        )  # fmt: skip
        signers[exporting].issue(Document.from_dict(data))
        signers[importing].confirm_receipt(number)
        numbers.append(number)
        mine(signers[exporting].w3, gap, interval)
    return numbers


@contextmanager
def scanning() -> Iterator[None]:
    """kp as before the direct look-ups: every event found by scanning the logs."""
    supported = _rpc.supported
    _rpc.supported = lambda w3: False  # type: ignore[assignment]
    try:
        yield
    finally:
        _rpc.supported = supported  # type: ignore[assignment]


def counted(
    proxy: CountingProxy, kp: KP, work: Callable[[KP], object], index: Path | None = None
) -> tuple[int, int, float]:
    """Round trips, calls and seconds of ``work`` with a fresh client (nothing learned yet), reading
    from the SQLite ``index`` if given (`kp index`)."""
    fresh = KP(web3_for(proxy.url), kp.deployment)
    if index is not None:
        fresh.index = Index.open(fresh, index)
    proxy.reset()
    started = time.monotonic()
    work(fresh)
    return proxy.requests, proxy.calls, time.monotonic() - started


rows: list[dict[str, Any]] = []


def row(name: str, value: float, unit: str, target: str | None, baseline: float | None) -> None:
    """A row as bench.py writes them (lower is better for all of these)."""
    ratio = round(value / baseline, 3) if baseline else None
    rows.append({
        "name": name, "value": round(value, 3), "unit": unit, "target": target,
        "baseline": None if baseline is None else round(baseline, 3), "ratio": ratio, "better": "lower",
    })  # fmt: skip
    base = "" if baseline is None else f"{baseline:>12,.1f}"
    shown = "" if ratio is None else f"{ratio:>7.3f}x"
    print(f"{name:52} {value:>10,.1f} {unit:12} {target or '':>10} {base:>12} {shown:>9}", flush=True)


def measure(w3: Web3, url: str) -> None:
    kp, signers = setup(w3)
    mine(w3, LONG)
    (single,) = provenance(signers, 1, GAP, prefix="ONE")
    chain = provenance(signers, DEPTH, GAP)
    blocks = w3.eth.block_number - kp.deployment.block
    print(f"{blocks} blocks since the deployment, eth_getLogs capped at {RANGE_CAP} blocks")
    print(f"{'':52} {'value':>10} {'unit':12} {'target':>10} {'before':>12} {'ratio':>9}")
    capped = CountingProxy(url, range_cap=RANGE_CAP)
    cases: list[tuple[str, Callable[[KP], object], str]] = [
        # The targets of issue 16: a verification in three, a trace in one a level (the root's too).
        ("verify, no parents but its production", lambda k: k.verify(single), "3"),
        (f"trace, {DEPTH}-deep provenance", lambda k: k.trace(chain[-1]), f"~{DEPTH + 1}"),
    ]
    slow = CountingProxy(url, range_cap=RANGE_CAP, delay=LATENCY)
    shown = f"{LATENCY * 1000:.0f} ms a request"
    folder = Path(tempfile.mkdtemp())
    database = folder / "index.sqlite3"
    Index.open(kp, database).update()  # `kp index`, straight to the node
    for name, work, target in cases:
        indexed = counted(capped, kp, work, database)
        row(f"{name}, from the index: round trips", indexed[0], "requests", target, None)
        with scanning():
            before = counted(capped, kp, work)
        after = counted(capped, kp, work)
        row(f"{name}: round trips", after[0], "requests", target, before[0])
        row(f"{name}: JSON-RPC calls", after[1], "calls", None, before[1])
        # The scan at this latency would take minutes to hours: its time is its time without
        # latency plus its round trips times the latency (what the proxy would add).
        waited = statistics.median(counted(slow, kp, work)[2] for _ in range(3))
        row(f"{name}, {shown} (before: estimated)", waited, "s", None, before[2] + before[0] * LATENCY)
    shutil.rmtree(folder, ignore_errors=True)
    two_million_blocks(w3, url, kp, signers)


def two_million_blocks(w3: Web3, url: str, kp: KP, signers: dict[str, KP]) -> None:
    """The chain grown to ``MILLIONS`` blocks: half of them quiet before a certificate and a
    ``DEPTH``-deep provenance, the other half between its levels; then a verification and a trace
    behind a ``PUBLIC_CAP``-block cap."""
    started = time.monotonic()
    gap = MILLIONS // 2 // DEPTH
    mine(w3, MILLIONS // 2, SECOND)
    (single,) = provenance(signers, 1, gap, prefix="LONE", interval=SECOND)
    chain = provenance(signers, DEPTH, gap, prefix="LONG", interval=SECOND)
    head = w3.eth.block_number
    mined = time.monotonic() - started
    print(f"\n{head:,} blocks (made in {mined:.0f} s), eth_getLogs capped at {PUBLIC_CAP:,} blocks")
    capped = CountingProxy(url, range_cap=PUBLIC_CAP)
    name = f"verify on {head / 1e6:.1f} million blocks, {PUBLIC_CAP:,}-block cap"
    with scanning():
        before = counted(capped, kp, lambda k: k.verify(single))
    after = counted(capped, kp, lambda k: k.verify(single))
    row(f"{name}: round trips", after[0], "requests", "a handful", before[0])
    row(f"{name}: JSON-RPC calls", after[1], "calls", None, before[1])
    row(f"{name}: seconds", after[2], "s", None, before[2])
    traced = counted(capped, kp, lambda k: k.trace(chain[-1]))
    name = f"trace {DEPTH}-deep on {head / 1e6:.1f} million blocks, {PUBLIC_CAP:,}-block cap"
    row(f"{name}: round trips", traced[0], "requests", f"~{DEPTH + 1}", None)
    row(f"{name}: JSON-RPC calls", traced[1], "calls", None, None)
    # Questions over every certificate: `kp index` from scratch, and `kp list` with no index.
    with tempfile.TemporaryDirectory() as folder:
        fresh = iter(range(3))
        build = lambda k: Index.open(k, Path(folder) / f"{next(fresh)}.sqlite3").update()  # noqa: E731
        with scanning():
            before = counted(capped, kp, build)
        after = counted(capped, kp, build)
    name = f"kp index on {head / 1e6:.1f} million blocks, {PUBLIC_CAP:,}-block cap"
    row(f"{name}: round trips", after[0], "requests", None, before[0])
    row(f"{name}: seconds", after[2], "s", None, before[2])
    with scanning():
        before = counted(capped, kp, lambda k: k.list_certificates())
    after = counted(capped, kp, lambda k: k.list_certificates())
    name = f"kp list, no index, on {head / 1e6:.1f} million blocks, {PUBLIC_CAP:,}-block cap"
    row(f"{name}: round trips", after[0], "requests", None, before[0])
    row(f"{name}: seconds", after[2], "s", None, before[2])


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        # Two million blocks fit in memory with states pruned (their logs are kept) and not saved
        # to disk every few seconds; anvil mines empty blocks several times faster on the
        # contracts' hardfork than on its default.
        options = ("--prune-history", "--hardfork", EVM_VERSION)
        node = LocalNode(Path(home) / ".kp", options=options, keep_state=False)
        url = node.start()
        try:
            measure(Web3(Web3.HTTPProvider(url)), url)
        finally:
            node.stop()
    kept = [r for r in json.loads(RESULTS.read_text()) if r["name"] not in {n["name"] for n in rows}]
    RESULTS.write_text(json.dumps(kept + rows, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)} (its other rows kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
