"""Is this certificate genuine? One home for the answer: the problems a verification can find, the
verdict they give (GENUINE, NOT GENUINE, VOIDED, EXPIRED, UNKNOWN: the words the library, the CLI,
the page and the PDF all use), how each field of a shown document was checked, the link a printed
QR code carries, and the check that a link, document or signature is for this deployment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from kp_py._codes import token_id_to_number
from kp_py._text import iso, last_day
from kp_py.document import FIELDS, Document, Parent, commitment_of_leaves, leaves
from kp_py.errors import KPError, timestamp
from kp_py.issued import IssuedDocument
from kp_py.provenance import ProvenanceStatus
from kp_py.records import Certificate, StatusChange

WRONG_NETWORK = "wrong-network"  # a link or document for another chain or contract: not looked up
PROBLEMS = (
    "unknown",
    "voided",
    "expired",
    "issuer-disabled",
    "document-mismatch",
    "document-unproven",
    WRONG_NETWORK,
)
# The verdicts, from a verification's problems: a forgery outranks a void, a void an expiry.
GENUINE, NOT_GENUINE, VOIDED, EXPIRED, UNKNOWN = "GENUINE", "NOT GENUINE", "VOIDED", "EXPIRED", "UNKNOWN"
VERDICTS = (GENUINE, NOT_GENUINE, VOIDED, EXPIRED, UNKNOWN)
_FORGED = {WRONG_NETWORK, "document-mismatch", "issuer-disabled", "document-unproven"}

# How each field of a document shown to a verifier was checked: against the commitment with its salt
# (proven), against the figures the chain holds in clear (public, so anyone could have copied them),
# or not at all (kept off chain, and the document carries no salts to prove them).
PROVEN, PUBLIC, NOT_CHECKED, DIFFERS = "proven", "matches public data", "not checked", "differs"
OFF_CHAIN = ("exporter", "importer", "issued")


@dataclass(frozen=True)
class Verification:
    """The answer to "is this certificate genuine?": ``genuine`` to branch on, ``problems`` (codes
    from :data:`PROBLEMS`) to branch on why, ``reasons`` to read."""

    number: str
    genuine: bool
    status: str
    problems: tuple[str, ...]
    reasons: tuple[str, ...]
    certificate: Certificate | None
    document_matches: bool | None = None
    differing_fields: tuple[str, ...] = field(default=())
    provenance: ProvenanceStatus | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # document field -> PROVEN, PUBLIC, ...
    change: StatusChange | None = None  # when, by whom (and why) receipt was confirmed or it was voided

    @property
    def verdict(self) -> str:
        """One of :data:`VERDICTS`."""
        problems = set(self.problems)
        if self.genuine:
            return GENUINE
        if "unknown" in problems:
            return UNKNOWN
        if problems & _FORGED:
            return NOT_GENUINE
        if "voided" in problems:
            return VOIDED
        if "expired" in problems:
            return EXPIRED
        return NOT_GENUINE

    def summary(self) -> str:
        lines = [f"{self.number}: {self.verdict} ({self.status})"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.fields:
            states = {
                state: [n for n, s in self.fields.items() if s == state] for state in self.fields.values()
            }
            lines.append(
                "  - document fields: " + "; ".join(f"{s}: {', '.join(n)}" for s, n in states.items())
            )
        if self.change is not None:
            lines.append(f"  - {self.change.what}: {self.change.text()}")
        if self.provenance is not None:
            lines.append(f"  - {self.provenance.summary()}")
            lines += [f"  - WARNING: {warning}" for warning in self.provenance.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the verdict, the reasons and the certificate as the chain has it."""
        return {
            "number": self.number,
            "genuine": self.genuine,
            "verdict": self.verdict,
            "status": self.status,
            "problems": list(self.problems),
            "reasons": list(self.reasons),
            "document_matches": self.document_matches,
            "differing_fields": list(self.differing_fields),
            "fields": dict(self.fields),
            "certificate": self.certificate.to_dict() if self.certificate else None,
            "provenance": self.provenance.to_dict() if self.provenance else None,
            "status_change": self.change.to_dict() if self.change else None,
        }


