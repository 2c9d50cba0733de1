"""`make bench`, second part: kp's gas next to published peers, measured in the same run.

Starts a fresh anvil node and deploys, from their npm packages' compiled artifacts (the bytecode
their authors published, not recompiled here):

* EAS (``@ethereum-attestation-service/eas-contracts``): SchemaRegistry and EAS, a schema with the
  public fields of kp's ``CertificateIssued`` event; one attestation, ``multiAttest`` of 100, revoke;
* OpenAttestation's document store (``@govtechsg/document-store``): ``issue``, ``bulkIssue`` of 100,
  ``revoke`` of a document hash;
* TradeTrust's token registry (``@govtechsg/token-registry``): a title escrow factory and a
  TradeTrustToken; mint (a transferable title and its escrow), surrender and burn;

and kp itself (a first export to a holder who already holds one, a batch of 100, void), with the same
certificate data. Gas is deterministic; each figure is the median of three. Prints a table and writes
benchmarks/peers.json (benchmarks/results.json is bench.py's).

The packages are read from ``$KP_BENCH_NODE_MODULES``, by default ``benchmarks/peers/node_modules``
(``make bench`` installs them from ``benchmarks/peers/package-lock.json``; ``make test`` does not need them).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_abi.packed import encode_packed
from eth_typing import HexStr
from eth_utils import keccak
from eth_utils.abi import event_abi_to_log_topic, function_abi_to_4byte_selector, get_abi_input_types
from web3 import Web3

from kp_py import KP, Document
from kp_py._tx import Sender
from kp_py.document import Production, commitment, new_salts
from kp_py.examples import example_document
from kp_py.keys import dev_account
from kp_py.node import LocalNode

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "peers.json"
NODE_MODULES = Path(os.environ.get("KP_BENCH_NODE_MODULES") or HERE / "peers" / "node_modules")
EAS_PACKAGE = "@ethereum-attestation-service/eas-contracts"
DOCUMENT_STORE_PACKAGE = "@govtechsg/document-store"
TOKEN_REGISTRY_PACKAGE = "@govtechsg/token-registry"
BATCH = 100
REPEATS = 3
# EAS's multiAttest of 100 with all the fields takes about 41 million gas: more than anvil's default
# block (30 million), within mainnet's (60 million since late 2025). EIP-7825's per-transaction cap
# (2**24) is not enforced: anvil enforces it only when asked.
BLOCK_GAS_LIMIT = 60_000_000
LOT = "BENCH-2024"
# The public fields of kp's CertificateIssued event (the issuer is EAS's attester, the holder its
# recipient), in the same Solidity types.
EAS_SCHEMA = (
    "uint256 tokenId,bytes2 exporting,bytes2 importing,bytes32[] origins,uint40 carats,"
    "uint40 valueUsd,uint32 parcels,uint8 hsCode,uint40 expiresAt,bytes32 document"
)
EAS_TYPES = [field.split()[0] for field in EAS_SCHEMA.split(",")]
# The least an EAS user could attest: the commitment to the document alone.
EAS_HASH_SCHEMA = "bytes32 document"
ZERO = "0x" + "00" * 20


class MissingArtifact(SystemExit):
    pass


# ---------------------------------------------------------------------------------------- artifacts


class Artifact:
    """A contract's ABI and creation bytecode, and the calls to it encoded by name."""

    def __init__(self, name: str, abi: list[dict[str, Any]], bytecode: str) -> None:
        self.name, self.abi, self.bytecode = name, abi, bytes.fromhex(bytecode.removeprefix("0x"))
        if not self.bytecode:
            raise MissingArtifact(f"peers: {name}'s artifact has no bytecode")

    def _item(self, kind: str, name: str | None = None) -> Any:
        found = [i for i in self.abi if i["type"] == kind and (name is None or i.get("name") == name)]
        if len(found) != 1:
            raise MissingArtifact(f"peers: {self.name}'s ABI has no single {kind} {name or ''}")
        return found[0]

    def call(self, name: str, *args: Any) -> bytes:
        item = self._item("function", name)
        return function_abi_to_4byte_selector(item) + encode(get_abi_input_types(item), list(args))

    def deploy(self, *args: Any) -> bytes:
        if not args:
            return self.bytecode
        return self.bytecode + encode(get_abi_input_types(self._item("constructor")), list(args))

    def topic(self, event: str) -> bytes:
        return event_abi_to_log_topic(self._item("event", event))


