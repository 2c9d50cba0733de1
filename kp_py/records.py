"""What the chain holds, as records: a deployment, a participant and its embargoes, an authority key, a
certificate (and a certificate as its events list it), and when its receipt was confirmed or it was
voided. Each knows its JSON; :func:`certificate_rows` is the one list of labels the CLI, the page and
the PDF describe a certificate with; :func:`token_id_of` reads a number or token id as typed.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from kp_py._codes import NUMBER, STATUSES, ascii_bytes, number_to_token_id, token_id_to_number
from kp_py._text import drawn_from, hundredths, iso, last_day, usd
from kp_py.errors import KPError, timestamp

if TYPE_CHECKING:
    from kp_py.document import Parent

PARTICIPANTS_FILE = Path(__file__).resolve().parent / "data" / "kp-participants.csv"  # shipped with kp


@dataclass(frozen=True)
class Deployment:
    """Where the contracts of one chain live."""

    chain_id: int
    registry: str
    certificates: str
    block: int


@dataclass(frozen=True)
class Embargo:
    """An embargo on one direction of trade; ``until`` None when open-ended."""

    since: datetime | str
    until: datetime | str | None
    compliant_zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participant:
    code: str
    name: str
    standing: str
    standing_since: datetime | str
    exports_embargo: Embargo | None
    imports_embargo: Embargo | None


@dataclass(frozen=True)
class Authority:
    address: str
    participant: str
    valid_from: datetime | str
    valid_until: datetime | str


@dataclass(frozen=True)
class Certificate:
    """A certificate as the chain knows it, with its issuance event."""

    number: str
    token_id: int
    status: str
    holder: str
    issuer: str
    exporting: str
    importing: str
    origins: tuple[str, ...]
    carats: int
    value_usd: int
    parcels: int
    hs_code: str
    issued_at: datetime | str
    expires_at: int
    commitment: bytes
    issuer_valid_at_issue: bool
    block: int
    transaction: str
    parents: tuple[Parent, ...] = ()  # the certificates it drew on, with the carats drawn from each
    drawn: int = 0  # hundredths of a carat later certificates drew from it

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as decimal strings, times as ISO 8601, bytes as hex."""
        return record_json(self)


