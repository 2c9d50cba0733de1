"""Artifacts, encodings and revert decoding shared by the client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from functools import cache
from importlib import resources
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from kp_py._codes import PROPOSAL_STATES, SCOPES, STANDINGS, STATUSES, ascii_text, token_id_to_number
from kp_py._text import hundredths, record_name
from kp_py.errors import ContractRevert, ReasonGiven, error_class, timestamp

CONTRACTS = ("KPRegistry", "KPPlenary", "KPCertificates", "KPCertificateArt")  # whose errors are decoded

ROLE_NAMES = {
    bytes(32): "admin",
    keccak(b"CHAIR_ROLE"): "Chair",
    keccak(b"SECRETARIAT_ROLE"): "secretariat",
}
_TIME_NAMES = {
    "since",
    "until",
    "validFrom",
    "validUntil",
    "earliest",
    "requested",
    "expiresAt",
    "deadline",
    "now",
    "disabledFrom",
    "start",
    "end",
    "issuedAt",
    "schedule",
    "readyAt",
    "expiredAt",
}
_CARAT_NAMES = {"carats", "remaining", "drawn"}  # hundredths of a carat, shown as 12.50
_ENUMS = {
    "standing": STANDINGS,
    "requested": STANDINGS,
    "scope": SCOPES,
    "status": STATUSES,
    "state": PROPOSAL_STATES,
}


@cache
def artifact(name: str) -> dict[str, Any]:
    """The shipped compiled artifact of contract ``name`` (abi, bytecode)."""
    text = resources.files("kp_py").joinpath("artifacts", f"{name}.json").read_text()
    result: dict[str, Any] = json.loads(text)
    return result


@cache
def _errors() -> dict[bytes, tuple[str, list[dict[str, Any]]]]:
    table = {}
    for name in CONTRACTS:
        for item in artifact(name)["abi"]:
            if item["type"] == "error":
                types = ",".join(canonical_type(i) for i in item["inputs"])
                selector = function_signature_to_4byte_selector(f"{item['name']}({types})")
                table[selector] = (item["name"], item["inputs"])
    return table


@cache
def _selectors() -> dict[bytes, str]:
    table = {}
    for item in artifact("KPRegistry")["abi"]:
        if item["type"] == "function":
            types = ",".join(canonical_type(i) for i in item["inputs"])
            table[function_signature_to_4byte_selector(f"{item['name']}({types})")] = item["name"]
    return table


def function_name(selector: bytes) -> str:
    """The registry function a 4-byte selector calls, or the selector in hex."""
    return _selectors().get(bytes(selector), "0x" + bytes(selector).hex())


@cache
def _function(contract: str, name: str) -> tuple[bytes, list[str]]:
    (item,) = [i for i in artifact(contract)["abi"] if i["type"] == "function" and i["name"] == name]
    types = [canonical_type(i) for i in item["inputs"]]
    return function_signature_to_4byte_selector(f"{name}({','.join(types)})"), types


def encode_call(contract: str, name: str, args: Sequence[Any]) -> bytes:
    """Calldata of ``contract.name(*args)``, straight through eth-abi (no web3 lookup per call)."""
    selector, types = _function(contract, name)
    return selector + encode(types, list(args))


@cache
def _outputs(contract: str, name: str) -> list[str]:
    (item,) = [i for i in artifact(contract)["abi"] if i["type"] == "function" and i["name"] == name]
    return [canonical_type(i) for i in item["outputs"]]


def decode_result(contract: str, name: str, data: bytes) -> tuple[Any, ...]:
    """What ``contract.name`` returned, from a raw ``eth_call`` answer, by its ABI's outputs."""
    return tuple(decode(_outputs(contract, name), data))


@dataclass(frozen=True)
class Draw:
    """``IKPCertificates.Draw``: carats drawn from a parent, with the parent's origins."""

    token_id: int
    carats: int
    origins: list[bytes]


@dataclass(frozen=True)
class Issue:
    """``IKPCertificates.Issue``, field by field in ABI order; :meth:`abi` is the tuple eth-abi and
    web3 encode."""

    number: bytes
    holder: str
    importing: bytes
    origins: list[bytes]
    carats: int
    value_usd: int
    parcels: int
    hs_code: int
    expires_at: int
    document: bytes
    parents: list[Draw]

    def abi(self) -> tuple[Any, ...]:
        """The struct as nested tuples, in ABI order."""
        return astuple(self)