def package_dir(package: str) -> tuple[Path, str]:
    """The installed package's folder and version; a missing one stops the benchmark, in one line."""
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        raise MissingArtifact(
            f"peers: {package} is not installed in {NODE_MODULES} (run `make setup`, or set "
            "KP_BENCH_NODE_MODULES to a node_modules holding it)"
        )
    return manifest.parent, json.loads(manifest.read_text())["version"]


def hardhat_artifact(path: Path) -> Artifact:
    if not path.is_file():
        raise MissingArtifact(f"peers: missing artifact {path}")
    data = json.loads(path.read_text())
    if data.get("linkReferences"):
        raise MissingArtifact(f"peers: {path} needs linked libraries, which this benchmark does not link")
    return Artifact(data["contractName"], data["abi"], data["bytecode"])


def typechain_artifact(path: Path, name: str) -> Artifact:
    """The ABI and bytecode of a typechain ethers factory (``const _abi = [...]``, ``_bytecode``),
    the only form ``@govtechsg/document-store`` 3 ships them in: a JavaScript literal, read as JSON
    once its keys are quoted."""
    if not path.is_file():
        raise MissingArtifact(f"peers: missing artifact {path}")
    source = path.read_text()
    abi = re.search(r"const _abi = (\[.*?\]);\n", source, re.S)
    bytecode = re.search(r'const _bytecode = "(0x[0-9a-fA-F]+)"', source)
    if not abi or not bytecode:
        raise MissingArtifact(f"peers: no ABI or bytecode in {path}")
    quoted = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', abi.group(1))
    return Artifact(name, json.loads(quoted), bytecode.group(1))


# ---------------------------------------------------------------------------------------- measuring

rows: list[dict[str, Any]] = []


def row(operation: str, peer: str, peer_gas: float, kp_operation: str, kp_gas: float) -> None:
    ratio = round(kp_gas / peer_gas, 3)
    rows.append(
        {
            "operation": operation,
            "peer": peer,
            "peer_gas": round(peer_gas),
            "kp_operation": kp_operation,
            "kp_gas": round(kp_gas),
            "ratio_kp_to_peer": ratio,
        }
    )
    print(f"{operation:58} {peer:24} {peer_gas:>10,.0f} {kp_gas:>10,.0f} {ratio:>7.2f}x", flush=True)


def median_of(measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(REPEATS))


def gas(receipt: Any) -> int:
    return int(receipt["gasUsed"])


class Numbers:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"AE-P-{self.count}"


def kp_document(number: str, holder: str) -> Document:
    """A first export of the UAE's production lot, as bench.py issues."""
    return Document.from_dict(
        example_document(holder, number=number, parents=[{"production": LOT, "origins": ["AE"]}])
    )


# ---------------------------------------------------------------------------------------- main


