"""The issued document: what an authority keeps, and gives the holder, after issue (the document,
its salts, and where it lives on chain), the file ``kp issue`` writes beside its input, and the one
reader of a document a holder shows (issued, with salts, or plain).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eth_utils import to_checksum_address

from kp_py._json import loads_strict
from kp_py.document import (
    Document,
    Salts,
    commitment,
    leaves,
    salts_from_json,
    salts_to_json,
)
from kp_py.errors import DocumentError, KPError
from kp_py.records import token_id_of

KIND = "issued-document/v1"
SUFFIX = ".issued.json"


def issued_path(source: Path) -> Path:
    """Where the issued document of ``source`` (``cert.json``, ``cert.signed.json``) is written:
    ``cert.issued.json`` beside it."""
    signed = source.name.endswith(".signed.json")
    stem = source.name.removesuffix(".signed.json") if signed else source.stem
    return source.with_name(stem + SUFFIX)


@dataclass(frozen=True)
class IssuedDocument:
    """What an authority keeps, and gives the holder, after issue: the document, its salts and where
    it lives on chain. ``to_json`` / ``from_json`` give the file ``kp issue`` writes."""

    document: Document
    salts: Salts
    chain_id: int
    contract: str
    token_id: int
    transaction: str
    leaves: dict[str, bytes] | None = None  # as read from a file: the fingerprints written at issue

    @property
    def commitment(self) -> bytes:
        return commitment(self.document, self.salts)

    def to_json(self) -> str:
        return json.dumps(
            {
                "kp": KIND,
                "document": self.document.canonical(),
                "salts": salts_to_json(self.salts),
                "leaves": {f: "0x" + v.hex() for f, v in leaves(self.document, self.salts).items()},
                "commitment": "0x" + self.commitment.hex(),
                "chain_id": self.chain_id,
                "contract": self.contract,
                "token_id": str(self.token_id),
                "transaction": self.transaction,
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> IssuedDocument:
        data = loads_strict(text)
        if not isinstance(data, dict) or data.get("kp") != KIND:
            raise KPError("not an issued certificate document (kp: issued-document/v1)")
        salts = salts_from_json(data.get("salts"))
        try:
            file_leaves = {f: bytes.fromhex(v.removeprefix("0x")) for f, v in data.get("leaves", {}).items()}
        except (ValueError, AttributeError, TypeError):
            file_leaves = {}
        try:
            document = Document.from_dict(data["document"])
            return cls(
                document=document,
                salts=salts,
                chain_id=int(data["chain_id"]),
                contract=to_checksum_address(data["contract"]),
                token_id=_token_id(data["token_id"]),
                transaction=str(data["transaction"]),
                leaves=file_leaves or None,
            )
        except DocumentError:
            raise
        except KeyError as missing:
            raise KPError(f"the issued document has no {missing.args[0]!r}") from None
        except (ValueError, TypeError):
            raise KPError("the issued document's chain_id, contract or token_id cannot be read") from None


def read_shown(raw: bytes | str, source: str = "") -> IssuedDocument | Document:
    """The document a holder shows, from its bytes: an issued document (``kp``:
    ``issued-document/v1``, with salts) or a plain certificate document; ``KPError`` naming
    ``source`` (a file name) and the field at fault otherwise."""
    where = f"{source}: " if source else ""
    data = loads_strict(raw, source=source or None)
    try:
        if isinstance(data, dict) and data.get("kp") == KIND:
            return IssuedDocument.from_json(raw)
        if isinstance(data, dict) and "kp" in data:
            raise KPError(f"not a certificate document (kp: {data['kp']!r})")
        return Document.from_dict(data)
    except DocumentError as error:
        raise DocumentError(error.field, error.problem, source or None) from None
    except KPError as error:
        raise KPError(f"{where}{error}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KPError(f"{where}not a certificate document") from None


def _token_id(value: object) -> int:
    """The token id a file names, in decimal digits (:func:`kp_py.records.token_id_of`)."""
    if not isinstance(value, (str, int)) or not str(value).isdigit():
        raise KPError(f"the issued document's token_id {str(value)[:40]!r} is not decimal digits")
    return token_id_of(str(value))
