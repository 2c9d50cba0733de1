"""Reading the certificate events fast: ``eth_getLogs`` in block chunks, decoded with eth-abi.

web3's contract-event helpers decode every log through several layers; a list of 10,000
certificates must come back in well under two seconds, so the few events kp reads are decoded here
directly from their topics and data.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3RPCError

from kp_py import _rpc
from kp_py._abi import artifact, canonical_type
from kp_py._codes import REGISTRATIONS
from kp_py._jsonrpc import logs_call
from kp_py.errors import KPError

MAX_TOPIC_VALUES = 200  # ids per OR-filter: nodes cap the size of a filter


@dataclass(frozen=True)
class Issued:
    """One `CertificateIssued` event."""

    token_id: int
    exporting: bytes
    importing: bytes
    issuer: str
    origins: tuple[bytes, ...]
    carats: int
    value_usd: int
    parcels: int
    hs_code: int
    expires_at: int
    document: bytes
    block: int
    transaction: str
    parents: tuple[tuple[int, int], ...] = ()  # (parent token id, carats drawn), from `CaratsDrawn`
    # (parent token id, its issue time as the draw carries it): where to look for the parent's own
    # events, a hint the parent's view confirms; not part of what the chain says of this certificate.
    parent_times: tuple[tuple[int, int], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Registered:
    """One `ProductionRegistered` or `PaperCertificateRegistered` event: a root of provenance."""

    root_id: int
    kind: str  # "production" or "paper"
    registrant: bytes  # the participant that registered it, the only one that can draw on it
    exporting: bytes  # the producer, or the paper certificate's exporting participant
    authority: str  # the registering key
    reference: bytes  # the production lot, or the paper certificate's number
    origins: tuple[bytes, ...]
    carats: int
    value_usd: int  # paper only
    parcels: int  # paper only
    hs_code: int  # paper only
    start: int  # production period start, or the paper's date of issue
    end: int  # production period end, or the paper's date of expiry
    block: int
    transaction: str
    parents: tuple[tuple[int, int], ...] = ()  # always empty: roots draw on nothing
    parent_times: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # empty too


_PAPER = "(bytes32,bytes2,bytes32[],uint40,uint40,uint32,uint8,uint40,uint40)"


def decode_registered(log: Any) -> Registered:
    """Decode a root's registration log (not hot: general ABI decoding)."""
    topics = [_bytes(t) for t in log["topics"]]
    data = _bytes(log["data"])
    block, transaction = _int(log["blockNumber"]), hex_of(log["transactionHash"])
    if topics[0] == bytes.fromhex(topic("ProductionRegistered")[2:]):
        lot, origin, carats, start, end = decode(["bytes32", "bytes32", "uint40", "uint40", "uint40"], data)
        return Registered(
            int.from_bytes(topics[1], "big"), "production", topics[2][:2], topics[2][:2],
            checksum(topics[3][-20:]), lot, (origin,), carats, 0, 0, 0, start, end, block, transaction,
        )  # fmt: skip
    authority, paper = decode(["address", _PAPER], data)
    number, _, origins, carats, value, parcels, hs_code, issued, expires = paper
    return Registered(
        int.from_bytes(topics[1], "big"), "paper", topics[2][:2], topics[3][:2],
        checksum(bytes.fromhex(authority[2:])),
        number, tuple(origins), carats, value, parcels, hs_code, issued, expires, block, transaction,
    )  # fmt: skip


@cache
def topic(name: str) -> str:
    """The topic 0 of event ``name`` of KPCertificates."""
    (item,) = [i for i in artifact("KPCertificates")["abi"] if i["type"] == "event" and i["name"] == name]
    signature = f"{name}({','.join(canonical_type(i) for i in item['inputs'])})"
    return "0x" + keccak(text=signature).hex()


def word(value: int | bytes) -> str:
    """A topic value: a uint or a left-aligned bytesN, as 32 bytes of hex."""
    raw = value.to_bytes(32, "big") if isinstance(value, int) else bytes(value).ljust(32, b"\0")
    return "0x" + raw.hex()


