"""`make bench`: gas and speed of kp, against baselines measured in the same run.

Starts a fresh anvil node, deploys kp and two baseline contracts (a plain OpenZeppelin ERC-721 mint
of a locked token with a stored hash; a hash-only document store), and measures:

* gas, from receipts: issue (existing holder, new holder), a batch of 100 per certificate, confirm,
  void, deployment; each against the baseline closest to it;
* throughput of the Python client against the same node: one certificate per transaction (against a
  bare web3 loop sending the same kind of signed transactions), batches, bulk and single
  verification, listing and statistics over 10,000 certificates.

Timings are medians over repeated runs (the machines are shared and noisy). Prints a table and
writes benchmarks/results.json: rows of name, value, unit, target, baseline, ratio.
"""

from __future__ import annotations

import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils import to_checksum_address
from web3 import Web3

from kp_py import KP, Deployment, Document, listing
from kp_py._abi import encode_call, encode_deploy
from kp_py._build import compile_contracts
from kp_py._tx import Sender
from kp_py.deployments import record_deployment
from kp_py.document import PaperCertificate, Production, commitment, new_salts
from kp_py.examples import example_document, example_paper
from kp_py.index import COLUMNS, Index
from kp_py.keys import dev_account
from kp_py.network import web3_for
from kp_py.node import LocalNode
from kp_py.plenary import decision

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
REPEATS = 5
NOTICE = 60  # seconds: the notice period of the benchmark's deployment
# kp 2.0.0's direct admission by the Chair (one transaction, no notice): the baseline of the plenary
# rows, measured on that version's registry before issue 13 (docs/gas.md).
DIRECT_ADMIT_V2 = 83_000
rows: list[dict[str, Any]] = []


def row(
    name: str, value: float, unit: str, target: str | None, baseline: float | None, lower_is_better: bool
) -> None:
    ratio = None
    if baseline:
        ratio = round(value / baseline, 3)
    rows.append(
        {
            "name": name,
            "value": round(value, 3),
            "unit": unit,
            "target": target,
            "baseline": None if baseline is None else round(baseline, 3),
            "ratio": ratio,
            "better": "lower" if lower_is_better else "higher",
        }
    )
    base = "" if baseline is None else f"{baseline:>12,.1f}"
    shown_ratio = "" if ratio is None else f"{ratio:>7.2f}x"
    print(f"{name:44} {value:>12,.1f} {unit:8} {target or '':>14} {base:>12} {shown_ratio:>8}", flush=True)


def median_of(measure: Callable[[], float], repeats: int = REPEATS) -> float:
    return statistics.median(measure() for _ in range(repeats))


LOT = "BENCH-2024"