@dataclass(frozen=True)
class Listed:
    """One certificate as its events tell it: what ``list`` and statistics work from."""

    number: str
    token_id: int
    status: str
    exporting: str
    importing: str
    holder: str
    issuer: str
    origins: tuple[str, ...]
    carats: int
    value_usd: int
    parcels: int
    hs_code: str
    expires_at: int
    block: int
    transaction: str
    issued_at: datetime | str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as :func:`record_json` makes it (tests/test_records.py compares them),
        written out: ``kp list --json`` makes one per certificate."""
        expires_at, expires = _expiry(self.expires_at)
        return {
            "number": self.number,
            "token_id": str(self.token_id),
            "status": self.status,
            "exporting": self.exporting,
            "importing": self.importing,
            "holder": self.holder,
            "issuer": self.issuer,
            "origins": list(self.origins),
            "carats": hundredths(self.carats),
            "value_usd": hundredths(self.value_usd),
            "parcels": self.parcels,
            "hs_code": self.hs_code,
            "expires": expires,
            "expires_at": expires_at,
            "block": self.block,
            "transaction": self.transaction,
            "issued_at": iso(self.issued_at),
        }


_ENCODE = msgspec.json.Encoder().encode
# A listed row's opening with its status: the status goes first, the rest of the row is as kept.
_WITH_STATUS = {status: '{"status":"' + status + '",' for status in STATUSES[1:]}


def listed_json(listed: Listed) -> str:
    """A listed certificate's JSON but its status, which changes (a confirmation, a void, time):
    what the index keeps of each certificate, for :func:`with_status` to complete."""
    row = listed.to_dict()
    del row["status"]
    return _ENCODE(row).decode()


def with_status(row: str, status: str) -> str:
    """A row of :func:`listed_json` with its status: a line of ``kp list --json`` (the keys of
    :meth:`Listed.to_dict`, the status first)."""
    return _WITH_STATUS[status] + row[1:]


@lru_cache(maxsize=4096)
def _expiry(seconds: int) -> tuple[str, str]:
    """An expiry as ``expires_at`` and ``expires`` (its last day) say it: certificates share days."""
    moment = timestamp(seconds)
    return iso(moment), last_day(moment)


# What identifies the form of listed_json's rows: the digest of a fixed certificate's. An index keeps
# it, and writes its rows again when a kp that writes another form opens it (any change of
# Listed.to_dict changes it, without a version to remember to raise).
LISTED_FORM = hashlib.sha256(
    listed_json(
        Listed("AE-2024-000001", 1, "", "AE", "BW", "0x" + "0" * 40, "0x" + "1" * 40, ("AE", "BW"),
               125050, 312500000, 3, "7102.31", 1_767_225_600, 42, "0x" + "ab" * 32, "2024-11-29 10:00:00")
    ).encode()
).hexdigest()[:16]  # fmt: skip


@dataclass(frozen=True)
class StatusChange:
    """The confirmation of receipt or the voiding of a certificate, from its event: the chain keeps
    its time, key and reason there only."""

    what: str  # "receipt confirmed" or "voided"
    at: datetime | str
    authority: str
    block: int
    transaction: str
    reason: str = ""  # why it was voided

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "at": iso(self.at),
            "authority": self.authority,
            "reason": self.reason or None,
            "block": self.block,
            "transaction": self.transaction,
        }

    def text(self) -> str:
        """``2024-11-29 10:00:00 UTC, fraud, by 0x...``"""
        reason = f", {self.reason}" if self.reason else ""
        return f"{iso(self.at)} UTC{reason}, by {self.authority}"


def route_row(exporting: str, importing: str) -> tuple[str, str]:
    return ("Route", f"{exporting} -> {importing}")


def carats_row(carats: int) -> tuple[str, str]:
    return ("Carat weight", f"{hundredths(carats)} ct")


def last_day_row(expires_at: int) -> tuple[str, str]:
    return ("Last day of validity", last_day(timestamp(expires_at)))


def listed_rows(listed: Listed) -> list[tuple[str, str]]:
    """A listed certificate in the labels of :func:`certificate_rows`: what a holder's page shows
    of each certificate a wallet holds."""
    return [
        ("Certificate number", listed.number),
        ("Status", listed.status),
        route_row(listed.exporting, listed.importing),
        carats_row(listed.carats),
        last_day_row(listed.expires_at),
    ]


def certificate_rows(
    cert: Certificate,
    *,
    names: Mapping[str, str] | None = None,
    change: StatusChange | None = None,
    parties: tuple[str, str] | None = None,
    provenance: str = "",
) -> list[tuple[str, str]]:
    """The certificate as label and value rows, the one list the CLI, the page and the PDF show:
    ``names`` of participants by code, ``change`` its confirmation or voiding, ``parties`` the
    exporter and importer from the holder's document (never on chain), ``provenance`` where custody
    starts."""
    named = names or {}

    def participant(code: str) -> str:
        return f"{code} {named.get(code, '')}".strip()

    rows = [
        ("Certificate number", cert.number),
        ("Status", cert.status),
        route_row(cert.exporting, cert.importing),
        ("Exporting participant", participant(cert.exporting)),
        ("Importing participant", participant(cert.importing)),
        ("Issuing authority (key)", cert.issuer),
        ("Country(ies) of origin", ", ".join(cert.origins)),
        ("Drawn from", drawn_from(cert.parents)),
    ]
    if provenance:
        rows.append(("Provenance", provenance))
    if parties is not None:
        rows += [("Exporter", parties[0]), ("Importer", parties[1])]
    rows += [
        carats_row(cert.carats),
        ("Value", f"US$ {usd(cert.value_usd)}"),
        ("Number of parcels", str(cert.parcels)),
        ("HS classification", cert.hs_code),
        ("Date of issue", f"{iso(cert.issued_at)} UTC"),
        last_day_row(cert.expires_at),
    ]
    if change is not None and change.what == "voided":
        rows.append(("Voided", change.text()))
    elif change is not None:
        rows.append(("Receipt confirmed", change.text()))
    elif cert.status == "issued":
        rows.append(("Receipt confirmed", "not yet"))
    rows += [
        ("Holder (wallet)", cert.holder),
        ("Drawn by later certificates", f"{hundredths(cert.drawn)} ct"),
        ("Validation", f"block {cert.block}, transaction {cert.transaction}"),
        ("Token id", str(cert.token_id)),
        ("Document commitment", "0x" + cert.commitment.hex()),
    ]
    return rows


def record_json(record: Certificate | Listed) -> dict[str, Any]:
    """A certificate record as JSON values, field by field."""
    out: dict[str, Any] = {}
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name in ("carats", "value_usd", "drawn"):
            value = hundredths(value)
        elif item.name == "expires_at":
            out["expires"] = last_day(timestamp(value))  # the document's word: its last day
            value = iso(timestamp(value))
        elif isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, bytes):
            value = "0x" + value.hex()
        elif item.name == "parents":
            value = [{"number": p.number, "carats": hundredths(p.carats)} for p in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif item.name == "token_id":
            value = str(value)
        out[item.name] = value
    return out


def read_participants(path: Path) -> list[dict[str, str]]:
    """Rows of a participants CSV; every cell stays text (Namibia's code ``NA`` included)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        if not row.get("code") or not row.get("name"):
            raise KPError(f"{path}, line {line}: a participant needs a code and a name")
    return rows


def embargo_of(since: int, until: int, zones: tuple[str, ...] = ()) -> Embargo | None:
    if since == 0:
        return None
    return Embargo(timestamp(since), timestamp(until) if until else None, zones)


def token_id_of(number: str | int) -> int:
    """The token id of a certificate number or root id as typed (any case: every kp id is upper
    case), or of a token id (an int, or decimal digits), checked to fit 256 bits. The one reader of
    a typed number, for the library, the CLI and the page."""
    if isinstance(number, int):
        if not 0 <= number < 2**256:
            raise KPError(f"{_cut(str(number))} {_NOT_A_NUMBER}")
        return number
    text = number.strip()
    if text.isascii() and text.isdigit():
        value = uint256_of(text)
        if value is None:
            raise KPError(f"{_cut(text)} {_NOT_A_NUMBER}")
        return value
    if not text.isascii() or not 0 < len(text) <= 32 or not text.isprintable():
        raise KPError(f"{_cut(text)!r} {_NOT_A_NUMBER}")
    return number_to_token_id(text.upper())


def uint256_of(text: str) -> int | None:
    """A uint256 written in decimal ASCII digits (a token id, a chain id), else None; the length is
    checked before ``int`` reads it."""
    if not (text.isascii() and text.isdigit() and len(text) <= 78) or int(text) >= 2**256:
        return None
    return int(text)


def is_certificate_number(token_id: int) -> bool:
    """Whether ``token_id`` reads as a certificate number (not a root id, not any number)."""
    return NUMBER.fullmatch(token_id_to_number(token_id)) is not None


_NOT_A_NUMBER = "is not a certificate number (like AE-2024-000123) or a token id (256 bits)"


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def code_bytes(code: str) -> bytes:
    """A participant's code as the contracts take it (two bytes), checked: ``AE``."""
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise KPError(f"{code!r} is not a two-letter ISO 3166-1 code")
    return ascii_bytes(code, 2)


def seconds(moment: datetime | int) -> int:
    """Unix seconds of ``moment`` (a naive datetime is UTC)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp())
    return int(moment)