def _bytes(value: Any) -> bytes:
    """Log fields come as hex text from a node's raw answer, as bytes through web3's formatting."""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _uint(value: Any) -> int:
    """A 32-byte word of a log (a topic) as an unsigned integer."""
    return int(value, 16) if isinstance(value, str) else int.from_bytes(bytes(value), "big")


_WORD = re.compile(r"0x[0-9a-fA-F]{64}")  # a 32-byte value as a node writes it: a hash, a topic


def hex_of(value: Any) -> str:
    """A 32-byte log field (a transaction's or block's hash, a topic) as 0x hex: a node's raw answer
    is that already (checked: it is kept, shown and written to files); web3's are bytes."""
    if not isinstance(value, str):
        return "0x" + bytes(value).hex()
    if not _WORD.fullmatch(value):
        raise KPError(f"the node answered {value[:80]!r} where a log holds a 32-byte hex value")
    return value.lower()


int_of = _int  # a quantity of a node's answer (hex text) or of web3's (int)


@lru_cache(maxsize=4096)
def checksum(raw: bytes) -> str:
    """EIP-55 form of a 20-byte address; the same few issuers and holders recur in thousands of logs."""
    return to_checksum_address(raw)


def decode_issued(log: Any) -> Issued:
    """Decode one `CertificateIssued` log. Its data is eight head words (issuer, the offset of the
    origins array, carats, value, parcels, HS code, expiry, document) and then the origins (length,
    items): read directly, several times faster than a general ABI decoder over 10,000 logs."""
    topics = log["topics"]
    data = _bytes(log["data"])
    words = [data[i : i + 32] for i in range(0, len(data), 32)]
    count = int.from_bytes(words[8], "big")
    return Issued(
        token_id=_uint(topics[1]),
        exporting=_bytes(topics[2])[:2],
        importing=_bytes(topics[3])[:2],
        issuer=checksum(words[0][12:]),
        origins=tuple(words[9 : 9 + count]),
        carats=int.from_bytes(words[2], "big"),
        value_usd=int.from_bytes(words[3], "big"),
        parcels=int.from_bytes(words[4], "big"),
        hs_code=int.from_bytes(words[5], "big"),
        expires_at=int.from_bytes(words[6], "big"),
        document=words[7],
        block=_int(log["blockNumber"]),
        transaction=hex_of(log["transactionHash"]),
    )


@dataclass(frozen=True)
class Changed:
    """A `ReceiptConfirmed` or `CertificateVoided` log: the key that did it, and why (a void)."""

    token_id: int
    authority: str
    reason: int  # a VoidReason; 0 for a confirmation
    block: int
    transaction: str


def decode_status_change(log: Any) -> Changed:
    """Decode one `ReceiptConfirmed` or `CertificateVoided` log (the reason by eth-abi)."""
    data = _bytes(log["data"])
    (reason,) = decode(["uint8"], data) if data else (0,)
    return Changed(
        token_id=token_of(log, 1),
        authority=address_of(log, 3),
        reason=reason,
        block=block_of(log),
        transaction=hex_of(log["transactionHash"]),
    )


def token_of(log: Any, position: int) -> int:
    """The uint256 in topic ``position`` (the token id of Transfer, ReceiptConfirmed, ...)."""
    return _uint(log["topics"][position])


def block_of(log: Any) -> int:
    """The number of the block a log is in."""
    return _int(log["blockNumber"])


def address_of(log: Any, position: int) -> str:
    return checksum(_bytes(log["topics"][position])[-20:])


class LogsRefused(KPError):
    """The node refused a log query for a reason a smaller range cannot cure."""