def main() -> int:
    eas_dir, eas_version = package_dir(EAS_PACKAGE)
    store_dir, store_version = package_dir(DOCUMENT_STORE_PACKAGE)
    title_dir, title_version = package_dir(TOKEN_REGISTRY_PACKAGE)
    eas_artifacts = eas_dir / "artifacts" / "contracts"
    title_artifacts = title_dir / "dist" / "artifacts"
    artifacts = {
        "SchemaRegistry": hardhat_artifact(eas_artifacts / "SchemaRegistry.sol" / "SchemaRegistry.json"),
        "EAS": hardhat_artifact(eas_artifacts / "EAS.sol" / "EAS.json"),
        "DocumentStore": typechain_artifact(
            store_dir / "dist" / "contracts" / "factories" / "contracts" / "DocumentStore__factory.js",
            "DocumentStore",
        ),
        "TitleEscrowFactory": hardhat_artifact(
            title_artifacts / "TitleEscrowFactory.sol" / "TitleEscrowFactory.json"
        ),
        "TitleEscrow": hardhat_artifact(title_artifacts / "TitleEscrow.sol" / "TitleEscrow.json"),
        "TradeTrustToken": hardhat_artifact(title_artifacts / "TradeTrustToken.sol" / "TradeTrustToken.json"),
    }
    versions = {
        EAS_PACKAGE: eas_version,
        DOCUMENT_STORE_PACKAGE: store_version,
        TOKEN_REGISTRY_PACKAGE: title_version,
    }
    with tempfile.TemporaryDirectory() as home:
        node = LocalNode(Path(home) / ".kp", options=("--gas-limit", str(BLOCK_GAS_LIMIT)))
        url = node.start()
        try:
            run(Web3(Web3.HTTPProvider(url)), artifacts, versions)
        finally:
            node.stop()
    RESULTS.write_text(json.dumps({"packages": versions, "rows": rows}, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 0


def run(w3: Web3, artifacts: dict[str, Artifact], versions: dict[str, str]) -> None:
    chair, officer, holder = dev_account(0), dev_account(1), dev_account(5)
    number = Numbers()

    # ------------------------------------------------------------------ kp
    kp = KP.deploy(w3, chair, notice_period=60)
    kp.enact_on_local_node(kp.admit("AE", "United Arab Emirates"))
    kp.enact_on_local_node(kp.admit("BW", "Botswana"))
    kp.enact_on_local_node(kp.add_authority(officer.address, "AE"))  # type: ignore[arg-type]
    uae = kp.with_account(officer)
    period = {"from": "2024-01-01", "to": "2024-12-31"}
    uae.register_production(
        Production.from_dict({"lot": LOT, "origin": "AE", "carats": "100000000.00", **period})
    )
    uae.issue(kp_document(number(), holder.address))  # the holder now holds one

    def tx_gas(transaction: str) -> int:
        return gas(w3.eth.get_transaction_receipt(HexStr(transaction)))

    def kp_issue() -> int:
        issued = uae.issue(kp_document(number(), holder.address))
        return tx_gas(issued.transaction)

    def kp_batch() -> float:
        issued = uae.issue_batch([kp_document(number(), holder.address) for _ in range(BATCH)])
        return tx_gas(issued[0].transaction) / BATCH

    kp_single, kp_per_batched = median_of(kp_issue), median_of(kp_batch)
    to_void = [uae.issue(kp_document(number(), holder.address)).document.number for _ in range(REPEATS)]
    kp_void = median_of(lambda: gas(uae.void(to_void.pop(), "cancelled")))

    # The certificate data the peers record: the same document, with its commitment.
    def fields() -> tuple[list[Any], str, int]:
        doc = kp_document(number(), holder.address)
        issue = doc.issue_args(commitment(doc, new_salts()))
        values = [
            int.from_bytes(issue.number, "big"),
            issue.number[:2],
            issue.importing,
            issue.origins,
            issue.carats,
            issue.value_usd,
            issue.parcels,
            issue.hs_code,
            issue.expires_at,
            issue.document,
        ]
        return values, issue.holder, issue.expires_at

    print(f"\n{'operation':58} {'peer':24} {'peer gas':>10} {'kp gas':>10} {'kp/peer':>8}")

    # ------------------------------------------------------------------ EAS
    eas_name = f"EAS {versions[EAS_PACKAGE]}"
    issuer = Sender(w3, officer)
    schemas, eas_artifact = artifacts["SchemaRegistry"], artifacts["EAS"]
    registry = str(issuer.deploy(schemas.deploy())["contractAddress"])
    eas = str(issuer.deploy(eas_artifact.deploy(registry))["contractAddress"])

    def register(schema: str) -> bytes:
        issuer.send(registry, schemas.call("register", schema, ZERO, True))
        return keccak(encode_packed(["string", "address", "bool"], [schema, ZERO, True]))  # its UID

    full, hashed = register(EAS_SCHEMA), register(EAS_HASH_SCHEMA)
    attested = eas_artifact.topic("Attested")

    def request(schema: bytes) -> tuple[Any, ...]:
        values, recipient, expires_at = fields()
        data = encode(EAS_TYPES, values) if schema == full else values[-1]
        return (recipient, expires_at, True, b"\0" * 32, data, 0)

    uids: list[bytes] = []

    def attest(schema: bytes) -> int:
        receipt = issuer.send(eas, eas_artifact.call("attest", (schema, request(schema))))
        uids.extend(bytes(log["data"][:32]) for log in receipt["logs"] if log["topics"][0] == attested)
        return gas(receipt)

    def multi_attest(schema: bytes) -> float:
        requests = [request(schema) for _ in range(BATCH)]
        receipt = issuer.send(eas, eas_artifact.call("multiAttest", [(schema, requests)]), full_receipt=False)
        return gas(receipt) / BATCH

    eas_single = median_of(lambda: attest(full))
    row("issue one (EAS: attest, all the event's fields)", eas_name, eas_single, "issue", kp_single)
    row(
        "issue one (EAS: attest, the commitment only)",
        eas_name,
        median_of(lambda: attest(hashed)),
        "issue",
        kp_single,
    )
    eas_batched = median_of(lambda: multi_attest(full))
    row(
        f"batch of {BATCH}, per item (EAS: multiAttest, all fields)",
        eas_name,
        eas_batched,
        "issue_batch",
        kp_per_batched,
    )
    row(
        f"batch of {BATCH}, per item (EAS: multiAttest, commitment only)",
        eas_name,
        median_of(lambda: multi_attest(hashed)),
        "issue_batch",
        kp_per_batched,
    )
    full_uids = uids[:REPEATS]
    row(
        "revoke / void (EAS: revoke)",
        eas_name,
        median_of(lambda: gas(issuer.send(eas, eas_artifact.call("revoke", (full, (full_uids.pop(), 0)))))),
        "void",
        kp_void,
    )

    # ------------------------------------------------------------------ OpenAttestation document store
    store_name = f"OA DocumentStore {versions[DOCUMENT_STORE_PACKAGE]}"
    store_artifact = artifacts["DocumentStore"]
    store = str(issuer.deploy(store_artifact.deploy("KP bench", officer.address))["contractAddress"])
    issued: list[bytes] = []

    def store_issue() -> int:
        issued.append(secrets.token_bytes(32))
        return gas(issuer.send(store, store_artifact.call("issue", issued[-1])))

    def store_bulk() -> float:
        hashes = [secrets.token_bytes(32) for _ in range(BATCH)]
        return gas(issuer.send(store, store_artifact.call("bulkIssue", hashes), full_receipt=False)) / BATCH

    row("issue one (document store: issue a hash)", store_name, median_of(store_issue), "issue", kp_single)
    row(
        f"batch of {BATCH}, per item (document store: bulkIssue)",
        store_name,
        median_of(store_bulk),
        "issue_batch",
        kp_per_batched,
    )
    row(
        "revoke / void (document store: revoke)",
        store_name,
        median_of(lambda: gas(issuer.send(store, store_artifact.call("revoke", issued.pop())))),
        "void",
        kp_void,
    )

    # ------------------------------------------------------------------ TradeTrust token registry
    title_name = f"TradeTrustToken {versions[TOKEN_REGISTRY_PACKAGE]}"
    factory = str(issuer.deploy(artifacts["TitleEscrowFactory"].deploy())["contractAddress"])
    token_artifact, escrow_artifact = artifacts["TradeTrustToken"], artifacts["TitleEscrow"]
    token = str(issuer.deploy(token_artifact.deploy("KP bench", "KPB", factory))["contractAddress"])
    minted: list[int] = []

    def mint() -> int:
        minted.append(int.from_bytes(secrets.token_bytes(32), "big"))
        call = token_artifact.call("mint", holder.address, holder.address, minted[-1])
        return gas(issuer.send(token, call))

    row(
        "issue one (TradeTrust: mint a title and its escrow)", title_name, median_of(mint), "issue", kp_single
    )
    trader = Sender(w3, holder)
    surrendered, burnt = [], []
    for token_id in minted:
        escrow = w3.eth.call({"to": token, "data": token_artifact.call("ownerOf", token_id)})
        escrow_address = Web3.to_checksum_address(escrow[-20:])
        surrendered.append(gas(trader.send(escrow_address, escrow_artifact.call("surrender"))))
        burnt.append(gas(issuer.send(token, token_artifact.call("burn", token_id))))
    row(
        "revoke / void (TradeTrust: surrender by the holder)",
        title_name,
        statistics.median(surrendered),
        "void",
        kp_void,
    )
    row(
        "revoke / void (TradeTrust: burn, the surrendered title)",
        title_name,
        statistics.median(burnt),
        "void",
        kp_void,
    )
    both = statistics.median(s + b for s, b in zip(surrendered, burnt, strict=True))
    row("revoke / void (TradeTrust: surrender + burn)", title_name, both, "void", kp_void)


if __name__ == "__main__":
    sys.exit(main())
