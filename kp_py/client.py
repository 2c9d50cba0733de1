"""The kp client: deploy the contracts, run the registry, issue, confirm, void, read and verify.

    from web3 import HTTPProvider, Web3
    from kp_py import KP

    kp = KP.connect(Web3(Web3.HTTPProvider(url)), registry, certificates)           # read only
    officer = kp.with_account(account)                                              # signs locally
    issued = officer.issue(Document.from_json(open("cert.json").read()))
    print(kp.verify("AE-2024-000123", issued).summary())

Reading needs no account. Writing signs transactions locally with an eth-account ``LocalAccount``,
so the same code runs against the in-process EVM, a local anvil node and a public network.
Every refusal raises the ``kp_py.errors`` class of the contract's custom error.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    TimeExhausted,
    Web3RPCError,
)
from web3.types import TxReceipt

from kp_py import _logs, provenance
from kp_py._abi import (
    SCOPES,
    STANDINGS,
    STATUSES,
    VOID_REASONS,
    artifact,
    ascii_bytes,
    ascii_text,
    decode_revert,
    encode_call,
    encode_deploy,
    encode_issues,
    number_to_token_id,
    token_id_to_number,
)
from kp_py._json import loads_strict
from kp_py._revert import reverts
from kp_py._text import hundredths, iso, paper_id, record_name
from kp_py._tx import Sender
from kp_py.document import (
    FIELDS,
    HS_CODES,
    Document,
    PaperCertificate,
    Parent,
    Production,
    Salts,
    commitment,
    commitment_of_leaves,
    leaves,
    new_salts,
)
from kp_py.errors import OPEN_END, KPError, NotFound, UnknownRecord, timestamp
from kp_py.offline import SignedConfirmation, SignedIssue
from kp_py.provenance import Confirmation, ProvenanceStatus, Trace
from kp_py.roots import Root, is_root

# Fixed gas limits of certificate transactions, sent without a simulation round trip. Generous:
# only the gas used is paid. An issue costs about 96,000 (new holder), one in a batch about 45,000
# (63,000 to a new holder), plus what each further origin costs, most when it must be looked up
# among the compliant zones of an embargo. A batch of 400 stays under a 30,000,000 block gas limit.
ISSUE_GAS = 200_000
BATCHED_ISSUE_GAS = 70_000
ORIGIN_GAS = 80_000
PARENT_GAS = 60_000  # each parent drawn on: about 32,000 on its first draw, 15,000 after
BATCH_GAS = 100_000
SIGNATURE_GAS = 30_000
STATUS_GAS = 120_000
BULK_READ = 500  # certificates per `certificates(...)` call


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
        return _record_json(self)


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
                "kp": "issued-document/v1",
                "document": self.document.canonical(),
                "salts": {f: "0x" + self.salts[f].hex() for f in FIELDS},
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
        if not isinstance(data, dict) or data.get("kp") != "issued-document/v1":
            raise KPError("not an issued certificate document (kp: issued-document/v1)")
        try:
            salts = {f: bytes.fromhex(data["salts"][f].removeprefix("0x")) for f in FIELDS}
        except (KeyError, ValueError, AttributeError, TypeError):
            raise KPError("the issued document's salts are missing or not hex") from None
        try:
            file_leaves = {f: bytes.fromhex(v.removeprefix("0x")) for f, v in data.get("leaves", {}).items()}
        except (ValueError, AttributeError, TypeError):
            file_leaves = {}
        return cls(
            document=Document.from_dict(data["document"]),
            salts=salts,
            chain_id=int(data["chain_id"]),
            contract=to_checksum_address(data["contract"]),
            token_id=int(data["token_id"]),
            transaction=str(data["transaction"]),
            leaves=file_leaves or None,
        )


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
        """JSON-ready: amounts as decimal strings, times as ISO 8601, bytes as hex."""
        return _record_json(self)


PROBLEMS = ("unknown", "voided", "expired", "issuer-disabled", "document-mismatch", "document-unproven")

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

    def summary(self) -> str:
        verdict = "GENUINE" if self.genuine else "NOT VALID"
        lines = [f"{self.number}: {verdict} ({self.status})"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.fields:
            states = {
                state: [n for n, s in self.fields.items() if s == state] for state in self.fields.values()
            }
            lines.append(
                "  - document fields: " + "; ".join(f"{s}: {', '.join(n)}" for s, n in states.items())
            )
        if self.provenance is not None:
            lines.append(f"  - {self.provenance.summary()}")
            lines += [f"  - WARNING: {warning}" for warning in self.provenance.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the verdict, the reasons and the certificate as the chain has it."""
        return {
            "number": self.number,
            "genuine": self.genuine,
            "status": self.status,
            "problems": list(self.problems),
            "reasons": list(self.reasons),
            "document_matches": self.document_matches,
            "differing_fields": list(self.differing_fields),
            "fields": dict(self.fields),
            "certificate": self.certificate.to_dict() if self.certificate else None,
            "provenance": self.provenance.to_dict() if self.provenance else None,
        }


