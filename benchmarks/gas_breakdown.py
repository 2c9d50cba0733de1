"""Where the gas of one issue goes: trace an issue to a holder who already holds a certificate
(anvil with step tracing) and add up the cost of each opcode by kind. docs/gas.md quotes it.

    .venv/bin/python benchmarks/gas_breakdown.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from web3 import Web3

from kp_py import KP, Document
from kp_py.document import Production
from kp_py.examples import example_document
from kp_py.keys import dev_account
from kp_py.node import LocalNode


def certificate(number: str, holder: str) -> Document:
    """A first export of the UAE's production lot ``BENCH-2024``."""
    parents = [{"production": "BENCH-2024", "origins": ["AE"]}]
    return Document.from_dict(example_document(holder, number=number, parents=parents))


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        node = LocalNode(Path(home), options=("--steps-tracing",))
        w3 = Web3(Web3.HTTPProvider(node.start()))
        try:
            report(w3)
        finally:
            node.stop()
    return 0


def report(w3: Web3) -> None:
    chair, officer, holder = dev_account(0), dev_account(1), dev_account(5)
    kp = KP.deploy(w3, chair, notice_period=60)
    kp.enact_on_local_node(kp.admit("AE", "United Arab Emirates"))
    kp.enact_on_local_node(kp.admit("BW", "Botswana"))
    kp.enact_on_local_node(kp.add_authority(officer.address, "AE"))  # type: ignore[arg-type]
    uae = kp.with_account(officer)
    period = {"from": "2024-01-01", "to": "2024-12-31"}
    uae.register_production(
        Production.from_dict({"lot": "BENCH-2024", "origin": "AE", "carats": "100000.00", **period})
    )
    uae.issue(certificate("AE-2024-000122", holder.address))
    issued = uae.issue(certificate("AE-2024-000123", holder.address))

    receipt = w3.eth.get_transaction_receipt(issued.transaction)
    data = bytes(w3.eth.get_transaction(issued.transaction)["input"])
    steps = w3.provider.make_request("debug_traceTransaction", [issued.transaction, {"enableMemory": False}])  # type: ignore[arg-type]
    parts: Counter[str] = Counter()
    parts["transaction base cost"] = 21_000
    parts[f"calldata ({len(data)} bytes, {sum(1 for b in data if b)} non-zero)"] = sum(
        16 if b else 4 for b in data
    )
    for step in steps["result"]["structLogs"]:
        op, gas, depth = step["op"], step["gasCost"], step["depth"]
        where = "certificates" if depth == 1 else "registry"
        if op in ("CALL", "STATICCALL"):
            parts["registry: cold account access"] += 2_600  # the rest of a call's cost is forwarded gas
        elif op == "SSTORE":
            parts[f"{where}: storage writes"] += gas
        elif op == "SLOAD":
            parts[f"{where}: storage reads"] += gas
        elif op.startswith("LOG"):
            parts[f"events ({op})"] += gas
        else:
            parts[f"{where}: computation"] += gas
    print(f"issue to an existing holder: {receipt['gasUsed']:,} gas")
    for name, gas in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {name:48} {gas:>8,}")
    print(f"  {'sum':48} {sum(parts.values()):>8,}")


if __name__ == "__main__":
    sys.exit(main())
