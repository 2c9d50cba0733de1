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

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import (
    TimeExhausted,
)
from web3.types import TxReceipt

from kp_py import _logs, provenance
from kp_py._abi import encode_call, encode_deploy, encode_issues
from kp_py._codes import VOID_REASONS, ascii_text, token_id_to_number
from kp_py._revert import reverts
from kp_py._text import record_name
from kp_py._tx import Sender
from kp_py.document import (
    Document,
    PaperCertificate,
    Parent,
    Production,
    Salts,
    commitment,
    new_salts,
)
from kp_py.errors import KPError, NotFound, error_class
from kp_py.governance import Governance
from kp_py.issued import IssuedDocument
from kp_py.node import DEV_CHAIN_IDS
from kp_py.offline import SignedConfirmation, SignedIssue
from kp_py.plenary import DAY, DEFAULT_NOTICE_PERIOD
from kp_py.provenance import Confirmation, ProvenanceStatus, Trace
from kp_py.reader import Reader
from kp_py.records import (
    Certificate,
    Deployment,
    token_id_of,
)
from kp_py.roots import Root
from kp_py.verify import Link, Verification, WrongNetwork, check_target, judge, printed, wrong_network

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


def check_notice_period(chain_id: int, notice_period: int, *, short: bool = False) -> None:
    """Refuse a notice period that is not a positive number of seconds, or, on a chain other than a
    development one, shorter than a day unless ``short`` says so: a stolen Chair key's proposal
    must leave the participants time to notice it and object."""
    if not 0 < notice_period < 2**40:
        raise KPError(f"the notice period must be at least one second, not {notice_period}")
    if notice_period < DAY and chain_id not in DEV_CHAIN_IDS and not short:
        raise KPError(
            f"on chain {chain_id}, a notice period of {notice_period} s leaves the participants less than "
            "a day to object to a stolen key's proposal; give at least a day, or allow it explicitly"
        )