DEV_CHAIN_IDS = (31337, 1337)  # anvil (the kp local node) and hardhat; geth --dev and ganache


def role_holders(
    chain_id: int,
    deployer: str,
    *,
    admin: str | None,
    chair: str | None,
    secretariat: str | None,
    shared: bool = False,
) -> dict[str, str]:
    """Who will hold each registry role (the deployer where none is named). On a chain other than a
    development one, one account holding several roles is refused unless ``shared`` says so: one
    stolen key would then be the admin, the Chair and the secretariat at once."""
    holders = {"admin": admin or deployer, "chair": chair or deployer, "secretariat": secretariat or deployer}
    repeated = sorted({a for a in holders.values() if list(holders.values()).count(a) > 1})
    if repeated and chain_id not in DEV_CHAIN_IDS and not shared:
        raise KPError(
            f"on chain {chain_id}, {repeated[0]} would hold several of admin, Chair and secretariat: one "
            "stolen key would be all of them; name each (the admin a multisig), or allow it explicitly"
        )
    return holders


class KP:
    """A connection to one kp deployment, optionally with an account to sign with."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        account: LocalAccount | None = None,
        *,
        preflight: bool = False,
        confirmations: int = 1,
    ) -> None:
        """``preflight``: simulate certificate transactions before sending them (one more round trip
        each, and no gas spent on a refusal); registry transactions are always simulated.
        ``confirmations``: how deep a transaction's block must be before it counts as done."""
        self.w3 = w3
        self.deployment = deployment
        self.account = account
        self.preflight = preflight
        self.confirmations = confirmations
        self._signer: Sender | None = None
        self._origins: dict[int, tuple[str, ...]] = {}  # parents' origins read from the chain
        self.registry: Contract = w3.eth.contract(
            address=to_checksum_address(deployment.registry), abi=artifact("KPRegistry")["abi"]
        )
        self.certificates: Contract = w3.eth.contract(
            address=to_checksum_address(deployment.certificates), abi=artifact("KPCertificates")["abi"]
        )

    # ------------------------------------------------------------------ setup

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        deployer: LocalAccount,
        *,
        admin: str | None = None,
        chair: str | None = None,
        secretariat: str | None = None,
    ) -> KP:
        """Deploy a registry and its certificate contract; roles default to the deployer."""
        me = deployer.address
        sender = Sender(w3, deployer)
        registry_receipt = sender.deploy(
            encode_deploy("KPRegistry", [admin or me, chair or me, secretariat or me])
        )
        registry = str(registry_receipt["contractAddress"])
        certificates = str(sender.deploy(encode_deploy("KPCertificates", [registry]))["contractAddress"])
        deployment = Deployment(w3.eth.chain_id, registry, certificates, registry_receipt["blockNumber"])
        return cls(w3, deployment, deployer)

    def with_account(self, account: LocalAccount) -> KP:
        """The same deployment, signing as ``account``."""
        return KP(
            self.w3, self.deployment, account, preflight=self.preflight, confirmations=self.confirmations
        )

    # ------------------------------------------------------------------ Chair

    def admit(self, code: str, name: str) -> TxReceipt:
        return self._govern("admit", _code(code), name)

    def suspend(self, code: str, *, self_suspension: bool = False) -> TxReceipt:
        return self._govern("suspend", _code(code), self_suspension)

    def reinstate(self, code: str) -> TxReceipt:
        return self._govern("reinstate", _code(code))

    def withdraw(self, code: str) -> TxReceipt:
        return self._govern("withdraw", _code(code))

    def set_embargo(
        self,
        code: str,
        scope: str,
        since: datetime | int,
        zones: Iterable[str] = (),
        until: datetime | int | None = None,
    ) -> TxReceipt:
        """Bar ``code``'s ``"exports"`` or ``"imports"`` from ``since`` until ``until`` (None: until
        lifted); rough from the compliant ``zones`` may still be exported."""
        end = 0 if until is None else _seconds(until)
        zone_bytes = [ascii_bytes(z, 32) for z in zones]
        return self._govern("setEmbargo", _code(code), _scope(scope), _seconds(since), end, zone_bytes)

    def lift_embargo(self, code: str, scope: str) -> TxReceipt:
        return self._govern("liftEmbargo", _code(code), _scope(scope))

    def load_participants(self, path: Path, progress: Callable[[str], None] | None = None) -> list[str]:
        """Admit every participant of a CSV file (columns ``code``, ``name``, ``status``) not yet
        admitted; suspend those whose status says so. Returns the codes it admitted."""
        admitted = []
        for row in read_participants(path):
            code, status = row["code"], row.get("status") or "active"
            standing = self.participant(code).standing
            if standing == "none":
                self.admit(code, row["name"])
                admitted.append(code)
                standing = "admitted"
            # Also finishes a suspension an interrupted earlier run did not get to.
            if standing == "admitted" and status in ("suspended", "self-suspended"):
                self.suspend(code, self_suspension=status == "self-suspended")
            if progress:
                progress(code)
        return admitted

    # ------------------------------------------------------------------ secretariat

    def add_authority(
        self,
        address: str,
        code: str,
        valid_from: datetime | int | None = None,
        valid_until: datetime | int | None = None,
    ) -> TxReceipt:
        """Register an authority key, valid from ``valid_from`` (default: now) with no end by default:
        at once for a participant's first key, else proposed for the participant to accept
        (:meth:`accept_authority`; :meth:`pending_authority` tells which happened)."""
        start = 0 if valid_from is None else _seconds(valid_from)  # the past counts as now
        end = OPEN_END if valid_until is None else _seconds(valid_until)
        return self._govern("addAuthority", address, _code(code), start, end)

    def accept_authority(self, address: str) -> TxReceipt:
        """Accept the key proposed as ``address`` for this account's participant (its consent to a
        key after its first), or, as the Chair, for a participant left with no valid key."""
        return self._govern("acceptAuthority", address)

    def pending_authority(self, address: str) -> tuple[str, datetime | str, datetime | str] | None:
        """The participant, start and end of the key proposed as ``address``; None if none is."""
        participant, valid_from, valid_until = self._call(self.registry.functions.pendingAuthority(address))
        if participant == bytes(2):
            return None
        return ascii_text(participant), timestamp(valid_from), timestamp(valid_until)

    def rotate_authority(self, old: str, new: str, at: datetime | int | None = None) -> TxReceipt:
        at_ = 0 if at is None else _seconds(at)  # 0: the next second
        return self._govern("rotateAuthority", old, new, at_)

    def retire_authority(self, address: str, at: datetime | int | None = None) -> TxReceipt:
        at_ = 0 if at is None else _seconds(at)  # 0: the next second
        return self._govern("retireAuthority", address, at_)

    def disable_authority(self, address: str, since: datetime | int) -> TxReceipt:
        """Disable a compromised key from ``since``: what it issued from then on is invalid."""
        return self._govern("disableAuthority", address, _seconds(since))

    # ------------------------------------------------------------------ authorities

    def register_production(self, production: Production) -> TxReceipt:
        """Register mined production (as an authority of its producer) for first exports to draw on;
        simulated first, so a refusal costs no gas."""
        data = encode_call("KPCertificates", "registerProduction", [production.args()])
        return self._sender().send(self.certificates.address, data)

    def register_paper(self, paper: PaperCertificate) -> TxReceipt:
        """Register a paper KP certificate received by ``paper.importing`` (as an authority of the
        importer) for its re-exports to draw on; simulated first, so a refusal costs no gas."""
        data = encode_call("KPCertificates", "registerPaperCertificate", [paper.args()])
        return self._sender().send(self.certificates.address, data)

    def issue(self, document: Document, salts: Salts | None = None) -> IssuedDocument:
        """Issue ``document`` as a certificate bound to ``document.holder``."""
        salts = salts or new_salts()
        (document,) = self.with_parent_origins([document])
        args = document.issue_args(commitment(document, salts))
        data = encode_issues([args], batch=False)
        receipt = self._certify(data, gas=_issue_gas(document), full_receipt=False)
        return self._issued(document, salts, receipt)

    def issue_batch(
        self,
        documents: list[Document],
        salts: list[Salts] | None = None,
        *,
        on_signed: Callable[[str], None] | None = None,
    ) -> list[IssuedDocument]:
        """Issue several documents in one transaction: all or none. ``on_signed(hash)`` runs before
        the transaction is sent (to journal it)."""
        documents = self.with_parent_origins(documents)
        salted = list(zip(documents, salts or [new_salts() for _ in documents], strict=True))
        args = [document.issue_args(commitment(document, salts)) for document, salts in salted]
        gas = BATCH_GAS + sum(_batched_issue_gas(document) for document, _ in salted)
        data = encode_issues(args, batch=True)
        receipt = self._certify(data, gas=gas, full_receipt=False, on_signed=on_signed)
        return [self._issued(document, salts, receipt) for document, salts in salted]

    def with_parent_origins(self, documents: Sequence[Document]) -> list[Document]:
        """``documents`` with their parents' origins read from the chain, where not already given:
        the contract checks them against what it keeps of each parent."""
        missing = {p.token_id for d in documents for p in d.parents if not p.origins}
        if not missing:
            return list(documents)
        wanted = missing - set(self._origins)
        if wanted:
            events = self._issued_events(wanted)
            unknown = sorted(token_id_to_number(t) for t in wanted - set(events))
            if unknown:
                raise KPError(f"parent {record_name(unknown[0])} is not on chain")
            # Origins never change once on chain: remembered, a batch of first exports drawing on
            # the same production asks the chain once.
            self._origins.update({t: tuple(ascii_text(o) for o in e.origins) for t, e in events.items()})
        origins = self._origins

        def filled(parent: Parent) -> Parent:
            return parent if parent.origins else replace(parent, origins=origins[parent.token_id])

        return [replace(d, parents=tuple(map(filled, d.parents))) for d in documents]

    def submit_issue(self, signed: SignedIssue) -> IssuedDocument:
        """Submit an issue an authority signed off line; this account only relays and pays."""
        self._check_target(signed.chain_id, signed.contract)
        data = encode_call(
            "KPCertificates",
            "issueWithSignature",
            [signed.issue_args(), signed.authority, signed.deadline, signed.signature],
        )
        receipt = self._certify(data, gas=_issue_gas(signed.document) + SIGNATURE_GAS, full_receipt=False)
        return self._issued(signed.document, signed.salts, receipt)

    def submit_confirmation(self, signed: SignedConfirmation) -> TxReceipt:
        """Submit a confirmation of receipt an authority signed off line."""
        self._check_target(signed.chain_id, signed.contract)
        data = encode_call(
            "KPCertificates",
            "confirmReceiptWithSignature",
            [signed.token_id, signed.authority, signed.deadline, signed.signature],
        )
        return self._certify(data, gas=STATUS_GAS + SIGNATURE_GAS)

    def _check_target(self, chain_id: int, contract: str) -> None:
        if (chain_id, contract.lower()) != (self.deployment.chain_id, self.certificates.address.lower()):
            raise KPError(
                f"signed for contract {contract} on chain {chain_id}, not for this deployment "
                f"({self.certificates.address} on chain {self.deployment.chain_id})"
            )

    def confirm_receipt(self, number: str | int) -> TxReceipt:
        data = encode_call("KPCertificates", "confirmReceipt", [_token_id(number)])
        return self._certify(data, gas=STATUS_GAS)

    def void(self, number: str | int, reason: str) -> TxReceipt:
        """Void a certificate; ``reason`` is one of lost, cancelled, issued in error, fraud, other."""
        if reason not in VOID_REASONS[1:]:
            raise KPError(f"void reason {reason!r} is not one of: {', '.join(VOID_REASONS[1:])}")
        data = encode_call("KPCertificates", "void", [_token_id(number), VOID_REASONS.index(reason)])
        return self._certify(data, gas=STATUS_GAS)

    # ------------------------------------------------------------------ reading

    def participant(self, code: str) -> Participant:
        standing, _, _, since, exports_since, exports_until, imports_since, imports_until = self._call(
            self.registry.functions.participant(_code(code))
        )
        zones = self._call(self.registry.functions.compliantZones(_code(code)))
        return Participant(
            code=code,
            name=self._call(self.registry.functions.participantName(_code(code))),
            standing=STANDINGS[standing],
            standing_since=timestamp(since),
            exports_embargo=_embargo(exports_since, exports_until, tuple(ascii_text(z) for z in zones)),
            imports_embargo=_embargo(imports_since, imports_until),
        )

    def participant_codes(self) -> list[str]:
        return [ascii_text(c) for c in self._call(self.registry.functions.participantCodes())]

    def authority(self, address: str) -> Authority:
        participant, _, _, valid_from, valid_until = self._call(self.registry.functions.authority(address))
        return Authority(
            to_checksum_address(address),
            ascii_text(participant),
            timestamp(valid_from),
            timestamp(valid_until),
        )

    def certificate(self, number: str | int) -> Certificate:
        """The certificate with this number (or token id): its state from one call, its figures and
        commitment from its issuance event. Two round trips."""
        token_id = _token_id(number)
        if is_root(token_id_to_number(token_id)):
            raise UnknownRecord(f"{record_name(token_id_to_number(token_id))} is a root, not a certificate")
        (view,) = _views(self._view_call("certificate", [token_id]), 1)
        record = self._record(token_id, view, self._issued_events([token_id]).get(token_id))
        assert isinstance(record, Certificate)
        return record

    def root(self, number: str | int) -> Root:
        """A registered root (``BW#JWANENG-2024-Q3``, ``AE:ZA-2024-012345``, or its token id)."""
        (record,) = self.records_of([number])
        if not isinstance(record, Root):
            raise UnknownRecord(f"{record_name(token_id_to_number(_token_id(number)))} is not registered")
        return record

    def certificates_of(self, numbers: Sequence[str | int]) -> list[Certificate | None]:
        """Many certificates in a few round trips (None for unknown numbers), for bulk verification."""
        return [r if isinstance(r, Certificate) else None for r in self.records_of(numbers)]

    def records_of(self, numbers: Sequence[str | int]) -> list[Certificate | Root | None]:
        """Certificates and roots by number or id, in a few round trips (None where unknown): what a
        provenance graph is read with, a level at a time."""
        ids = [_token_id(n) for n in numbers]
        views = self._bulk_views(ids)
        known = [token_id for token_id, view in zip(ids, views, strict=True) if view[4] != 0]
        events = self._issued_events(known)
        return [
            self._record(token_id, view, events.get(token_id)) if view[4] != 0 else None
            for token_id, view in zip(ids, views, strict=True)
        ]

    def _record(
        self, token_id: int, view: Any, event: _logs.Issued | _logs.Registered | None
    ) -> Certificate | Root:
        holder, issuer, issued_at, expires_at, status, issuer_valid, hs_code, importing, carats, drawn = view
        if event is None:
            raise KPError(f"no issuance event for {record_name(token_id_to_number(token_id))}")
        if isinstance(event, _logs.Registered):
            return Root(
                number=token_id_to_number(token_id),
                kind=event.kind,
                reference=ascii_text(event.reference),
                exporting=ascii_text(event.exporting),
                importing=ascii_text(event.registrant),
                origins=tuple(ascii_text(o) for o in event.origins),
                carats=carats,
                drawn=drawn,
                status="voided" if STATUSES[status] == "voided" else "registered",
                issuer=issuer,
                issuer_valid_at_issue=issuer_valid,
                issued_at=timestamp(issued_at),
                start=timestamp(event.start),
                end=timestamp(event.end),
                value_usd=event.value_usd,
                parcels=event.parcels,
                hs_code=f"7102.{event.hs_code}" if event.hs_code else "",
                block=event.block,
                transaction=event.transaction,
            )
        return Certificate(
            number=token_id_to_number(token_id),
            token_id=token_id,
            status=STATUSES[status],
            holder=holder,
            issuer=issuer,
            exporting=token_id_to_number(token_id)[:2],
            importing=ascii_text(importing),
            origins=tuple(ascii_text(o) for o in event.origins),
            carats=carats,
            value_usd=event.value_usd,
            parcels=event.parcels,
            hs_code=f"7102.{hs_code}",
            issued_at=timestamp(issued_at),
            expires_at=expires_at,
            commitment=event.document,
            issuer_valid_at_issue=issuer_valid,
            block=event.block,
            transaction=event.transaction,
            parents=tuple(Parent(token_id_to_number(t), c) for t, c in event.parents),
            drawn=drawn,
        )

    def _issued_events(self, token_ids: Iterable[int]) -> dict[int, _logs.Issued | _logs.Registered]:
        return _logs.issued_logs(self.w3, self.certificates.address, token_ids, self.deployment.block)

    def verify(self, number: str | int, issued: IssuedDocument | Document | None = None) -> Verification:
        """Whether certificate ``number`` (or token id) is genuine and in force now; given the document
        the holder shows, whether it is the one the certificate commits to. An ``IssuedDocument``
        (with salts) is checked against the commitment; a bare ``Document`` only against the fields
        the chain holds in clear."""
        token_id = _token_id(number)
        try:
            cert = self.certificate(token_id)
        except NotFound:
            return _verdict(token_id, None, issued, None)
        _, _, lineage = self._lineage([cert])
        return _verdict(token_id, cert, issued, lineage(cert.number))

    def verify_many(self, numbers: Sequence[str | int]) -> list[Verification]:
        """``verify`` for many certificates at once, in a few round trips (and a few more per
        generation of ancestors, for re-exports)."""
        ids = [_token_id(n) for n in numbers]
        certs = self.certificates_of(ids)
        _, _, lineage = self._lineage([c for c in certs if c is not None])
        return [
            _verdict(token_id, cert, None, lineage(cert.number) if cert else None)
            for token_id, cert in zip(ids, certs, strict=True)
        ]

    def trace(self, number: str | int) -> Trace:
        """The provenance graph of certificate ``number``: every certificate it draws on, back to the
        roots where custody starts, with when each receipt was confirmed and the origin mix."""
        cert = self.certificate(number)
        ancestry, confirmations, lineage = self._lineage([cert], every_confirmation=True)
        confirmed = {n: c.at for n, c in confirmations.items()}
        return Trace(cert.number, ancestry, confirmed, lineage(cert.number))

    def _lineage(
        self, certs: Sequence[Certificate], *, every_confirmation: bool = False
    ) -> tuple[dict[str, Certificate | Root], dict[str, Confirmation], Callable[[str], ProvenanceStatus]]:
        """The ancestry of ``certs``, who confirmed what in it, and each one's provenance status. The
        stolen-confirmation and paper-twin checks concern ancestors only: ``certs`` no other of them
        drew on are left out of both look-ups (of the confirmations, unless ``every_confirmation``,
        for a trace's dates)."""
        ancestry = provenance.ancestry(self.records_of, certs)
        drawn_on = {p.number for record in ancestry.values() for p in record.parents}
        leaves = {c.number for c in certs} - drawn_on
        confirmations = self._confirmations(ancestry, exclude=() if every_confirmation else leaves)
        twice = self._entered_twice(ancestry, exclude=leaves)
        return ancestry, confirmations, lambda n: provenance.status(n, ancestry, confirmations, twice)

    def _entered_twice(
        self, records: Mapping[str, Certificate | Root], exclude: Iterable[str] = ()
    ) -> set[str]:
        """Certificates among ``records`` whose importer also registered their number as a paper
        certificate: the contract refuses the paper after the certificate; this finds the other
        order. One round trip."""
        skip = set(exclude)
        twins = {
            number_to_token_id(paper_id(r.importing, r.number)): r.number
            for r in records.values()
            if isinstance(r, Certificate) and len(r.number) <= 29 and r.number not in skip
        }
        if not twins:
            return set()
        ids = list(twins)
        return {twins[twin] for twin, view in zip(ids, self._bulk_views(ids), strict=True) if view[4] != 0}

    def _bulk_views(self, ids: list[int]) -> list[tuple[Any, ...]]:
        """The ``certificates(ids)`` view, :data:`BULK_READ` ids a call (status 0: unknown)."""
        views: list[tuple[Any, ...]] = []
        for i in range(0, len(ids), BULK_READ):
            part = ids[i : i + BULK_READ]
            views += _views(self._view_call("certificates", [part])[64:], len(part))  # after offset, length
        return views

    def _confirmations(
        self, records: Mapping[str, Certificate | Root], exclude: Iterable[str] = ()
    ) -> dict[str, Confirmation]:
        """Who confirmed the receipt of each confirmed certificate among ``records`` (but those in
        ``exclude``), when, and until when that key is valid now: three round trips in all."""
        skip = set(exclude)
        ids = [
            r.token_id
            for r in records.values()
            if isinstance(r, Certificate)
            and r.status in ("receipt confirmed", "voided")
            and r.number not in skip
        ]
        if not ids:
            return {}
        head = self.w3.eth.block_number
        logs = _logs.logs_of_tokens(
            self.w3,
            self.certificates.address,
            [_logs.topic("ReceiptConfirmed")],
            ids,
            self.deployment.block,
            head,
        )
        found = {_logs.token_of(log, 1): (_logs.address_of(log, 3), _logs.block_of(log)) for log in logs}
        times = self._block_times(sorted({block for _, block in found.values()}))
        windows = {key: self.authority(key).valid_until for key in {key for key, _ in found.values()}}
        return {
            token_id_to_number(t): Confirmation(key, timestamp(times[block]), windows[key])
            for t, (key, block) in found.items()
        }

    def list_certificates(
        self,
        *,
        exporting: str | None = None,
        importing: str | None = None,
        holder: str | None = None,
        status: str | None = None,
        since: datetime | int | None = None,
        until: datetime | int | None = None,
        chunk: int = 10_000,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Listed]:
        """Certificates from the logs, filtered; issue time in ``[since, until)``. Logs are read in
        block ranges of ``chunk`` (halved when a node refuses a range), so public RPC limits hold;
        ``progress(done, total)`` is called with block counts."""
        if status is not None and status not in STATUSES[1:]:
            raise KPError(f"status {status!r} is not one of: {', '.join(STATUSES[1:])}")
        head = self.w3.eth.get_block("latest")
        head_number, head_time = int(head["number"]), int(head["timestamp"])
        first = self.deployment.block
        if since is not None:
            first = max(first, self._first_block_at(_seconds(since), head_number))
        last = head_number
        if until is not None:
            last = min(last, self._first_block_at(_seconds(until), head_number) - 1)
        if last < first:
            return []
        address = self.certificates.address
        issued_topics: list[Any] = [
            _logs.topic("CertificateIssued"),
            None,
            _logs.word(_code(exporting)) if exporting else None,
            _logs.word(_code(importing)) if importing else None,
        ]
        issued = [
            _logs.decode_issued(log)
            for log in _logs.get_logs(
                self.w3, address, issued_topics, first, last, chunk=chunk, progress=progress
            )
        ]
        if not issued:
            return []
        mint = [_logs.topic("Transfer"), _logs.word(0)]
        holders = {
            _logs.token_of(log, 3): _logs.address_of(log, 2)
            for log in _logs.get_logs(self.w3, address, mint, first, last, chunk=chunk)
        }
        ids = {event.token_id for event in issued}
        confirmed, voided = (
            {
                _logs.token_of(log, 1)
                for log in _logs.get_logs(
                    self.w3, address, [_logs.topic(name)], first, head_number, chunk=chunk
                )
            }
            & ids
            for name in ("ReceiptConfirmed", "CertificateVoided")
        )
        times = self._block_times(sorted({event.block for event in issued}))
        rows = []
        for event in issued:
            owner = holders.get(event.token_id, "")
            if holder is not None and owner.lower() != holder.lower():
                continue
            if event.token_id in voided:
                state = "voided"
            elif event.token_id in confirmed:
                state = "receipt confirmed"
            else:
                state = "expired" if head_time >= event.expires_at else "issued"
            if status is not None and state != status:
                continue
            rows.append(
                Listed(
                    number=token_id_to_number(event.token_id),
                    token_id=event.token_id,
                    status=state,
                    exporting=ascii_text(event.exporting),
                    importing=ascii_text(event.importing),
                    holder=owner,
                    issuer=event.issuer,
                    origins=tuple(ascii_text(o) for o in event.origins),
                    carats=event.carats,
                    value_usd=event.value_usd,
                    parcels=event.parcels,
                    hs_code=f"7102.{event.hs_code}",
                    expires_at=event.expires_at,
                    block=event.block,
                    transaction=event.transaction,
                    issued_at=timestamp(times[event.block]),
                )
            )
        return rows

    def list_roots(self, *, kind: str | None = None, participant: str | None = None) -> list[Root]:
        """Registered roots, oldest first: ``kind`` ``"production"`` or ``"paper"``, registered by
        ``participant`` (the producer, or the importer of a paper certificate)."""
        kinds = {"production": "ProductionRegistered", "paper": "PaperCertificateRegistered"}
        if kind is not None and kind not in kinds:
            raise KPError(f"root kind {kind!r} is not 'production' or 'paper'")
        names = [kinds[kind]] if kind else list(kinds.values())
        topics: list[Any] = [
            [_logs.topic(n) for n in names],
            None,
            _logs.word(_code(participant)) if participant else None,
        ]
        head = self.w3.eth.block_number
        logs = _logs.get_logs(self.w3, self.certificates.address, topics, self.deployment.block, head)
        ids = list(dict.fromkeys(_logs.token_of(log, 1) for log in logs))
        return [r for r in self.records_of(ids) if isinstance(r, Root)]

    # ------------------------------------------------------------------ plumbing

    def _block_times(self, numbers: list[int]) -> dict[int, int]:
        """Timestamps of blocks, fetched in JSON-RPC batches where the provider allows it."""
        times: dict[int, int] = {}
        for i in range(0, len(numbers), 500):
            part = numbers[i : i + 500]
            blocks: list[Any]
            try:
                with self.w3.batch_requests() as batch:
                    for number in part:
                        batch.add(self.w3.eth.get_block(number))
                    blocks = list(batch.execute())
            except (NotImplementedError, Web3RPCError, ValueError, TypeError):
                blocks = [self.w3.eth.get_block(number) for number in part]
            times.update(
                {number: int(block["timestamp"]) for number, block in zip(part, blocks, strict=True)}
            )
        return times

    def _first_block_at(self, moment: int, head: int) -> int:
        """The first block with a timestamp at or after ``moment`` (head + 1 if none)."""
        low, high = self.deployment.block, head + 1
        while low < high:
            middle = (low + high) // 2
            if int(self.w3.eth.get_block(middle)["timestamp"]) >= moment:
                high = middle
            else:
                low = middle + 1
        return low

    def _issued(self, document: Document, salts: Salts, receipt: TxReceipt) -> IssuedDocument:
        return IssuedDocument(
            document=document,
            salts=salts,
            chain_id=self.deployment.chain_id,
            contract=self.certificates.address,
            token_id=document.token_id,
            transaction=_hex(receipt["transactionHash"]),
        )

    def issued_document(self, document: Document, salts: Salts) -> IssuedDocument | None:
        """The issued document for ``document`` if the chain holds it with this commitment; None if
        the number is free. Raises if the number was issued for a different document."""
        try:
            cert = self.certificate(document.token_id)
        except NotFound:
            return None
        if cert.commitment != commitment(document, salts):
            raise KPError(f"certificate {document.number} is already on chain for a different document")
        return IssuedDocument(
            document,
            salts,
            self.deployment.chain_id,
            self.certificates.address,
            cert.token_id,
            cert.transaction,
        )

    def _govern(self, name: str, *args: Any) -> TxReceipt:
        """A registry transaction: simulated first, so a refusal costs no gas."""
        return self._sender().send(self.registry.address, encode_call("KPRegistry", name, args))

    def _certify(
        self,
        data: bytes,
        gas: int,
        *,
        full_receipt: bool = True,
        on_signed: Callable[[str], None] | None = None,
    ) -> TxReceipt:
        """A certificate transaction: sent at once with a fixed gas limit (no simulation round trip,
        for throughput); a refusal is decoded from the failed transaction."""
        return self._sender().send(
            self.certificates.address,
            data,
            gas=gas,
            preflight=self.preflight,
            full_receipt=full_receipt,
            on_signed=on_signed,
        )

    def settle(self, transaction: str, timeout: float = 300.0) -> bool:
        """Wait until ``transaction`` is mined if the node has it (sent by an earlier run that did
        not live to see it mined); False if the node does not know it (dropped, or never sent)."""
        found = self.w3.provider.make_request("eth_getTransactionByHash", [transaction])  # type: ignore[arg-type]
        if not found.get("result"):
            return False
        try:
            self.w3.eth.wait_for_transaction_receipt(transaction, timeout=timeout)  # type: ignore[arg-type]
        except TimeExhausted:
            raise KPError(
                f"transaction {transaction}, sent by an earlier run, is still pending after {timeout:.0f} s: "
                "run again later (sending it anew could only fail)"
            ) from None
        return True

    def _sender(self) -> Sender:
        if self._signer is None:
            if self.account is None:
                raise KPError("this operation needs an account to sign with")
            self._signer = Sender(self.w3, self.account, confirmations=self.confirmations)
        return self._signer

    def _view_call(self, name: str, args: list[Any]) -> bytes:
        """A view of KPCertificates, its result undecoded: raw JSON-RPC over HTTP (web3's result
        formatting of 500 certificates costs more than the call), web3 otherwise."""
        to, data = self.certificates.address, encode_call("KPCertificates", name, args)
        if not isinstance(self.w3.provider, HTTPProvider):
            with reverts():
                return bytes(self.w3.eth.call({"to": to, "data": data}))
        raw = {"to": to, "data": "0x" + data.hex()}
        response = self.w3.provider.make_request("eth_call", [raw, "latest"])
        error = response.get("error")
        if error:
            revert = error.get("data") if isinstance(error, dict) else None
            if isinstance(revert, str) and revert.startswith("0x"):
                raise decode_revert(bytes.fromhex(revert[2:]))
            raise KPError(f"the node refused the call: {error}")
        return bytes.fromhex(response["result"][2:])

    def _call(self, fn: ContractFunction) -> Any:
        with reverts():
            return fn.call()