def judge(
    token_id: int,
    cert: Certificate | None,
    issued: IssuedDocument | Document | None,
    lineage: ProvenanceStatus | None,
    change: StatusChange | None = None,
) -> Verification:
    """The verification of certificate ``token_id`` as the chain holds it (``cert``; None: unknown),
    given the document shown if any, its provenance and its status change."""
    number_text = token_id_to_number(token_id)
    if cert is None:
        return Verification(
            number_text, False, "unknown", ("unknown",), ("no certificate has this number",), None
        )
    reasons = [
        f"issued by {cert.issuer} of {cert.exporting} on {iso(cert.issued_at)} "
        f"(block {cert.block}, transaction {cert.transaction})",
        f"route {cert.exporting} to {cert.importing}; last day of validity "
        f"{last_day(timestamp(cert.expires_at))}; "
        f"holder {cert.holder}",
    ]
    problems = []
    if cert.status == "voided":
        problems.append("voided")
        reasons.append("the certificate was voided by its exporting authority")
    if cert.status == "expired":
        problems.append("expired")
        reasons.append("the certificate expired before its receipt was confirmed")
    if not cert.issuer_valid_at_issue:
        problems.append("issuer-disabled")
        reasons.append(f"the issuing key {cert.issuer} was disabled at the time of issue")
    matches: bool | None = None
    differing: tuple[str, ...] = ()
    checked: dict[str, str] = {}
    if issued is not None:
        differing = differences(cert, issued)
        matches = not differing
        salted = isinstance(issued, IssuedDocument)
        for name in FIELDS:
            off_chain = name in OFF_CHAIN
            checked[name] = (
                DIFFERS if name in differing else PROVEN if salted else NOT_CHECKED if off_chain else PUBLIC
            )
        if differing:
            problems.append("document-mismatch")
            reasons.append(f"the document does not match the certificate: {', '.join(differing)} differ")
        elif salted:
            reasons.append("the document matches the commitment on chain: every field is proven")
        else:
            # Anyone can copy the public figures into a document with forged names: never genuine.
            problems.append("document-unproven")
            reasons.append(
                "the document carries no salts: its exporter, importer and issue date cannot be proven "
                "(not checked), and its other fields only match data public on chain; ask the holder "
                "for the issued document"
            )
    why = (*reasons[2:], *reasons[:2])  # what decides the verdict first, then who issued it and where
    return Verification(
        number_text,
        not problems,
        cert.status,
        tuple(problems),
        why,
        cert,
        matches,
        differing,
        lineage,
        checked,
        change,
    )


def differences(cert: Certificate, issued: IssuedDocument | Document) -> tuple[str, ...]:
    """Fields of ``issued`` that disagree with the chain; the commitment covers those it cannot see."""
    doc = issued.document if isinstance(issued, IssuedDocument) else issued
    seen = {
        "number": doc.number == cert.number,
        "importing": doc.importing == cert.importing,
        "origins": doc.origins == cert.origins,
        "carats": doc.carats == cert.carats,
        "value_usd": doc.value_usd == cert.value_usd,
        "parcels": doc.parcels == cert.parcels,
        "hs_code": doc.hs_code == cert.hs_code,
        "expires": doc.expires_at == cert.expires_at,
        "holder": doc.holder == cert.holder,
        "parents": _draws(doc.parents) == _draws(cert.parents),
    }
    differing = [name for name, same in seen.items() if not same]
    if not differing and isinstance(issued, IssuedDocument) and issued.commitment != cert.commitment:
        differing = _off_chain_differences(issued, cert.commitment)
    return tuple(differing)


def _draws(parents: Iterable[Parent]) -> set[tuple[str, int]]:
    return {(p.number, p.carats) for p in parents}


