"""Reading the certificate events fast: ``eth_getLogs`` in block chunks, decoded with eth-abi.

web3's contract-event helpers decode every log through several layers; a list of 10,000
certificates must come back in well under two seconds, so the few events kp reads are decoded here
directly from their topics and data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.exceptions import Web3RPCError

from kp_py._abi import artifact
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


@cache
def topic(name: str) -> str:
    """The topic 0 of event ``name`` of KPCertificates."""
    (item,) = [i for i in artifact("KPCertificates")["abi"] if i["type"] == "event" and i["name"] == name]
    signature = f"{name}({','.join(i['type'] for i in item['inputs'])})"
    return "0x" + keccak(text=signature).hex()


def word(value: int | bytes) -> str:
    """A topic value: a uint or a left-aligned bytesN, as 32 bytes of hex."""
    raw = value.to_bytes(32, "big") if isinstance(value, int) else bytes(value).ljust(32, b"\0")
    return "0x" + raw.hex()


_ISSUED_DATA = ["address", "bytes32[]", "uint40", "uint40", "uint32", "uint8", "uint40", "bytes32"]


def decode_issued(log: Any) -> Issued:
    topics = log["topics"]
    issuer, origins, carats, value, parcels, hs_code, expires, document = decode(
        _ISSUED_DATA, bytes(log["data"])
    )
    return Issued(
        token_id=int.from_bytes(topics[1], "big"),
        exporting=bytes(topics[2][:2]),
        importing=bytes(topics[3][:2]),
        issuer=to_checksum_address(issuer),
        origins=tuple(origins),
        carats=carats,
        value_usd=value,
        parcels=parcels,
        hs_code=hs_code,
        expires_at=expires,
        document=document,
        block=int(log["blockNumber"]),
        transaction="0x" + bytes(log["transactionHash"]).hex(),
    )


def token_of(log: Any, position: int) -> int:
    """The uint256 in topic ``position`` (the token id of Transfer, ReceiptConfirmed, ...)."""
    return int.from_bytes(log["topics"][position], "big")


def address_of(log: Any, position: int) -> str:
    return to_checksum_address(bytes(log["topics"][position])[-20:])


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
    """Logs of ``address`` matching ``topics`` in ``[first, last]``, read ``chunk`` blocks at a
    time; a range the node refuses (too many blocks or results) is halved and retried."""
    logs: list[Any] = []
    start = first
    while start <= last:
        end = min(start + chunk - 1, last)
        query = {"address": address, "fromBlock": start, "toBlock": end, "topics": topics}
        try:
            logs += w3.eth.get_logs(query)  # type: ignore[arg-type]
        except (Web3RPCError, ValueError) as error:
            if chunk == 1:
                raise KPError(f"the node refused the logs of block {start}: {error}") from None
            chunk = max(1, chunk // 2)  # the node caps the range or the number of results
            continue
        if progress:
            progress(end - first + 1, last - first + 1)
        start = end + 1
    return logs


def issued_logs(w3: Web3, address: str, token_ids: Iterable[int], first: int, last: int) -> dict[int, Issued]:
    """The `CertificateIssued` events of ``token_ids``, by token id."""
    ids = list(token_ids)
    found: dict[int, Issued] = {}
    for i in range(0, len(ids), MAX_TOPIC_VALUES):
        part = [word(t) for t in ids[i : i + MAX_TOPIC_VALUES]]
        for log in get_logs(w3, address, [topic("CertificateIssued"), part], first, last):
            event = decode_issued(log)
            found[event.token_id] = event
    return found