def _verdict(
    token_id: int,
    cert: Certificate | None,
    issued: IssuedDocument | Document | None,
    lineage: ProvenanceStatus | None,
) -> Verification:
    number_text = token_id_to_number(token_id)
    if cert is None:
        return Verification(
            number_text, False, "unknown", ("unknown",), ("no certificate has this number",), None
        )
    reasons = [
        f"issued by {cert.issuer} of {cert.exporting} on {iso(cert.issued_at)} "
        f"(block {cert.block}, transaction {cert.transaction})",
        f"route {cert.exporting} to {cert.importing}; expires {iso(timestamp(cert.expires_at))}; "
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
        differing = _differences(cert, issued)
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
    )


def read_participants(path: Path) -> list[dict[str, str]]:
    """Rows of a participants CSV; every cell stays text (Namibia's code ``NA`` included)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        if not row.get("code") or not row.get("name"):
            raise KPError(f"{path}, line {line}: a participant needs a code and a name")
    return rows


def _differences(cert: Certificate, issued: IssuedDocument | Document) -> tuple[str, ...]:
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


def _embargo(since: int, until: int, zones: tuple[str, ...] = ()) -> Embargo | None:
    if since == 0:
        return None
    return Embargo(timestamp(since), timestamp(until) if until else None, zones)


def _issue_gas(document: Document) -> int:
    return ISSUE_GAS + ORIGIN_GAS * len(document.origins) + PARENT_GAS * len(document.parents)


def _batched_issue_gas(document: Document) -> int:
    return BATCHED_ISSUE_GAS + ORIGIN_GAS * (len(document.origins) - 1) + PARENT_GAS * len(document.parents)


def _views(data: bytes, count: int) -> list[tuple[Any, ...]]:
    """Decode ``count`` consecutive ``Certificate`` view structs (ten static words each)."""
    views = []
    for i in range(count):
        w = [data[32 * (10 * i + k) : 32 * (10 * i + k + 1)] for k in range(10)]
        number = [int.from_bytes(word, "big") for word in w]
        views.append(
            (
                _logs.checksum(w[0][12:]),
                _logs.checksum(w[1][12:]),
                number[2],
                number[3],
                number[4],
                bool(number[5]),
                number[6],
                w[7][:2],
                number[8],
                number[9],
            )
        )
    return views


def _record_json(record: Certificate | Listed) -> dict[str, Any]:
    """A certificate record as JSON values, field by field."""
    out: dict[str, Any] = {}
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name in ("carats", "value_usd", "drawn"):
            value = hundredths(value)
        elif item.name == "expires_at":
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


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _code(code: str) -> bytes:
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise KPError(f"{code!r} is not a two-letter ISO 3166-1 code")
    return ascii_bytes(code, 2)


def _scope(scope: str) -> int:
    if scope not in SCOPES:
        raise KPError(f"embargo scope {scope!r} is not 'exports' or 'imports'")
    return SCOPES.index(scope)


def _seconds(moment: datetime | int) -> int:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp())
    return int(moment)


def _token_id(number: str | int) -> int:
    """A token id from a certificate number, a token id, or a token id written in decimal."""
    if isinstance(number, int):
        return number
    if number.isascii() and number.isdigit():
        return int(number)
    if not number.isascii() or not 0 < len(number) <= 32:
        raise KPError(f"{number!r} is not a certificate number (ASCII, 32 characters at most) or a token id")
    return number_to_token_id(number)


__all__ = ["HS_CODES", "KP", "Certificate", "Deployment", "IssuedDocument", "Verification"]
