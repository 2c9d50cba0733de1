"""Certificate documents: validation, canonical form and the salted commitment stored on chain.

A certificate document is JSON with exactly the fields in :data:`FIELDS`. The chain stores only a
32-byte commitment to it, built so that a guessed exporter name cannot be confirmed by hashing and so
that the holder can show any single field with its salt (scheme ``kp-document-v1``)::

    leaf(field)  = keccak256(salt[field] ++ UTF-8(JCS([field, value])))
    commitment   = keccak256(UTF-8("kp-document-v1") ++ leaf(FIELDS[0]) ++ ... ++ leaf(FIELDS[12]))

A certificate also names its ``parents``: where its rough comes from, with the carats drawn from
each. A parent is a confirmed import (``{"number": "BW-2024-000045", "carats": "250.00"}``), the
exporter's registered production (``{"production": "JWANENG-2024-Q3", ...}``) or a paper
certificate it registered on receipt (``{"paper": "ZA-2024-012345", ...}``); a sole parent's carats
may be left out (it gives them all). They are not among the committed fields: the chain records
each draw in clear (``CaratsDrawn``), and verification compares the document's parents with it.

JCS is the JSON Canonicalization Scheme (RFC 8785); each salt is 32 random bytes. Values enter in
their canonical form (see :meth:`Document.canonical`): the holder address EIP-55 checksummed, every
other field exactly as validated. ``docs/document.md`` states the scheme for other implementations,
and ``docs/test-vectors/document-v1.json`` gives vectors to check one against.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import rfc8785

from kp_py import _fields as read
from kp_py._abi import Draw, Issue
from kp_py._codes import NUMBER, ascii_bytes, number_to_token_id
from kp_py._fields import HS_CODES
from kp_py._hash import keccak
from kp_py._json import loads_strict
from kp_py._text import kind_of, paper_id, production_id
from kp_py.errors import DocumentError

SCHEME = "kp-document-v1"
FIELDS = (
    "number",
    "exporting",
    "importing",
    "origins",
    "exporter",
    "importer",
    "carats",
    "value_usd",
    "parcels",
    "hs_code",
    "issued",
    "expires",
    "holder",
)
MAX_PARENTS = 32

_LOT = re.compile(r"[A-Z0-9./-]{1,29}")
_PAPER_NUMBER = re.compile(r"[A-Z]{2}-[A-Z0-9./-]{1,26}")  # 29 characters at most: it fits a root id
_PARENT_KINDS = {"number": "certificate", "production": "production", "paper": "paper"}


@dataclass(frozen=True)
class Party:
    """An exporter or importer: commercially sensitive, never stored on chain in clear."""

    name: str
    address: str


@dataclass(frozen=True)
class Parent:
    """Carats a certificate draws from a parent: a certificate, or a root (``number`` is then the
    root's id, ``BW#JWANENG-2024-Q3`` or ``AE:ZA-2024-012345``, see ``kp_py._text``). ``origins`` are
    the parent's, as the chain has them; the client fills them in before issuing."""

    number: str
    carats: int
    origins: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``"certificate"``, ``"production"`` or ``"paper"``."""
        return kind_of(self.number)

    @property
    def token_id(self) -> int:
        return number_to_token_id(self.number)


@dataclass(frozen=True)
class Document:
    """A validated certificate document. Build one with :meth:`from_json` or :meth:`from_dict`.

    Amounts are integers: ``carats`` in hundredths of a carat, ``value_usd`` in cents.
    """

    number: str
    exporting: str
    importing: str
    origins: tuple[str, ...]
    exporter: Party
    importer: Party
    carats: int
    value_usd: int
    parcels: int
    hs_code: str
    issued: date
    expires: date
    holder: str
    parents: tuple[Parent, ...] = ()

    @classmethod
    def from_json(cls, text: str | bytes) -> Document:
        """Parse and validate a document from JSON text."""
        return cls.from_dict(loads_strict(text))

    @classmethod
    def from_dict(cls, data: Any) -> Document:
        """Validate a parsed document; the first problem found is raised as ``DocumentError``."""
        if not isinstance(data, Mapping):
            raise DocumentError("(document)", "must be a JSON object")
        missing = [f for f in FIELDS if f not in data]
        if missing:
            raise DocumentError(missing[0], "is missing")
        unknown = sorted(set(data) - {*FIELDS, "parents"})
        if unknown:
            raise DocumentError(unknown[0], "is not a certificate field")

        number = read.text(data, "number")
        exporting = read.code(data, "exporting")
        importing = read.code(data, "importing")
        if not NUMBER.fullmatch(number):
            raise DocumentError("number", f"{number!r} is not CC-... (capitals, digits, . / -, 32 at most)")
        if number[:2] != exporting:
            raise DocumentError("number", f"{number!r} must start with the exporting code {exporting}-")
        issued, expires = read.route_and_dates(data, exporting, importing)
        return cls(
            number=number,
            exporting=exporting,
            importing=importing,
            origins=read.origins(data),
            exporter=_party(data, "exporter"),
            importer=_party(data, "importer"),
            carats=read.amount(data, "carats", positive=True),
            value_usd=read.amount(data, "value_usd", positive=False),
            parcels=read.parcels(data),
            hs_code=read.hs_code(data),
            issued=issued,
            expires=expires,
            holder=read.holder(data),
            parents=_parents(data, number),
        )

    def canonical(self) -> dict[str, Any]:
        """The document as JSON values, in the canonical form the commitment hashes."""
        return {
            "number": self.number,
            "exporting": self.exporting,
            "importing": self.importing,
            "origins": list(self.origins),
            "exporter": {"name": self.exporter.name, "address": self.exporter.address},
            "importer": {"name": self.importer.name, "address": self.importer.address},
            "carats": f"{Decimal(self.carats) / 100:.2f}",
            "value_usd": f"{Decimal(self.value_usd) / 100:.2f}",
            "parcels": self.parcels,
            "hs_code": self.hs_code,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat(),
            "holder": self.holder,
        } | ({"parents": [_parent_json(p) for p in self.parents]} if self.parents else {})

    @property
    def token_id(self) -> int:
        """The certificate's token id: its number in ASCII, read as a 256-bit integer."""
        return number_to_token_id(self.number)

    @property
    def expires_at(self) -> int:
        """Unix time the certificate expires: the end of its expiry date, UTC."""
        return read.day_start(self.expires + timedelta(days=1))

    def issue_args(self, commitment: bytes) -> Issue:
        """The ``IKPCertificates.Issue`` struct for this document."""
        return Issue(
            ascii_bytes(self.number, 32),
            self.holder,
            ascii_bytes(self.importing, 2),
            [ascii_bytes(origin, 32) for origin in self.origins],
            self.carats,
            self.value_usd,
            self.parcels,
            HS_CODES[self.hs_code],
            self.expires_at,
            commitment,
            [_draw(parent) for parent in self.parents],
        )


@dataclass(frozen=True)
class Production:
    """Mined production a producing participant registers, for its first exports to draw on
    (``IKPCertificates.Production``). Its id is ``producer#lot``."""

    lot: str  # the mine or lot and period, e.g. "JWANENG-2024-Q3"
    origin: str  # the producer's code or one of its zones, "BW" or "BW/Jwaneng"
    carats: int  # hundredths of a carat
    period_start: date  # first day of the production period
    period_end: date  # last day of it

    @classmethod
    def from_dict(cls, data: Any) -> Production:
        """Validate ``{"lot", "origin", "carats", "from", "to"}``; errors name the field."""
        read.exact_fields(data, ("lot", "origin", "carats", "from", "to"), "production")
        lot = read.text(data, "lot")
        if not _LOT.fullmatch(lot):
            raise DocumentError("lot", f"{lot!r} is not 1 to 29 of A-Z 0-9 - . /")
        start, end = read.day(data, "from"), read.day(data, "to")
        if end < start:
            raise DocumentError("to", f"{end} is before the start of the period {start}")
        return cls(
            lot,
            read.origins({"origins": [data["origin"]]}, "origin")[0],
            read.amount(data, "carats", positive=True),
            start,
            end,
        )

    @property
    def producer(self) -> str:
        return self.origin[:2]

    @property
    def id(self) -> str:
        return production_id(self.producer, self.lot)

    def args(self) -> tuple[Any, ...]:
        """The ``Production`` struct, in ABI order; the period runs to the end of its last day."""
        return (
            ascii_bytes(self.lot, 32),
            ascii_bytes(self.origin, 32),
            self.carats,
            read.day_start(self.period_start),
            read.day_start(self.period_end + timedelta(days=1)),
        )


PAPER_FIELDS = (
    "number",
    "importing",
    "origins",
    "carats",
    "value_usd",
    "parcels",
    "hs_code",
    "issued",
    "expires",
)


@dataclass(frozen=True)
class PaperCertificate:
    """A paper KP certificate, as the importing authority registers it on receipt
    (``IKPCertificates.PaperCertificate``): the figures printed on it, not the traders' names. Its id
    is ``importing:number``."""

    number: str  # as printed, e.g. "ZA-2024-012345"; its prefix is the exporting participant
    importing: str  # the participant that received it
    origins: tuple[str, ...]
    carats: int  # hundredths of a carat
    value_usd: int  # US cents
    parcels: int
    hs_code: str
    issued: date
    expires: date

    @classmethod
    def from_json(cls, text: str | bytes) -> PaperCertificate:
        return cls.from_dict(loads_strict(text))

    @classmethod
    def from_dict(cls, data: Any) -> PaperCertificate:
        """Validate a paper certificate's fields (:data:`PAPER_FIELDS`); errors name the field."""
        read.exact_fields(data, PAPER_FIELDS, "paper certificate")
        number = read.text(data, "number")
        if not _PAPER_NUMBER.fullmatch(number):
            raise DocumentError("number", f"{number!r} is not CC-... (capitals, digits, . / -, 29 at most)")
        importing = read.code(data, "importing")
        issued, expires = read.route_and_dates(data, number[:2], importing)
        return cls(
            number=number,
            importing=importing,
            origins=read.origins(data),
            carats=read.amount(data, "carats", positive=True),
            value_usd=read.amount(data, "value_usd", positive=False),
            parcels=read.parcels(data),
            hs_code=read.hs_code(data),
            issued=issued,
            expires=expires,
        )

    @property
    def exporting(self) -> str:
        return self.number[:2]

    @property
    def id(self) -> str:
        return paper_id(self.importing, self.number)

    def args(self) -> tuple[Any, ...]:
        """The ``PaperCertificate`` struct, in ABI order; it expires at the end of its expiry date."""
        return (
            ascii_bytes(self.number, 32),
            ascii_bytes(self.importing, 2),
            [ascii_bytes(origin, 32) for origin in self.origins],
            self.carats,
            self.value_usd,
            self.parcels,
            HS_CODES[self.hs_code],
            read.day_start(self.issued),
            read.day_start(self.expires + timedelta(days=1)),
        )


Salts = dict[str, bytes]


def new_salts() -> Salts:
    """Fresh random salts, one per field."""
    pool = secrets.token_bytes(32 * len(FIELDS))
    return {field: pool[32 * i : 32 * i + 32] for i, field in enumerate(FIELDS)}


def salts_to_json(salts: Salts) -> dict[str, str]:
    """Salts as the files kp writes keep them: ``0x`` hex, one per field."""
    return {f: "0x" + salts[f].hex() for f in FIELDS}


def salts_from_json(data: Any) -> Salts:
    """Salts read back from a file: every field's, 32 bytes each, else ``DocumentError``."""
    try:
        salts = {f: bytes.fromhex(data[f].removeprefix("0x")) for f in FIELDS}
    except (KeyError, ValueError, AttributeError, TypeError):
        raise DocumentError("salts", "missing or not hex") from None
    short = [f for f, salt in salts.items() if len(salt) != 32]
    if short:
        raise DocumentError("salts", f"{short[0]}'s is not 32 bytes")
    return salts


def leaf(field: str, value: Any, salt: bytes) -> bytes:
    """The salted hash of one field: what disclosing that field alone reveals and proves."""
    if len(salt) != 32:
        raise DocumentError(field, "salt must be 32 bytes")
    return keccak(salt + rfc8785.dumps([field, value]))


def leaves(document: Document, salts: Salts) -> dict[str, bytes]:
    """Every field's leaf, in :data:`FIELDS` order."""
    values = document.canonical()
    return {field: leaf(field, values[field], salts[field]) for field in FIELDS}


def commitment_of_leaves(field_leaves: Mapping[str, bytes]) -> bytes:
    """The commitment over leaves given in any order."""
    return keccak(SCHEME.encode() + b"".join(field_leaves[field] for field in FIELDS))


def commitment(document: Document, salts: Salts) -> bytes:
    """The 32-byte commitment stored on chain for ``document``."""
    return commitment_of_leaves(leaves(document, salts))


# ---------------------------------------------------------------- field validators


def _parents(data: Mapping[str, Any], number: str) -> tuple[Parent, ...]:
    value = data.get("parents", [])
    if not isinstance(value, list):
        raise DocumentError("parents", f"must be a list, not {read.json_type(value)}")
    if len(value) > MAX_PARENTS:
        raise DocumentError("parents", f"must name at most {MAX_PARENTS} parents, not {len(value)}")
    parents: list[Parent] = []
    for item in value:
        keys = set(item) if isinstance(item, Mapping) else set()
        kinds = keys & set(_PARENT_KINDS)
        if len(kinds) != 1 or not keys - kinds <= {"carats", "origins"}:
            raise DocumentError(
                "parents",
                "each must be an object with one of 'number', 'production' or 'paper', "
                "'carats' (unless it is the only parent) and maybe 'origins'",
            )
        (key,) = kinds
        parent = _parent_id(_PARENT_KINDS[key], item[key], number[:2])
        if parent == number or parent in (p.number for p in parents):
            raise DocumentError("parents", f"names {item[key]} twice or as its own parent")
        if "carats" in item:
            try:
                carats = read.amount(item, "carats", positive=True)
            except DocumentError as error:
                raise DocumentError("parents", f"{item[key]}: carats {error.problem}") from None
        elif len(value) == 1:
            carats = read.amount(data, "carats", positive=True)  # the only parent gives them all
        else:
            raise DocumentError("parents", f"{item[key]}: carats are missing (there are several parents)")
        origins = read.origins(item, f"parents: {item[key]}: origins") if "origins" in item else ()
        parents.append(Parent(parent, carats, origins))
    return tuple(parents)


def _parent_id(kind: str, value: Any, exporting: str) -> str:
    """The id of a parent of a certificate exported by ``exporting``: a certificate number, or the id
    of a root the exporter registered (its own production, or a paper certificate it received)."""
    patterns = {"certificate": NUMBER, "production": _LOT, "paper": _PAPER_NUMBER}
    if not isinstance(value, str) or not patterns[kind].fullmatch(value):
        what = {
            "certificate": "a certificate number",
            "production": "a production lot (1 to 29 of A-Z 0-9 - . /)",
            "paper": "a paper certificate number (CC-..., 29 characters at most)",
        }[kind]
        raise DocumentError("parents", f"{value!r} is not {what}")
    if kind == "production":
        return production_id(exporting, value)
    if kind == "paper":
        return paper_id(exporting, value)
    return value


def _parent_json(parent: Parent) -> dict[str, Any]:
    origins = {"origins": list(parent.origins)} if parent.origins else {}
    kind = parent.kind
    named = (
        {"number": parent.number}
        if kind == "certificate"
        else {"production" if kind == "production" else "paper": parent.number[3:]}
    )
    return named | {"carats": f"{Decimal(parent.carats) / 100:.2f}"} | origins


def _draw(parent: Parent) -> Draw:
    """The ``IKPCertificates.Draw`` struct: the parent's origins must have been filled in."""
    if not parent.origins:
        raise DocumentError("parents", f"{parent.number}: its origins are not known (look them up on chain)")
    return Draw(parent.token_id, parent.carats, [ascii_bytes(origin, 32) for origin in parent.origins])


def _party(data: Mapping[str, Any], field: str) -> Party:
    value = data[field]
    if not isinstance(value, Mapping) or set(value) != {"name", "address"}:
        raise DocumentError(field, "must be an object with exactly 'name' and 'address'")
    for key in ("name", "address"):
        if not isinstance(value[key], str) or not value[key].strip():
            raise DocumentError(field, f"{key} must be a non-empty string")
        if not read.is_unicode(value[key]):
            raise DocumentError(field, f"{key} is not valid Unicode text (a lone surrogate)")
    return Party(name=value["name"], address=value["address"])
