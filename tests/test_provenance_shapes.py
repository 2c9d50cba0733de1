"""Provenance graphs of hostile shapes, without a chain: a trace is linear in the number of distinct
certificates (a shared ancestor is shown once), iterative (no recursion limit), and bounded in what
it prints (audit finding: 18 levels of split-and-merge printed over a million lines, a 1,200-deep
chain raised RecursionError)."""

from datetime import datetime

from kp_py.document import Parent
from kp_py.provenance import MAX_SHOWN, Trace, origin_mix, status
from kp_py.records import Certificate
from kp_py.roots import Root

WHEN = datetime(2026, 11, 29)


def cert(number: str, parents: list[tuple[str, int]], carats: int = 100) -> Certificate:
    return Certificate(
        number=number, token_id=0, status="receipt confirmed", holder="", issuer="", exporting=number[:2],
        importing="AE", origins=("BW",), carats=carats, value_usd=0, parcels=1, hs_code="7102.31",
        issued_at=WHEN, expires_at=0, commitment=b"", issuer_valid_at_issue=True, block=0, transaction="",
        parents=tuple(Parent(p, c) for p, c in parents),
    )  # fmt: skip


def mine() -> Root:
    return Root(
        number="BW#MINE", kind="production", reference="MINE", exporting="BW", importing="BW",
        origins=("BW",), carats=10**9, drawn=0, status="registered", issuer="", issuer_valid_at_issue=True,
        issued_at=WHEN, start=WHEN, end=WHEN, value_usd=0, parcels=0, hs_code="", block=0, transaction="",
    )  # fmt: skip


def trace_of(records: dict) -> Trace:
    top = max(records, key=lambda n: int(n.split("-")[-1]) if n[2] == "-" else -1)
    return Trace(top, records, {}, status(top, records))


def split_and_merge(levels: int) -> dict:
    """Each level splits the one before into two certificates and merges them again: 2^levels paths."""
    records = {"BW#MINE": mine(), "AE-0": cert("AE-0", [("BW#MINE", 100)])}
    below = "AE-0"
    serial = 0
    for _ in range(levels):
        left, right, merged = (f"AE-{serial + k}" for k in (1, 2, 3))
        records[left] = cert(left, [(below, 50)], 50)
        records[right] = cert(right, [(below, 50)], 50)
        records[merged] = cert(merged, [(left, 50), (right, 50)])
        below, serial = merged, serial + 3
    return records


def chain(depth: int) -> dict:
    records = {"BW#MINE": mine(), "AE-0": cert("AE-0", [("BW#MINE", 100)])}
    for i in range(1, depth):
        records[f"AE-{i}"] = cert(f"AE-{i}", [(f"AE-{i - 1}", 100)])
    return records


def test_split_and_merge_is_shown_once_per_certificate():
    records = split_and_merge(18)  # 2^18 paths through 56 certificates
    trace = trace_of(records)
    lines = trace.text().splitlines()
    assert len(lines) < 2 * len(records) + 10
    assert sum("(shown above)" in line for line in lines) == 18
    nodes = trace.to_dict()["records"]
    assert sorted(n["number"] for n in nodes) == sorted(records)
    assert origin_mix(trace.number, records) == {"BW": 1}


def test_a_chain_deeper_than_the_recursion_limit_is_traced():
    records = chain(1_200)
    trace = trace_of(records)
    lines = trace.text().splitlines()
    assert len(lines) <= MAX_SHOWN + 10 and "more not shown (see --json)" in trace.text()
    assert len(trace.to_dict()["records"]) == 1_201
    assert trace.status.complete and trace.status.origins == ("BW",)