def plenary_rows(kp: KP, objector: Any) -> None:
    """What letting someone in costs through the plenary: proposing, objecting, withdrawing and
    executing an admission, against kp 2.0.0's direct admission."""
    codes = iter(f"{a}{b}" for a in "QRST" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def propose() -> tuple[int, Any]:
        made = kp.propose([decision("admit", next(codes).encode(), "Bench")])
        (sent,) = kp.w3.eth.get_block("latest")["transactions"]  # the local node mines each at once
        return int(kp.w3.eth.get_transaction_receipt(sent)["gasUsed"]), made  # type: ignore[arg-type]

    row("propose an admission", median_of(lambda: propose()[0]), "gas", None, DIRECT_ADMIT_V2, True)
    bw = kp.with_account(objector)
    row(
        "object to a proposal",
        median_of(lambda: bw.object_to(propose()[1].id)["gasUsed"]),
        "gas",
        None,
        None,
        True,
    )
    row(
        "withdraw a proposal",
        median_of(lambda: kp.withdraw_proposal(propose()[1].id)["gasUsed"]),
        "gas",
        None,
        None,
        True,
    )
    ready = [propose()[1] for _ in range(REPEATS)]
    executed = [kp.enact_on_local_node(p)["gasUsed"] for p in ready]
    row("execute an admission", statistics.median(executed), "gas", None, DIRECT_ADMIT_V2, True)


def document(number: str, holder: str) -> Document:
    """A first export of the UAE's own rough, drawn on its registered production (``LOT``), the same
    each time but for its number."""
    parents = [{"production": LOT, "origins": ["AE"]}]
    return Document.from_dict(example_document(holder, number=number, parents=parents))


def production(origin: str, lot: str = LOT) -> Production:
    period = {"from": "2024-01-01", "to": "2024-12-31"}
    return Production.from_dict({"lot": lot, "origin": origin, "carats": "100000000.00", **period})


class Numbers:
    """Fresh certificate numbers."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"AE-B-{self.count}"


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        # The chain in memory only: a node that writes its state to disk every 5 s (as `kp node
        # start`'s does) slows whatever runs then, a build of the index by a third.
        node = LocalNode(Path(home) / ".kp", keep_state=False)
        url = node.start()
        try:
            run(Web3(Web3.HTTPProvider(url)))
        finally:
            node.stop()
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 0


def run(w3: Web3) -> None:
    chair, officer, importer, holder = dev_account(0), dev_account(1), dev_account(2), dev_account(5)
    deployer = Sender(w3, chair)
    registry_receipt = deployer.deploy(encode_deploy("KPRegistry", [chair.address] * 3 + [NOTICE]))
    registry = str(registry_receipt["contractAddress"])
    certificates_receipt = deployer.deploy(encode_deploy("KPCertificates", [registry, ""]))
    deployment = Deployment(
        w3.eth.chain_id,
        registry,
        str(certificates_receipt["contractAddress"]),
        registry_receipt["blockNumber"],
    )
    kp = KP(w3, deployment, chair)
    founders = [decision("admit", b"AE", "United Arab Emirates"), decision("admit", b"BW", "Botswana")]
    kp.enact_on_local_node(kp.propose(founders))
    keys = [
        decision("addAuthority", a.address, c, 0, 2**40 - 1) for a, c in ((officer, b"AE"), (importer, b"BW"))
    ]
    kp.enact_on_local_node(kp.propose(keys))
    uae, bw = kp.with_account(officer), kp.with_account(importer)
    number = Numbers()
    made = uae.register_production(production("AE"))
    bw.register_production(production("BW"))

    print(f"{'':44} {'value':>12} {'unit':8} {'target':>14} {'baseline':>12} {'ratio':>8}")
    plenary_rows(kp, importer)  # issue 13: letting someone in through the plenary
    baselines = compile_contracts("benchmarks/contracts", ("BaselineLockedToken", "BaselineDocumentStore"))
    base_sender = Sender(w3, officer)
    token = str(
        base_sender.deploy(bytes.fromhex(baselines["BaselineLockedToken"]["bytecode"][2:]))["contractAddress"]
    )
    store = str(
        base_sender.deploy(bytes.fromhex(baselines["BaselineDocumentStore"]["bytecode"][2:]))[
            "contractAddress"
        ]
    )

    def baseline_gas(address: str, abi_name: str, name: str, args: list[Any]) -> int:
        from eth_abi import encode
        from eth_utils import function_signature_to_4byte_selector

        (item,) = [i for i in baselines[abi_name]["abi"] if i.get("name") == name and i["type"] == "function"]
        types = [i["type"] for i in item["inputs"]]
        data = function_signature_to_4byte_selector(f"{name}({','.join(types)})") + encode(types, args)
        return int(base_sender.send(address, data)["gasUsed"])

    # ------------------------------------------------------------------ gas
    row("deploy registry", registry_receipt["gasUsed"], "gas", None, None, True)
    row("deploy certificates", certificates_receipt["gasUsed"], "gas", None, None, True)
    row("register production", made["gasUsed"], "gas", None, None, True)

    def gas_of(receipt: Any) -> int:
        return int(receipt["gasUsed"])

    uae.issue(document(number(), holder.address))  # the holder now holds one
    existing = median_of(
        lambda: gas_of(
            w3.eth.get_transaction_receipt(uae.issue(document(number(), holder.address)).transaction)
        )
    )
    next_id = iter(range(1, 10**9))
    baseline_gas(
        token, "BaselineLockedToken", "mint", [holder.address, next(next_id), secrets.token_bytes(32)]
    )
    baseline_mint_existing = median_of(
        lambda: baseline_gas(
            token, "BaselineLockedToken", "mint", [holder.address, next(next_id), secrets.token_bytes(32)]
        )
    )
    row("issue, a first export (existing holder)", existing, "gas", "<= 96,000", baseline_mint_existing, True)

    new = median_of(
        lambda: gas_of(
            w3.eth.get_transaction_receipt(
                uae.issue(document(number(), Account.create().address)).transaction
            )
        )
    )
    baseline_mint_new = median_of(
        lambda: baseline_gas(
            token,
            "BaselineLockedToken",
            "mint",
            [Account.create().address, next(next_id), secrets.token_bytes(32)],
        )
    )
    row("issue, a first export (new holder)", new, "gas", "<= 115,000", baseline_mint_new, True)

    # Holder-key squatting (audit finding 1): an address sharing a new holder's low 95 bits was
    # issued to first; the holder is displaced to a key of its own, at one more slot, once.
    def displaced_gas() -> int:
        victim = Account.create().address
        squatter = (0xDEADBEEF << 96 | int(victim, 16) % 2**96).to_bytes(20, "big")
        uae.issue(document(number(), to_checksum_address(squatter)))
        return gas_of(w3.eth.get_transaction_receipt(uae.issue(document(number(), victim)).transaction))

    row("issue to a new holder displaced by a squatter", median_of(displaced_gas), "gas", None, new, True)

    def batch_gas() -> float:
        issued = uae.issue_batch([document(number(), holder.address) for _ in range(100)])
        return gas_of(w3.eth.get_transaction_receipt(issued[0].transaction)) / 100

    per_certificate = median_of(batch_gas, 3)
    hash_store = median_of(
        lambda: baseline_gas(store, "BaselineDocumentStore", "issue", [secrets.token_bytes(32)])
    )
    row("issue batch of 100 (per certificate)", per_certificate, "gas", "<= 58,000", hash_store, True)

    pending = [uae.issue(document(number(), holder.address)).document.number for _ in range(2 * REPEATS)]
    confirm = median_of(lambda: gas_of(bw.confirm_receipt(pending.pop())))
    revoked = []
    for _ in range(REPEATS):
        h = secrets.token_bytes(32)
        baseline_gas(store, "BaselineDocumentStore", "issue", [h])
        revoked.append(h)
    hash_revoke = median_of(lambda: baseline_gas(store, "BaselineDocumentStore", "revoke", [revoked.pop()]))
    row("confirm receipt", confirm, "gas", "<= 40,000", hash_revoke, True)
    void = median_of(lambda: gas_of(uae.void(pending.pop(), "cancelled")))
    row("void", void, "gas", "<= 40,000", hash_revoke, True)

    # Provenance: a re-export drawing 1.00 ct from each of n confirmed imports, against an issue with
    # no parents (the existing-holder row). A parent's first draw writes its balance slot from zero;
    # later draws only update it.
    parent_numbers = iter(range(1, 10**9))

    def confirmed_parents(n: int) -> list[str]:
        numbers = [f"BW-P-{next(parent_numbers)}" for _ in range(n)]
        bw.issue_batch([
            Document.from_dict(example_document(holder.address, number=p, exporting="BW", importing="AE",
                                                carats="10.00", parents=[{"production": LOT}]))
            for p in numbers
        ])  # fmt: skip
        for parent in numbers:
            uae.confirm_receipt(parent)
        return numbers

    def re_export_gas(parents: list[str]) -> int:
        draws = [{"number": p, "carats": "1.00"} for p in parents]
        carats = f"{len(parents)}.00"
        doc = Document.from_dict(
            example_document(holder.address, number=number(), origins=["BW"], carats=carats, parents=draws)
        )
        return gas_of(w3.eth.get_transaction_receipt(uae.issue(doc).transaction))

    for n in (1, 5, 20):
        groups = [confirmed_parents(n) for _ in range(3)]
        first = statistics.median(re_export_gas(group) for group in groups)
        again = statistics.median(re_export_gas(group) for group in groups)
        label = f"{n} parent" + ("s" if n > 1 else "")
        row(f"re-export, {label} (first draw on each)", first, "gas", None, existing, True)
        row(f"re-export, {label} (drawn on before)", again, "gas", None, existing, True)

    # Paper certificates registered on receipt, and a re-export drawing on one (drawn on before).
    papers = iter(range(1, 10**9))

    def register_paper() -> int:
        paper = PaperCertificate.from_dict(
            example_paper("AE", number=f"ZA-P-{next(papers)}", carats="100.00")
        )
        return gas_of(uae.register_paper(paper))

    admitted = kp.enact_on_local_node(kp.admit("ZA", "South Africa"))
    assert admitted["status"] == 1
    row("register a paper certificate", median_of(register_paper), "gas", None, None, True)

    def from_paper() -> int:
        paper = f"ZA-P-{next(papers)}"
        uae.register_paper(PaperCertificate.from_dict(example_paper("AE", number=paper, carats="100.00")))
        doc = lambda: Document.from_dict(  # noqa: E731
            example_document(holder.address, number=number(), origins=["ZA"], carats="1.00",
                             parents=[{"paper": paper, "origins": ["ZA"]}])
        )  # fmt: skip
        uae.issue(doc())  # the paper's first draw
        return gas_of(w3.eth.get_transaction_receipt(uae.issue(doc()).transaction))

    row("re-export from a paper certificate", median_of(from_paper), "gas", None, existing, True)

    # ------------------------------------------------------------------ one certificate per transaction
    count = 100

    def client_rate() -> float:
        docs = [document(number(), holder.address) for _ in range(count)]
        start = time.perf_counter()
        for doc in docs:
            uae.issue(doc)
        return count / (time.perf_counter() - start)

    raw_sender = Sender(w3, officer)

    def bare_rate() -> float:
        # The same transactions (issue calls for new numbers), signed in advance; the loop only
        # sends each and waits for its receipt, as plain web3 code would.
        nonce = w3.eth.get_transaction_count(officer.address, "pending")
        raws = []
        for i in range(count):
            doc = document(number(), holder.address)
            data = encode_call(
                "KPCertificates", "issue", [doc.issue_args(commitment(doc, new_salts())).abi()]
            )
            raws.append(raw_sender.sign(kp.certificates.address, data, 400_000, nonce + i))
        start = time.perf_counter()
        for raw in raws:
            tx_hash = w3.eth.send_raw_transaction(raw)
            w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
        return count / (time.perf_counter() - start)

    client, bare = [], []
    for _ in range(REPEATS):  # interleaved, so both see the same machine
        bare.append(bare_rate())
        uae._signer = None  # the bare loop moved the nonce
        client.append(client_rate())
    row(
        "issue, one per transaction",
        statistics.median(client),
        "certs/s",
        ">= 0.9x baseline",
        statistics.median(bare),
        False,
    )

    # ------------------------------------------------------------------ batches
    def batch_rate() -> float:
        docs = [document(number(), holder.address) for _ in range(1000)]
        start = time.perf_counter()
        for i in range(0, 1000, 200):
            uae.issue_batch(docs[i : i + 200])
        return 1000 / (time.perf_counter() - start)

    row("batch issuance (batches of 200)", median_of(batch_rate), "certs/s", ">= 2,000", None, False)

    # ------------------------------------------------------------------ 10,000 certificates, verification
    for _ in range(50):
        uae.issue_batch([document(number(), holder.address) for _ in range(200)])
    numbers = [f"AE-B-{i}" for i in range(1, number.count + 1)]
    sample = numbers[-1000:]

    def bulk_verify_rate() -> float:
        start = time.perf_counter()
        results = kp.verify_many(sample)
        elapsed = time.perf_counter() - start
        assert all(r.genuine for r in results)
        return len(sample) / elapsed

    row("verify many (1,000 at once)", median_of(bulk_verify_rate), "certs/s", ">= 2,000", None, False)

    singles = iter(numbers[-200:])

    def single_verify_ms() -> float:
        start = time.perf_counter()
        assert kp.verify(next(singles)).genuine
        return (time.perf_counter() - start) * 1000

    row("verify one", median_of(single_verify_ms, 25), "ms", "< 20", None, True)

    everything = kp.list_certificates()
    total, total_carats = len(everything), sum(cert.carats for cert in everything)

    def list_seconds() -> float:
        start = time.perf_counter()
        listed = kp.list_certificates()
        elapsed = time.perf_counter() - start
        assert len(listed) == total
        return elapsed

    row(f"list all certificates ({total:,})", median_of(list_seconds, 3), "s", "< 2", None, True)

    def stats_seconds() -> float:
        start = time.perf_counter()
        carats: dict[tuple[str, str, str], int] = defaultdict(int)
        for cert in kp.list_certificates():
            carats[(cert.exporting, cert.importing, cert.hs_code)] += cert.carats
        elapsed = time.perf_counter() - start
        assert sum(carats.values()) == total_carats
        return elapsed

    row(f"statistics over all ({total:,})", median_of(stats_seconds, 3), "s", "< 2", None, True)
    index_rows(kp, median_of(list_seconds, 3))


def index_rows(kp: KP, chain_list: float) -> None:
    """`kp index` (SQLite) over the same certificates: the build rate, list and statistics through
    it against the chain's, then 300,000 certificates (about five years of world KP trade: the
    index's rows copied under other numbers) through the CLI, with its peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        fresh = iter(range(REPEATS))

        # As `kp index` reads the node: through kp's provider (its answers parsed by msgspec).
        url = kp.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        reader = KP(web3_for(url), kp.deployment)

        def build_rate() -> float:  # each time into a new database
            index = Index.open(reader, Path(folder) / f"built-{next(fresh)}.sqlite3")
            start = time.perf_counter()
            certificates = index.update().certificates
            index.close()
            return certificates / (time.perf_counter() - start)

        rate = median_of(build_rate, 3)
        row("index built from scratch (local node)", rate, "certs/s", ">= 5,000", None, False)
        database = Path(folder) / "index.sqlite3"
        index = Index.open(kp, database)
        built = index.update()
        kp.index = index
        try:

            def listed() -> float:
                start = time.perf_counter()
                assert len(kp.list_certificates()) == built.certificates
                return time.perf_counter() - start

            through = median_of(listed, 3)
            row(f"list all ({built.certificates:,}) from the index", through, "s", "< 1", chain_list, True)

            def statistics_seconds() -> float:
                start = time.perf_counter()
                assert listing.statistics(kp)  # as `kp stats`: the index's rows summed in SQL
                return time.perf_counter() - start

            row(
                f"statistics over all ({built.certificates:,}) from the index",
                median_of(statistics_seconds, 3),
                "s",
                "< 1",
                None,
                True,
            )
        finally:
            kp.index = None
        copies = -(-SCALE // built.certificates)
        grow(index, copies)
        total = index.counts()["certificates"]
        kp.index = index
        try:

            def summed_seconds() -> float:
                start = time.perf_counter()
                assert listing.statistics(kp)
                return time.perf_counter() - start

            summed = median_of(summed_seconds, 3)
            row(f"statistics over {total:,} from the index (in process)", summed, "s", "< 1", None, True)
        finally:
            kp.index = None
        index.close()
        deployments = Path(folder) / "deployments.json"
        record_deployment(kp.deployment, deployments)
        # The baseline of the CLI rows: what starting a command that reads the chain costs (web3).
        started = median_of(lambda: cli_run(["--help"])[0], 3)
        started_row = "kp --help (start-up of a command that reads the chain: Python, web3)"
        row(started_row, started, "s", None, None, True)
        for command in ("list", "stats"):
            args = [command, "--json", "--rpc-url", url, "--deployments", str(deployments)]
            args += ["--index", str(database)]
            runs = [cli_run(args) for _ in range(3)]  # the chain has nothing after the index: read alone
            seconds, megabytes = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
            name = f"kp {command} --json over {total:,} from the index (median of 3)"
            row(name, seconds, "s", "< 1", started, True)
            row(f"peak memory of kp {command} over {total:,}", megabytes, "MB", "< 200", None, True)


SCALE = 300_000


def grow(index: Index, copies: int) -> None:
    """``copies`` times the certificates an index holds, as if years of trade followed them: each copy
    under other numbers in later blocks (the table in a list's order, as an index built over years
    is), with its receipt confirmed, as most are."""
    later = index.last_block + 1
    with index.db.transaction():
        for copy in range(1, copies):
            number, block = "number || '.' || ?", "block + ? * ?"
            kept = COLUMNS.replace("number, ", "").replace("block, ", "")
            listed = (
                'replace(replace(listed, \'"number":"\' || number || \'"\', \'"number":"\' || '
                f"{number} || '\"'), '\"block\":' || block || ',', '\"block\":' || ({block}) || ',')"
            )
            index.db.execute(
                f"INSERT INTO kp_certificates (number, block, {kept}, year, quarter, listed, changed) "
                f"SELECT {number}, {block}, {kept}, year, quarter, {listed}, 1 FROM kp_certificates "
                "WHERE number NOT LIKE '%.%' ORDER BY block, number",
                (str(copy), copy, later, str(copy), copy, later),
            )
            index.db.execute(
                "INSERT INTO kp_changes (number, what, authority, reason, block, tx) "
                f"SELECT {number}, 'receipt confirmed', issuer, 0, {block}, tx FROM kp_certificates "
                "WHERE number NOT LIKE '%.%'",
                (str(copy), copy, later),
            )


# Runs a command and reports its wall time and peak resident memory (its own, not this process's).
MEASURED = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
assert done.returncode == 0, done.stderr
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def cli_run(args: list[str]) -> tuple[float, float]:
    kp_command = str(Path(sys.executable).parent / "kp")
    out = subprocess.run(
        [sys.executable, "-c", MEASURED, kp_command, *args], capture_output=True, text=True, check=True
    ).stdout
    seconds, megabytes = out.split()
    return float(seconds), float(megabytes)


if __name__ == "__main__":
    sys.exit(main())