# How providers word a cap on eth_getLogs (range or results), as seen in their answers: Infura's
# -32005 "query returned more than 10000 results. Try with this block range [0x.., 0x..]",
# Alchemy's "Log response size exceeded ... this block range should work: [0x.., 0x..]", QuickNode's
# "eth_getLogs is limited to a 10,000 range", geth's and others' "block range is too wide",
# "exceed maximum block range: 2000", "range too large", "too many blocks", "response size".
_RANGE_CAP = re.compile(
    r"block range|range (is )?too (large|wide|big)|too many blocks|limited to|range limit", re.IGNORECASE
)
_RESULT_CAP = re.compile(
    r"more than \d+ results|response size|too many (results|logs)|timed? ?out", re.IGNORECASE
)
_SUGGESTED = re.compile(r"\[(0x[0-9a-fA-F]+),\s*(0x[0-9a-fA-F]+)\]")
_CAP_SIZE = re.compile(
    r"(\d[\d,]*) ?(?:block )?range|range(?: limit)?(?: of| is|:)? (\d[\d,]*)", re.IGNORECASE
)
# The widest range each provider accepted after it refused a wider one, learned once per provider.
_LEARNED: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
# The providers whose cap a probe asked (kp_py/_batch.py: with a look-up's first batch), once each.
_PROBED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def get_logs(
    w3: Web3,
    address: str,
    topics: list[Any],
    first: int,
    last: int,
    *,
    chunk: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Logs of ``address`` matching ``topics`` in ``[first, last]``, ``chunk`` blocks a query at
    most. A range the node caps is cut to the range it suggests, else halved; a cap on the range is
    remembered for the provider, while after a cap on results (a dense stretch) the range grows
    again, doubling up to ``chunk``, so one burst does not slow the rest of the history. Any other
    refusal is one ``LogsRefused`` line at once. Over HTTP, windows of the full size go several to
    a JSON-RPC batch, twice as many each time while they hold few logs (:data:`LOGS_PER_BATCH`):
    a long history behind a provider's cap is read in a few dozen round trips, not a query each."""
    logs: list[Any] = []
    ceiling = min(chunk, _LEARNED.get(w3.provider, chunk))
    start, size, count = first, ceiling, min(_rpc.MAX_BATCH, chunk // ceiling)  # ``chunk`` blocks at first
    while start <= last:
        windows = _windows(start, last, size, count if size == ceiling and _rpc.supported(w3) else 1)
        answers = _fetch_many(w3, address, topics, windows)
        for (low, high), answer in zip(windows, answers, strict=True):
            if isinstance(answer, str):  # refused: a smaller range, from this window on
                size, count, start = refused(w3, answer, low, high), 1, low
                ceiling = min(ceiling, _LEARNED.get(w3.provider, ceiling))
                break
            logs += answer
            start = high + 1
            if progress:
                progress(high - first + 1, last - first + 1)
        else:
            found = sum(len(answer) for answer in answers)
            size = min(ceiling, size * 2)
            count = min(_rpc.MAX_BATCH, count * 2) if found * 2 < LOGS_PER_BATCH else max(1, count // 2)
    return logs


LOGS_PER_BATCH = 10_000  # logs one batch of windows may bring, about: its windows double while below half


def _windows(start: int, last: int, size: int, count: int) -> list[tuple[int, int]]:
    """Up to ``count`` consecutive ranges of ``size`` blocks from ``start``, none past ``last``."""
    lows = range(start, last + 1, size)[:count]
    return [(low, min(low + size - 1, last)) for low in lows]


def _fetch_many(w3: Web3, address: str, topics: list[Any], windows: list[tuple[int, int]]) -> list[Any]:
    """Each window's logs, or the node's refusal of it (its message), in one batch where several. A
    refusal in a batch that is no cap (a rate limit, say) is asked again alone, as the provider's
    own retries then apply."""
    queries = [
        {"address": address, "fromBlock": low, "toBlock": high, "topics": topics} for low, high in windows
    ]
    answers: list[Any] = [None]  # None: asked alone, below
    if len(windows) > 1:
        calls = [logs_call(address, topics, low, high) for low, high in windows]
        answers = _rpc.call_many(w3, calls, most=len(calls))
    for i, answer in enumerate(answers):
        if isinstance(answer, _rpc.Failed) and is_cap(answer.message):
            answers[i] = answer.message
        elif answer is None or isinstance(answer, _rpc.Failed):
            try:
                answers[i] = _fetch(w3, queries[i])
            except (Web3RPCError, ValueError) as error:
                answers[i] = str(error)
    return answers


def unprobed(w3: Web3) -> bool:
    """Whether this provider's cap on ranges is neither known nor probed yet (see :func:`probed`)."""
    return w3.provider not in _LEARNED and w3.provider not in _PROBED


def probed(w3: Web3, refusal: str | None) -> None:
    """Learn the provider's cap from its answer to a probe, a query of a wide range for a topic no
    log has: an answer (``refusal`` None) says nothing, the provider allowed the range; a refusal
    that names a cap on the range (or a range to use instead) teaches it; any other, nothing (the
    windows then learn the cap as they are refused). Once a provider."""
    _PROBED[w3.provider] = True
    cap = _named(refusal) if refusal and _cap(refusal) == "range" else None
    if cap:
        _LEARNED[w3.provider] = min(cap, _LEARNED.get(w3.provider, cap))


def range_cap(w3: Web3) -> int | None:
    """The widest range this provider was seen to accept after refusing a wider one, if any."""
    return _LEARNED.get(w3.provider)


def refused(w3: Web3, message: str, start: int, end: int) -> int:
    """After the provider refused the logs of ``[start, end]`` with ``message``: the range size to
    try instead, a cap on the range remembered for the provider; ``LogsRefused`` if no smaller
    range can help."""
    size = _smaller(message, start, end)
    if _cap(message) == "range":
        _LEARNED[w3.provider] = min(size, _LEARNED.get(w3.provider, size))
    return size


def is_cap(message: str) -> bool:
    """Whether a node's refusal of a query is a cap on its range or its results."""
    return _cap(message) is not None


def _cap(message: str) -> str | None:
    """``"results"`` for a cap on results (which may name a range that works: Alchemy's does),
    ``"range"`` for a cap on the range, None for any other refusal."""
    if _RESULT_CAP.search(message):
        return "results"
    return "range" if _RANGE_CAP.search(message) else None


def _smaller(message: str, start: int, end: int) -> int:
    """The range size to try after the node refused ``[start, end]`` with ``message``: the range it
    suggests, the cap it names, or half."""
    if not is_cap(message):
        raise LogsRefused(f"the node refused the logs of blocks {start} to {end}: {message}")
    if start == end:
        raise LogsRefused(f"the node refused the logs of block {start}, the smallest range: {message}")
    return _named(message, start, end) or max(1, (end - start + 1) // 2)


def _named(message: str, start: int | None = None, end: int | None = None) -> int | None:
    """The range size a refusal names, smaller than ``[start, end]`` where that is given: the range
    it suggests (one from ``start``), else the cap on ranges it names; None if neither."""
    suggested = _SUGGESTED.search(message)
    if suggested:
        low, high = (int(value, 16) for value in suggested.groups())
        if (start is None or low == start) and low <= high and (end is None or high < end):
            return high - low + 1
    named = _CAP_SIZE.search(message) if _cap(message) == "range" else None
    if named:
        cap = int((named.group(1) or named.group(2)).replace(",", ""))
        if cap > 0 and (start is None or end is None or cap < end - start + 1):
            return cap
    return None


def _fetch(w3: Web3, query: dict[str, Any]) -> list[Any]:
    """``eth_getLogs``: straight to a node over HTTP (web3's result formatting costs more than the
    query for thousands of logs), through web3 otherwise (the in-process tester wants its own forms)."""
    if not isinstance(w3.provider, HTTPProvider):
        return list(w3.eth.get_logs(query))  # type: ignore[arg-type]
    raw = {**query, "fromBlock": hex(query["fromBlock"])}
    if isinstance(query["toBlock"], int):
        raw["toBlock"] = hex(query["toBlock"])
    response = w3.provider.make_request("eth_getLogs", [raw])
    if "error" in response:
        raise Web3RPCError(str(response["error"]))
    result: list[Any] = response["result"]
    return result


def logs_of_tokens(
    w3: Web3, address: str, events: list[str], token_ids: Iterable[int], first: int, last: int | None = None
) -> list[Any]:
    """The logs of ``events`` (their topic 0s) whose topic 1 is one of ``token_ids``, up to block
    ``last`` (None: the latest). A lookup by token id matches few logs: the whole range is asked at
    once (to "latest" without asking the head first: one round trip), halved only if the node refuses."""
    ids = list(token_ids)
    logs: list[Any] = []
    for i in range(0, len(ids), MAX_TOPIC_VALUES):
        part = [word(t) for t in ids[i : i + MAX_TOPIC_VALUES]]
        if last is None:
            try:
                logs += _fetch(
                    w3,
                    {"address": address, "fromBlock": first, "toBlock": "latest", "topics": [events, part]},
                )
                continue
            except (Web3RPCError, ValueError):  # the node caps the range: walk it in chunks
                last = w3.eth.block_number
        logs += get_logs(w3, address, [events, part], first, last, chunk=max(1, last - first + 1))
    return logs


def issued_logs(
    w3: Web3, address: str, token_ids: Iterable[int], first: int, last: int | None = None
) -> dict[int, Issued | Registered]:
    """The `CertificateIssued` events of ``token_ids`` (or, for roots, their registration), by id,
    with the parents each drew on (its `CaratsDrawn` events), all read in one query."""
    events = [topic("CertificateIssued"), topic("CaratsDrawn"), *map(topic, REGISTRATIONS)]
    return issued_from(logs_of_tokens(w3, address, events, token_ids, first, last))


def issued_from(logs: Iterable[Any]) -> dict[int, Issued | Registered]:
    """The issuance (or registration) events among ``logs``, by id, with the parents each drew on
    (their `CaratsDrawn` events)."""
    found: dict[int, Issued | Registered] = {}
    drawn: dict[int, list[tuple[int, int]]] = {}
    times: dict[int, list[tuple[int, int]]] = {}
    drawn_topic, issued_topic = (
        bytes.fromhex(topic(name)[2:]) for name in ("CaratsDrawn", "CertificateIssued")
    )
    for log in logs:
        kind = _bytes(log["topics"][0])
        if kind == drawn_topic:
            child, parent, carats = decode_draw(log)
            drawn.setdefault(child, []).append((parent, carats))
            times.setdefault(child, []).append((parent, parent_issued_at(log)))
        elif kind == issued_topic:
            event = decode_issued(log)
            found[event.token_id] = event
        else:
            registered = decode_registered(log)
            found[registered.root_id] = registered
    return {
        token_id: replace(
            event, parents=tuple(drawn.get(token_id, ())), parent_times=tuple(times.get(token_id, ()))
        )
        for token_id, event in found.items()
    }


def topic_of(log: Any) -> str:
    """A log's topic 0, as 0x hex: which event it is."""
    return hex_of(log["topics"][0])


def decode_draw(log: Any) -> tuple[int, int, int]:
    """A `CaratsDrawn` log: the child's token id, the parent's, and the carats drawn."""
    return token_of(log, 1), token_of(log, 2), int.from_bytes(_bytes(log["data"])[:32], "big")


def parent_issued_at(log: Any) -> int:
    """The time a `CaratsDrawn` log says its parent was issued (or registered): its second data word."""
    return int.from_bytes(_bytes(log["data"])[32:64], "big")


def as_bytes(value: Any) -> bytes:
    """A log field as bytes, whether a node's raw hex or web3's formatted bytes."""
    return _bytes(value)