def _off_chain_differences(issued: IssuedDocument, on_chain: bytes) -> list[str]:
    """Which off-chain field was altered. The leaves written at issue, if the file still holds them
    and they hash to the commitment on chain, are the original fields' fingerprints."""
    original = issued.leaves
    if original and set(original) == set(FIELDS) and commitment_of_leaves(original) == on_chain:
        current = leaves(issued.document, issued.salts)
        changed = [f for f in FIELDS if original[f] != current[f]]
        if changed:
            return changed
    return ["exporter, importer, issued date or salts (fields kept off chain)"]


LOCAL_PAGE = "http://127.0.0.1:8417"  # `kp serve`'s default address, the local node's page


def public_page(url: str, chain_id: int, dev_chains: tuple[int, ...]) -> str:
    """``url`` as a verification page for chain ``chain_id``: an http(s) URL, and not this machine's
    on a chain other than a development one (a printed QR code or a wallet's link must lead where
    anyone can follow it)."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
    if scheme not in ("http", "https") or not host:
        raise KPError(f"{url!r} is not an http(s) address of a verification page")
    if chain_id not in dev_chains and (host in ("localhost", "::1") or host.startswith("127.")):
        raise KPError(f"{url} is this machine: on chain {chain_id} the page must be one anyone can reach")
    return url.rstrip("/")


class WrongNetwork(KPError, ValueError):
    """A link, document or signature names another chain or contract than the deployment at hand."""


def check_target(chain_id: int, contract: str, here: tuple[int, str], what: str) -> None:
    """Refuse a ``what`` (link, document, signed message) for contract ``contract`` on ``chain_id``
    when the deployment at hand is ``here`` (chain id, certificate contract): it must not count
    here."""
    if (chain_id, contract.lower()) != (here[0], here[1].lower()):
        raise WrongNetwork(
            f"the {what} is for contract {contract} on chain {chain_id}, not this deployment "
            f"({here[1]} on chain {here[0]})"
        )


def wrong_network(token_id: int, error: WrongNetwork) -> Verification:
    """The answer for a link or document meant for another deployment: not looked up here."""
    reasons = (str(error), "it was not looked up: a certificate is genuine only where it was issued")
    return Verification(token_id_to_number(token_id), False, "not checked", (WRONG_NETWORK,), reasons, None)


@dataclass(frozen=True)
class Link:
    """What a printed certificate's QR code says: where to check, and which certificate with which
    document. Its URL, ``<page>/certificates/<token id>?chain=..&contract=..&commitment=..``, is what
    ``kp serve`` answers; ``kp verify`` takes it in place of a number."""

    chain_id: int
    contract: str
    token_id: int
    commitment: bytes

    def url(self, base: str) -> str:
        query = urlencode(
            {"chain": self.chain_id, "contract": self.contract, "commitment": "0x" + self.commitment.hex()}
        )
        return f"{base.rstrip('/')}/certificates/{self.token_id}?{query}"

    @classmethod
    def parse(cls, url: str) -> Link:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        try:
            token = parsed.path.rstrip("/").rsplit("/", 1)[-1]
            return cls(
                chain_id=int(query["chain"][0]),
                contract=query["contract"][0],
                token_id=int(token),
                commitment=bytes.fromhex(query["commitment"][0].removeprefix("0x")),
            )
        except (KeyError, ValueError, IndexError):
            raise KPError(f"{url!r} is not a kp verification link") from None


def printed(result: Verification, link: Link) -> Verification:
    """``result`` for the certificate a printed link names: a printed commitment other than the
    chain's means the paper was altered."""
    if result.certificate is None or result.certificate.commitment == link.commitment:
        return result
    return replace(
        result,
        genuine=False,
        problems=(*result.problems, "document-mismatch"),
        reasons=(*result.reasons, "the printed certificate names another document than the one on chain"),
    )