class KP(Governance, Reader):
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
        super().__init__(w3, deployment)
        self.account = account
        self.preflight = preflight
        self.confirmations = confirmations
        self._signer: Sender | None = None
        self._origins: dict[int, tuple[str, ...]] = {}  # parents' origins read from the chain

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
        notice_period: int = DEFAULT_NOTICE_PERIOD,
        verification_page: str = "",
    ) -> KP:
        """Deploy a registry (with its plenary, whose proposals wait ``notice_period`` seconds for
        objections) and its certificate contract; roles default to the deployer. Tokens link to their
        verification at ``verification_page`` (``kp serve``'s public address; none if empty)."""
        check_notice_period(DEV_CHAIN_IDS[0], notice_period)
        me = deployer.address
        sender = Sender(w3, deployer)
        registry_receipt = sender.deploy(
            encode_deploy("KPRegistry", [admin or me, chair or me, secretariat or me, notice_period])
        )
        registry = str(registry_receipt["contractAddress"])
        deployed = sender.deploy(encode_deploy("KPCertificates", [registry, verification_page]))
        certificates = str(deployed["contractAddress"])
        deployment = Deployment(w3.eth.chain_id, registry, certificates, registry_receipt["blockNumber"])
        return cls(w3, deployment, deployer)

    def with_account(self, account: LocalAccount) -> KP:
        """The same deployment, signing as ``account``."""
        return KP(
            self.w3, self.deployment, account, preflight=self.preflight, confirmations=self.confirmations
        )

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

    def check_issue(self, document: Document, salts: Salts | None = None) -> None:
        """Raise what the chain would refuse issuing ``document`` as this account for now (its
        route, its origins, its parents), sending nothing: one simulated call."""
        (document,) = self.with_parent_origins([document])
        args = document.issue_args(commitment(document, salts or new_salts()))
        call = {"from": self._sender().address, "to": self.certificates.address}
        with reverts():
            self.w3.eth.call({**call, "data": encode_issues([args], batch=False)})  # type: ignore[typeddict-item]

    def issue(self, document: Document, salts: Salts | None = None) -> IssuedDocument:
        """Issue ``document`` as a certificate bound to ``document.holder``."""
        salts = salts or new_salts()
        (document,) = self.with_parent_origins([document])
        args = document.issue_args(commitment(document, salts))
        data = encode_issues([args], batch=False)
        try:
            receipt = self._certify(data, gas=_issue_gas(document), full_receipt=False)
        except error_class("CertificateExists") as refused:
            return self._issued_already([(document, salts)], refused)[0]
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
        try:
            receipt = self._certify(data, gas=gas, full_receipt=False, on_signed=on_signed)
        except error_class("CertificateExists") as refused:
            return self._issued_already(salted, refused)
        return [self._issued(document, salts, receipt) for document, salts in salted]

    def with_parent_origins(self, documents: Sequence[Document]) -> list[Document]:
        """``documents`` with their parents' origins read from the chain, where not already given:
        the contract checks them against what it keeps of each parent."""
        missing = {p.token_id for d in documents for p in d.parents if not p.origins}
        if not missing:
            return list(documents)
        wanted = missing - set(self._origins)
        if wanted:
            events = self.issued_events(wanted)
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
            [signed.issue_args().abi(), signed.authority, signed.deadline, signed.signature],
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
        check_target(chain_id, contract, self._here, "signed message")

    @property
    def _here(self) -> tuple[int, str]:
        return self.deployment.chain_id, self.certificates.address

    def confirm_receipt(self, number: str | int) -> TxReceipt:
        data = encode_call("KPCertificates", "confirmReceipt", [token_id_of(number)])
        return self._certify(data, gas=STATUS_GAS)

    def void(self, number: str | int, reason: str) -> TxReceipt:
        """Void a certificate; ``reason`` is one of lost, cancelled, issued in error, fraud, other."""
        if reason not in VOID_REASONS[1:]:
            raise KPError(f"void reason {reason!r} is not one of: {', '.join(VOID_REASONS[1:])}")
        data = encode_call("KPCertificates", "void", [token_id_of(number), VOID_REASONS.index(reason)])
        return self._certify(data, gas=STATUS_GAS)

    # ------------------------------------------------------------------ reading

    def verify(self, number: str | int, issued: IssuedDocument | Document | None = None) -> Verification:
        """Whether certificate ``number`` (or token id) is genuine and in force now; given the document
        the holder shows, whether it is the one the certificate commits to. An ``IssuedDocument``
        (with salts) is checked against the commitment; a bare ``Document`` only against the fields
        the chain holds in clear. An issued document made on another deployment is not looked up:
        problem ``wrong-network``."""
        token_id = token_id_of(number)
        if isinstance(issued, IssuedDocument):
            try:
                check_target(issued.chain_id, issued.contract, self._here, "document")
            except WrongNetwork as error:
                return wrong_network(token_id, error)
        try:
            cert = self.certificate(token_id)
        except NotFound:
            return judge(token_id, None, issued, None)
        with self.looking_ahead(cert):  # its status change's first windows ride with its parents'
            _, _, lineage = self._lineage([cert])
            change = self.status_change(cert)
        return judge(token_id, cert, issued, lineage(cert.number), change)

    def verify_link(self, link: Link, issued: IssuedDocument | Document | None = None) -> Verification:
        """Verify the certificate a printed QR code's link names, on this deployment only (else
        problem ``wrong-network``); a printed commitment other than the chain's means the paper was
        altered."""
        try:
            check_target(link.chain_id, link.contract, self._here, "link")
        except WrongNetwork as error:
            return wrong_network(link.token_id, error)
        return printed(self.verify(link.token_id, issued), link)

    def verify_many(self, numbers: Sequence[str | int]) -> list[Verification]:
        """``verify`` for many certificates at once, in a few round trips (and a few more per
        generation of ancestors, for re-exports)."""
        ids = [token_id_of(n) for n in numbers]
        certs = self.certificates_of(ids)
        _, _, lineage = self._lineage([c for c in certs if c is not None])
        return [
            judge(token_id, cert, None, lineage(cert.number) if cert else None)
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
        confirmations = self.confirmations_of(ancestry, exclude=() if every_confirmation else leaves)
        twice = self.entered_twice(ancestry, exclude=leaves)
        return ancestry, confirmations, lambda n: provenance.status(n, ancestry, confirmations, twice)

    # ------------------------------------------------------------------ plumbing

    def _issued(self, document: Document, salts: Salts, receipt: TxReceipt) -> IssuedDocument:
        return IssuedDocument(
            document=document,
            salts=salts,
            chain_id=self.deployment.chain_id,
            contract=self.certificates.address,
            token_id=document.token_id,
            transaction=_logs.hex_of(receipt["transactionHash"]),
        )

    def _issued_already(self, salted: list[tuple[Document, Salts]], refused: KPError) -> list[IssuedDocument]:
        """After ``refused`` (an existing certificate): these very documents if the chain holds them
        all, by their commitments (salts included, so no one else's document matches), as when this
        issue's own transaction went through but the node lost it and the sender signed it again."""
        held = self.certificates_of([document.token_id for document, _ in salted])
        issued = []
        for (document, salts), cert in zip(salted, held, strict=True):
            if cert is None or cert.commitment != commitment(document, salts):
                raise refused
            receipt = cast(TxReceipt, {"transactionHash": bytes.fromhex(cert.transaction[2:])})
            issued.append(self._issued(document, salts, receipt))
        return issued

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


def _issue_gas(document: Document) -> int:
    return ISSUE_GAS + ORIGIN_GAS * len(document.origins) + PARENT_GAS * len(document.parents)


def _batched_issue_gas(document: Document) -> int:
    return BATCHED_ISSUE_GAS + ORIGIN_GAS * (len(document.origins) - 1) + PARENT_GAS * len(document.parents)


__all__ = ["DEV_CHAIN_IDS", "KP", "check_notice_period", "role_holders"]
