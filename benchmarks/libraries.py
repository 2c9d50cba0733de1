"""What a library costs against the hand-written code it replaced (docs/gas.md, "Hand-written or
library"): signing one issue transaction, and a whole transaction's round trip to a fresh local
anvil node with either signer; hashing a commitment; canonicalising a document's fields. And one
hand-written path kept: the batch calldata, against eth-abi.

    .venv/bin/python benchmarks/libraries.py
    ECC_BACKEND_CLASS=eth_keys.backends.NativeECCBackend .venv/bin/python benchmarks/libraries.py

The second line signs without coincurve (eth-keys' pure-Python backend), as an installation
without it does. Each figure is the median of several runs of many calls, the variants of one
measure interleaved so that both see the same (shared, noisy) machine; CPU time, but for the
round trip. The hand-written versions
are kept here, and only here, as the baselines.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rfc8785
import rlp  # type: ignore[import-untyped]
from eth_hash.backends.pysha3 import keccak256 as eth_hash_pysha3
from eth_keys.backends import get_backend
from eth_keys.datatypes import PrivateKey
from eth_utils import keccak as eth_utils_keccak
from eth_utils import to_canonical_address
from sha3 import keccak_256  # type: ignore[import-untyped]  # safe-pysha3
from web3 import Web3

from kp_py._abi import encode_call, encode_issues
from kp_py._tx import Sender
from kp_py.document import FIELDS, SCHEME, Document, commitment, new_salts
from kp_py.examples import example_document
from kp_py.keys import dev_account
from kp_py.node import LocalNode

REPEATS = 9


def compare(variants: dict[str, Callable[[], Any]], calls: int, *, wall: bool = False) -> None:
    """Print each variant's median time a call (µs) over REPEATS interleaved runs of ``calls``: this
    process's CPU time, which other processes on a shared machine disturb less, or with ``wall`` the
    elapsed time (a round trip waits for the node)."""
    timer = time.perf_counter if wall else time.process_time
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(REPEATS):
        for name, fn in variants.items():
            runs[name].append(timeit.Timer(fn, timer=timer).timeit(calls) / calls * 1e6)
    for name, times in runs.items():
        print(f"  {name:<62} {statistics.median(times):9.2f} µs")


class HandSigner(Sender):
    """kp's signer before eth-account: the EIP-1559 fields RLP-encoded and signed with eth-keys."""

    def __init__(self, w3: Web3, account: Any) -> None:
        super().__init__(w3, account)
        self._key = PrivateKey(bytes(account.key))

    def sign(self, to: str | None, data: bytes, gas: int, nonce: int) -> bytes:
        priority, max_fee = self._current_fees()
        target = to_canonical_address(to) if to else b""
        fields = [self.chain_id, nonce, priority, max_fee, gas, target, 0, data, []]
        signature = self._key.sign_msg_hash(keccak_256(b"\x02" + rlp.encode(fields)).digest())
        return b"\x02" + rlp.encode([*fields, signature.v, signature.r, signature.s])  # type: ignore[no-any-return]


def issue_calldata() -> bytes:
    document = Document.from_dict(example_document(dev_account(3).address))
    return encode_issues([document.issue_args(commitment(document, new_salts()))], batch=False)


def signing(w3: Web3) -> None:
    to, data = dev_account(4).address, issue_calldata()
    assert HandSigner(w3, dev_account(1)).sign(to, data, 400_000, 7) == Sender(w3, dev_account(1)).sign(
        to, data, 400_000, 7
    )
    # Two accounts: each sender counts its own nonces.
    by_hand, by_library = HandSigner(w3, dev_account(1)), Sender(w3, dev_account(2))
    print(f"signing one issue transaction ({len(data)} bytes of calldata; {type(get_backend()).__name__})")
    compare(
        {
            "RLP + eth-keys, by hand (before)": lambda: by_hand.sign(to, data, 400_000, 7),
            "account.sign_transaction, eth-account (now)": lambda: by_library.sign(to, data, 400_000, 7),
        },
        100,
    )
    print("the round trip of one such transaction to a local anvil node: sign, send, wait for the receipt")
    compare(
        {
            "RLP + eth-keys, by hand (before)": lambda: by_hand.send(
                to, data, gas=60_000, preflight=False, full_receipt=False
            ),
            "account.sign_transaction, eth-account (now)": lambda: by_library.send(
                to, data, gas=60_000, preflight=False, full_receipt=False
            ),
        },
        20,
        wall=True,
    )


def hashing() -> None:
    preimage = SCHEME.encode() + bytes(range(32)) * len(FIELDS)  # what a commitment hashes
    assert keccak_256(preimage).digest() == eth_hash_pysha3(preimage) == eth_utils_keccak(preimage)
    print(f"keccak-256 of a commitment's preimage ({len(preimage)} bytes)")
    compare(
        {
            "safe-pysha3's sha3.keccak_256, directly (before)": lambda: keccak_256(preimage).digest(),
            "eth-hash's pysha3 backend (now)": lambda: eth_hash_pysha3(preimage),
            "eth_utils.keccak (eth-hash's own choice: pycryptodome)": lambda: eth_utils_keccak(preimage),
        },
        10_000,
    )


def canonicalising() -> None:
    document = Document.from_dict(example_document(dev_account(3).address))
    values, salts = document.canonical(), new_salts()

    def by_json() -> list[bytes]:
        return [
            json.dumps([f, values[f]], separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
            for f in FIELDS
        ]

    def by_rfc8785() -> list[bytes]:
        return [rfc8785.dumps([f, values[f]]) for f in FIELDS]

    assert by_json() == by_rfc8785()
    print(f"canonical JSON of a document's {len(FIELDS)} fields (one leaf preimage each)")
    compare(
        {
            "the standard library's json, by hand (before)": by_json,
            "rfc8785.dumps (now)": by_rfc8785,
            "a whole commitment(document, salts), as kp_py computes it now": lambda: commitment(
                document, salts
            ),
        },
        1_000,
    )


def batch_encoding() -> None:
    holder = dev_account(3).address
    documents = [Document.from_dict(example_document(holder, number=f"AE-2024-{i:06}")) for i in range(100)]
    issues = [document.issue_args(commitment(document, new_salts())) for document in documents]
    assert encode_issues(issues, batch=True) == encode_call("KPCertificates", "issueBatch", [issues])
    print("calldata of issueBatch for 100 certificates (kept by hand)")
    compare(
        {
            "written directly, kp_py._abi.encode_issues": lambda: encode_issues(issues, batch=True),
            "eth-abi's encode": lambda: encode_call("KPCertificates", "issueBatch", [issues]),
        },
        20,
    )


def main() -> int:
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as home:
        node = LocalNode(Path(home) / ".kp")
        url = node.start()
        try:
            signing(Web3(Web3.HTTPProvider(url)))
        finally:
            node.stop()
    hashing()
    canonicalising()
    batch_encoding()
    return 0


if __name__ == "__main__":
    sys.exit(main())
