"""kp_py/errors.py's table of contract errors against the contracts' ABIs: every custom error a
contract can revert with (OpenZeppelin's included) has its own exception class and sentence, each
sentence names only arguments of its error, and the table names no error the contracts lack. Every
error decodes from revert data built from its ABI entry, so no refusal falls back to a generic
``ContractRevert``."""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from kp_py import _build
from kp_py._abi import artifact, canonical_type, decode_revert
from kp_py.errors import _ERRORS, ERROR_CLASSES, ContractRevert, NotPermitted, Refused

# KPCertificateArt, which KPCertificates deploys and calls, ships no artifact: the slow test below
# compiles it to check its ABI too.
SHIPPED = _build.CONTRACTS

NUMBER = b"AE-2024-000123".ljust(32, b"\0")
TOKEN_ID = int.from_bytes(NUMBER, "big")
HOLDER = to_checksum_address("0x" + "11" * 20)
OTHER = to_checksum_address("0x" + "22" * 20)


def errors_of(abis: Iterable[list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The custom errors in ``abis``, by name, with their inputs; a name means one signature."""
    found: dict[str, list[dict[str, Any]]] = {}
    for abi in abis:
        for item in abi:
            if item["type"] == "error":
                assert found.setdefault(item["name"], item["inputs"]) == item["inputs"], item["name"]
    return found


SHIPPED_ERRORS = errors_of(artifact(name)["abi"] for name in SHIPPED)


def placeholders(template: str) -> set[str]:
    """The argument names a message template formats (``{code!r}`` names ``code``)."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def sample(item: dict[str, Any]) -> Any:
    """A plausible value for an error input, by its type (and name, for token ids and roles)."""
    abi_type = canonical_type(item)
    if item["name"] in ("tokenId", "parentId", "rootId"):
        return TOKEN_ID
    if item["name"] in ("role", "neededRole"):
        return keccak(b"CHAIR_ROLE")
    samples = {
        "address": HOLDER,
        "bytes2": b"BW",
        "bytes4": bytes.fromhex("a13a0a34"),
        "bytes32": NUMBER,
        "string": "Kimberley",
        "bool": True,
    }
    if abi_type in samples:
        return samples[abi_type]
    assert abi_type.startswith("uint"), f"no sample for {abi_type}: add one"
    return 1


def revert_data(name: str, inputs: list[dict[str, Any]], values: tuple[Any, ...]) -> bytes:
    """What a contract returns when it reverts with error ``name(values)``."""
    types = [canonical_type(i) for i in inputs]
    return function_signature_to_4byte_selector(f"{name}({','.join(types)})") + encode(types, values)


def test_every_error_of_the_contracts_has_its_own_exception():
    missing = sorted(set(SHIPPED_ERRORS) - set(_ERRORS))
    assert missing == [], f"add these to kp_py/errors.py's _ERRORS: {missing}"


def test_the_table_names_only_errors_the_contracts_have():
    assert sorted(set(_ERRORS) - set(SHIPPED_ERRORS)) == []


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_a_message_names_only_arguments_of_its_error(name):
    _, template = _ERRORS[name]
    inputs = {i["name"] for i in SHIPPED_ERRORS.get(name, [])}
    assert placeholders(template) <= inputs, f"{name}{sorted(inputs)}: {template!r}"


@pytest.mark.parametrize("name", sorted(SHIPPED_ERRORS))
def test_every_error_decodes_from_its_revert_data(name):
    inputs = SHIPPED_ERRORS[name]
    values = tuple(sample(i) for i in inputs)
    error = decode_revert(revert_data(name, inputs, values))
    assert type(error) is ERROR_CLASSES[name]
    assert isinstance(error, _ERRORS[name][0])
    assert (error.error, error.raw, list(error.values)) == (name, values, [i["name"] for i in inputs])
    assert "{" not in str(error) and name not in str(error)  # a sentence, not the generic fallback


# The errors the table lacked until it was checked against the ABIs: OpenZeppelin's, which no
# project code raises (a certificate never moves; the EIP-712 name and version are short; block time
# fits 48 bits), so revert data built from the ABI stands in for a revert on the chain.
ADDED = [
    (
        "ERC721IncorrectOwner",
        (HOLDER, TOKEN_ID, OTHER),
        NotPermitted,
        f"certificate AE-2024-000123 is held by {OTHER}, not by {HOLDER}",
    ),
    (
        "ERC721InsufficientApproval",
        (HOLDER, TOKEN_ID),
        NotPermitted,
        f"{HOLDER} is not approved for certificate AE-2024-000123: certificates cannot be delegated",
    ),
    (
        "ERC721InvalidApprover",
        (HOLDER,),
        Refused,
        f"{HOLDER} cannot approve anyone: certificates cannot be delegated",
    ),
    (
        "ERC721InvalidOperator",
        (HOLDER,),
        Refused,
        f"{HOLDER} cannot be an operator: certificates cannot be delegated",
    ),
    (
        "ERC721InvalidSender",
        (HOLDER,),
        Refused,
        f"{HOLDER} cannot send certificates: they are bound to their holder",
    ),
    ("ERC721InvalidReceiver", (HOLDER,), Refused, f"{HOLDER} cannot receive certificates"),
    (
        "StringTooLong",
        ("Kimberley Process Certificates of Origin",),
        Refused,
        "'Kimberley Process Certificates of Origin' is longer than the 31 bytes of an EIP-712 short string",
    ),
    ("InvalidShortString", (), Refused, "the EIP-712 name or version is not a valid short string"),
    (
        "SafeCastOverflowedUintDowncast",
        (48, 2**48),
        Refused,
        f"{2**48} does not fit in 48 bits",
    ),
]


@pytest.mark.parametrize(("name", "values", "base", "message"), ADDED, ids=[row[0] for row in ADDED])
def test_an_added_error_reads_as_a_sentence(name, values, base, message):
    error = decode_revert(revert_data(name, SHIPPED_ERRORS[name], values))
    assert type(error).__name__ == name and isinstance(error, base)
    assert str(error) == message


def test_the_generic_revert_is_left_for_unknown_errors():
    error = decode_revert(function_signature_to_4byte_selector("NoSuchError()"))
    assert type(error) is ContractRevert


@pytest.mark.slow
def test_the_art_contract_raises_no_error_the_table_lacks():
    """KPCertificateArt ships no artifact; compile it (with the others, from the sources) and check
    its ABI against the table too."""
    fresh = _build.compile_contracts(names=(*SHIPPED, "KPCertificateArt"))
    errors = errors_of(compiled["abi"] for compiled in fresh.values())
    assert sorted(set(errors) - set(_ERRORS)) == []
    for name, inputs in errors.items():
        assert placeholders(_ERRORS[name][1]) <= {i["name"] for i in inputs}, name