def encode_issues(issues: Sequence[Issue], *, batch: bool) -> bytes:
    """Calldata of ``issue(Issue)`` (one) or ``issueBatch(Issue[])``, written directly.

    The same bytes as :func:`encode_call` (a test checks), several times faster for a batch of a
    hundred: each ``Issue`` is eleven head words, two of them the offsets of its ``origins`` and
    ``parents`` arrays, followed by those arrays.
    """
    tuples = [_issue_tuple(issue) for issue in issues]
    if not batch:
        (only,) = tuples
        return _function("KPCertificates", "issue")[0] + _word(32) + only
    return _function("KPCertificates", "issueBatch")[0] + _word(32) + _dynamic_array(tuples)


def _issue_tuple(issue: Issue) -> bytes:
    encoded_origins = _bytes32_array(issue.origins)
    draws = [
        _word(draw.token_id) + _word(draw.carats) + _word(96) + _bytes32_array(draw.origins)
        for draw in issue.parents
    ]
    return b"".join(
        [
            bytes(issue.number).ljust(32, b"\0"),
            bytes(12) + bytes.fromhex(str(issue.holder)[2:]),
            bytes(issue.importing).ljust(32, b"\0"),
            _word(11 * 32),  # the origins array follows the eleven head words
            _word(issue.carats),
            _word(issue.value_usd),
            _word(issue.parcels),
            _word(issue.hs_code),
            _word(issue.expires_at),
            bytes(issue.document),
            _word(11 * 32 + len(encoded_origins)),  # then the parents array
            encoded_origins,
            _dynamic_array(draws),
        ]
    )


def _bytes32_array(items: Sequence[bytes]) -> bytes:
    return _word(len(items)) + b"".join(bytes(item).ljust(32, b"\0") for item in items)


def _dynamic_array(encoded: Sequence[bytes]) -> bytes:
    """An array of dynamic elements: its length, the offset of each element, then the elements."""
    offsets, position = [], 32 * len(encoded)
    for element in encoded:
        offsets.append(_word(position))
        position += len(element)
    return _word(len(encoded)) + b"".join(offsets) + b"".join(encoded)


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def encode_deploy(contract: str, args: Sequence[Any]) -> bytes:
    """Creation code of ``contract`` with its constructor arguments."""
    (constructor,) = [i for i in artifact(contract)["abi"] if i["type"] == "constructor"]
    code = bytes.fromhex(artifact(contract)["bytecode"].removeprefix("0x"))
    return code + encode([canonical_type(i) for i in constructor["inputs"]], list(args))


def canonical_type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


def decode_revert(data: bytes) -> ContractRevert:
    """Turn revert data into the ``KPError`` subclass of its custom error."""
    if len(data) < 4:
        return ContractRevert("reverted without a reason", {})
    found = _errors().get(data[:4])
    if found is None:
        if data[:4] == bytes.fromhex("4e487b71"):
            (code,) = decode(["uint256"], data[4:])
            return ContractRevert(f"panic 0x{code:02x}", {})
        if data[:4] == bytes.fromhex("08c379a0"):  # Error(string)
            (reason,) = decode(["string"], data[4:])
            return ReasonGiven("Error", {"reason": reason}, (reason,))
        return ContractRevert(f"unknown error 0x{data[:4].hex()}", {})
    name, inputs = found
    raw = tuple(
        to_checksum_address(v) if i["type"] == "address" else v
        for i, v in zip(inputs, decode([canonical_type(i) for i in inputs], data[4:]), strict=True)
    )
    values = {i["name"]: _readable(i["name"], i["type"], v) for i, v in zip(inputs, raw, strict=True)}
    return error_class(name)(name, values, tuple(raw))


def _readable(name: str, abi_type: str, value: Any) -> Any:
    if name in ("tokenId", "parentId", "rootId"):
        return record_name(token_id_to_number(value))
    if name in _CARAT_NAMES:
        return hundredths(value)
    if name in ("role", "neededRole"):
        return ROLE_NAMES.get(value, "0x" + value.hex())
    if abi_type in ("bytes2", "bytes32"):
        return ascii_text(value)
    if abi_type == "bytes4":
        return function_name(value)
    if abi_type == "address":
        return to_checksum_address(value)
    if name in _ENUMS and abi_type == "uint8" and value < len(_ENUMS[name]):
        return _ENUMS[name][value]
    if name in _TIME_NAMES and abi_type in ("uint40", "uint256"):
        return timestamp(value)
    return value
