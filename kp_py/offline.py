"""Keys kept off line: an authority signs an issue or a confirmation of receipt (EIP-712) on a
machine that never touches the network; anyone submits it from another and pays the gas.

    signed = sign_issue(officer, document, chain_id=11155111, contract="0x...", valid_for=86400)
    Path("cert.signed.json").write_text(signed.to_json())          # carry it to the online machine
    issued = relayer_kp.submit_issue(SignedIssue.from_json(...))

The EIP-712 domain names the chain and the certificate contract, so a signature is worthless on
any other; the message names the certificate number (or token id), so it can be used once; and it
carries a deadline. The contract checks that the signer is a valid authority key when it is
submitted, so a key disabled in between is refused.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from kp_py._abi import Issue
from kp_py._codes import token_id_to_number
from kp_py._json import loads_strict
from kp_py.document import Document, Salts, commitment, new_salts, salts_from_json, salts_to_json
from kp_py.errors import DocumentError, KPError

DOMAIN_NAME = "Kimberley Process Certificates"
DOMAIN_VERSION = "1"
ISSUE_TYPE = [
    {"name": "number", "type": "bytes32"},
    {"name": "holder", "type": "address"},
    {"name": "importing", "type": "bytes2"},
    {"name": "origins", "type": "bytes32[]"},
    {"name": "carats", "type": "uint40"},
    {"name": "valueUsd", "type": "uint40"},
    {"name": "parcels", "type": "uint32"},
    {"name": "hsCode", "type": "uint8"},
    {"name": "expiresAt", "type": "uint40"},
    {"name": "document", "type": "bytes32"},
    {"name": "parents", "type": "Draw[]"},
    {"name": "deadline", "type": "uint256"},
]
DRAW_TYPE = [
    {"name": "tokenId", "type": "uint256"},
    {"name": "carats", "type": "uint40"},
    {"name": "origins", "type": "bytes32[]"},
]
CONFIRM_TYPE = [{"name": "tokenId", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]


def domain(chain_id: int, contract: str) -> dict[str, Any]:
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(contract),
    }


@dataclass(frozen=True)
class SignedIssue:
    """An issue signed off line: the document with its salts (keep it as confidential as the
    issued document), the authority, the deadline and the signature."""

    document: Document
    salts: Salts
    authority: str
    deadline: int
    signature: bytes
    chain_id: int
    contract: str

    def issue_args(self) -> Issue:
        return self.document.issue_args(commitment(self.document, self.salts))

    def to_json(self) -> str:
        return json.dumps(
            {
                "kp": "signed-issue/v1",
                "document": self.document.canonical(),
                "salts": salts_to_json(self.salts),
                "authority": self.authority,
                "deadline": self.deadline,
                "signature": "0x" + self.signature.hex(),
                "chain_id": self.chain_id,
                "contract": self.contract,
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignedIssue:
        data = _load(text, "signed-issue/v1")
        try:
            return cls(
                document=Document.from_dict(data["document"]),
                salts=salts_from_json(data["salts"]),
                authority=to_checksum_address(data["authority"]),
                deadline=int(data["deadline"]),
                signature=bytes.fromhex(data["signature"].removeprefix("0x")),
                chain_id=int(data["chain_id"]),
                contract=to_checksum_address(data["contract"]),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise KPError(f"not a valid signed issue: {error}") from None


@dataclass(frozen=True)
class SignedConfirmation:
    """A confirmation of receipt signed off line."""

    token_id: int
    authority: str
    deadline: int
    signature: bytes
    chain_id: int
    contract: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "kp": "signed-confirmation/v1",
                "number": token_id_to_number(self.token_id),
                "token_id": str(self.token_id),
                "authority": self.authority,
                "deadline": self.deadline,
                "signature": "0x" + self.signature.hex(),
                "chain_id": self.chain_id,
                "contract": self.contract,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignedConfirmation:
        data = _load(text, "signed-confirmation/v1")
        try:
            return cls(
                token_id=int(data["token_id"]),
                authority=to_checksum_address(data["authority"]),
                deadline=int(data["deadline"]),
                signature=bytes.fromhex(data["signature"].removeprefix("0x")),
                chain_id=int(data["chain_id"]),
                contract=to_checksum_address(data["contract"]),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise KPError(f"not a valid signed confirmation: {error}") from None


def sign_issue(
    authority: LocalAccount,
    document: Document,
    *,
    chain_id: int,
    contract: str,
    valid_for: int = 7 * 86_400,
    salts: Salts | None = None,
) -> SignedIssue:
    """Sign the issue of ``document`` as ``authority``, valid for ``valid_for`` seconds from now."""
    salts = salts or new_salts()
    deadline = int(time.time()) + valid_for
    issue = document.issue_args(commitment(document, salts))
    message = {
        "number": issue.number,
        "holder": issue.holder,
        "importing": issue.importing,
        "origins": issue.origins,
        "carats": issue.carats,
        "valueUsd": issue.value_usd,
        "parcels": issue.parcels,
        "hsCode": issue.hs_code,
        "expiresAt": issue.expires_at,
        "document": issue.document,
        "parents": [{"tokenId": d.token_id, "carats": d.carats, "origins": d.origins} for d in issue.parents],
        "deadline": deadline,
    }
    types = {"IssueCertificate": ISSUE_TYPE, "Draw": DRAW_TYPE}
    signed = authority.sign_typed_data(domain(chain_id, contract), types, message)
    return SignedIssue(document, salts, authority.address, deadline, bytes(signed.signature), chain_id,
                       to_checksum_address(contract))  # fmt: skip


def sign_confirmation(
    authority: LocalAccount, token_id: int, *, chain_id: int, contract: str, valid_for: int = 7 * 86_400
) -> SignedConfirmation:
    """Sign the confirmation of receipt of certificate ``token_id`` as ``authority``."""
    deadline = int(time.time()) + valid_for
    message = {"tokenId": token_id, "deadline": deadline}
    signed = authority.sign_typed_data(domain(chain_id, contract), {"ConfirmReceipt": CONFIRM_TYPE}, message)
    return SignedConfirmation(token_id, authority.address, deadline, bytes(signed.signature), chain_id,
                              to_checksum_address(contract))  # fmt: skip


def _load(text: str | bytes, kind: str) -> dict[str, Any]:
    try:
        data = loads_strict(text)
    except DocumentError as error:
        raise KPError(f"not a {kind} file: {error.problem}") from None
    if not isinstance(data, dict) or data.get("kp") != kind:
        raise KPError(f"not a {kind} file (its 'kp' field must be {kind!r})")
    return data
