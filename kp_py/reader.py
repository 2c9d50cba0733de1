"""Reading a kp deployment: participants, authority keys, certificates and roots as records, their
confirmations and voids, and lists of them from the logs. :class:`kp_py.client.KP` builds on it; it
needs no account.

Views of many certificates go in bulk (``certificates(ids)``, :data:`BULK_READ` a call) and, over
HTTP, as raw JSON-RPC, whose result is decoded here (web3's formatting of 500 records costs more
than the call); events are read with :mod:`kp_py._logs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3RPCError

from kp_py import _logs, listing
from kp_py._abi import (
    STANDINGS,
    STATUSES,
    VOID_REASONS,
    artifact,
    ascii_text,
    decode_revert,
    encode_call,
    number_to_token_id,
    token_id_to_number,
)
from kp_py._revert import reverts
from kp_py._text import paper_id, record_name
from kp_py.document import Document, Parent, Salts, commitment
from kp_py.errors import KPError, NotFound, UnknownRecord, timestamp
from kp_py.issued import IssuedDocument
from kp_py.provenance import Confirmation
from kp_py.records import (
    Authority,
    Certificate,
    Deployment,
    Listed,
    Participant,
    StatusChange,
    code_bytes,
    embargo_of,
    token_id_of,
)
from kp_py.roots import Root, is_root

if TYPE_CHECKING:
    from kp_py.index import Index

BULK_READ = 500  # certificates per `certificates(...)` call


class Reader:
    """The read-only side of one kp deployment."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.index: Index | None = None  # where lists and statistics are read from, if set (kp_py/index.py)
        self.registry: Contract = w3.eth.contract(
            address=to_checksum_address(deployment.registry), abi=artifact("KPRegistry")["abi"]
        )
        self.certificates: Contract = w3.eth.contract(
            address=to_checksum_address(deployment.certificates), abi=artifact("KPCertificates")["abi"]
        )

    def participant(self, code: str) -> Participant:
        standing, _, _, since, exports_since, exports_until, imports_since, imports_until = self.call(
            self.registry.functions.participant(code_bytes(code))
        )
        zones = self.call(self.registry.functions.compliantZones(code_bytes(code)))
        return Participant(
            code=code,
            name=self.call(self.registry.functions.participantName(code_bytes(code))),
            standing=STANDINGS[standing],
            standing_since=timestamp(since),
            exports_embargo=embargo_of(exports_since, exports_until, tuple(ascii_text(z) for z in zones)),
            imports_embargo=embargo_of(imports_since, imports_until),
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

    def verification_page(self) -> str:
        """The verification page the tokens link to (``external_url``), as the chain records it."""
        return str(self.call(self.certificates.functions.verificationPage()))

    def participant_codes(self) -> list[str]:
        return [ascii_text(c) for c in self.call(self.registry.functions.participantCodes())]

    def authority(self, address: str) -> Authority:
        participant, _, _, valid_from, valid_until = self.call(self.registry.functions.authority(address))
        return Authority(
            to_checksum_address(address),
            ascii_text(participant),
            timestamp(valid_from),
            timestamp(valid_until),
        )

    def certificate(self, number: str | int) -> Certificate:
        """The certificate with this number (or token id): its state from one call, its figures and
        commitment from its issuance event. Two round trips."""
        token_id = token_id_of(number)
        if is_root(token_id_to_number(token_id)):
            raise UnknownRecord(f"{record_name(token_id_to_number(token_id))} is a root, not a certificate")
        (view,) = _views(self._view_call("certificate", [token_id]), 1)
        record = self._record(token_id, view, self.issued_events([token_id]).get(token_id))
        assert isinstance(record, Certificate)
        return record

    def root(self, number: str | int) -> Root:
        """A registered root (``BW#JWANENG-2024-Q3``, ``AE:ZA-2024-012345``, or its token id)."""
        (record,) = self.records_of([number])
        if not isinstance(record, Root):
            raise UnknownRecord(f"{record_name(token_id_to_number(token_id_of(number)))} is not registered")
        return record

    def certificates_of(self, numbers: Sequence[str | int]) -> list[Certificate | None]:
        """Many certificates in a few round trips (None for unknown numbers), for bulk verification."""
        return [r if isinstance(r, Certificate) else None for r in self.records_of(numbers)]

    def records_of(self, numbers: Sequence[str | int]) -> list[Certificate | Root | None]:
        """Certificates and roots by number or id, in a few round trips (None where unknown): what a
        provenance graph is read with, a level at a time."""
        ids = [token_id_of(n) for n in numbers]
        views = self._bulk_views(ids)
        known = [token_id for token_id, view in zip(ids, views, strict=True) if view[4] != 0]
        events = self.issued_events(known)
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

    def issued_events(self, token_ids: Iterable[int]) -> dict[int, _logs.Issued | _logs.Registered]:
        """The issuance (or registration) event of each of ``token_ids`` found, with its draws."""
        return _logs.issued_logs(self.w3, self.certificates.address, token_ids, self.deployment.block)

    def status_change(self, cert: Certificate) -> StatusChange | None:
        """When, by which key (and why) ``cert``'s receipt was confirmed or it was voided: the chain
        keeps these in the event only. One log look-up from its issue block, and one block read."""
        name = {"receipt confirmed": "ReceiptConfirmed", "voided": "CertificateVoided"}.get(cert.status)
        if name is None:
            return None
        head = self.w3.eth.block_number
        found = _logs.logs_of_tokens(
            self.w3, self.certificates.address, [_logs.topic(name)], [cert.token_id], cert.block, head
        )
        if not found:
            return None
        change = _logs.decode_status_change(found[-1])
        return StatusChange(
            what=cert.status,
            at=timestamp(int(self.w3.eth.get_block(change.block)["timestamp"])),
            authority=change.authority,
            block=change.block,
            transaction=change.transaction,
            reason=VOID_REASONS[change.reason] if name == "CertificateVoided" else "",
        )

    def entered_twice(
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

    def confirmations_of(
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
        found = {change.token_id: change for change in map(_logs.decode_status_change, logs)}
        times = self._block_times(sorted({change.block for change in found.values()}))
        windows = {key: self.authority(key).valid_until for key in {c.authority for c in found.values()}}
        return {
            token_id_to_number(t): Confirmation(c.authority, timestamp(times[c.block]), windows[c.authority])
            for t, c in found.items()
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
        """Certificates from the logs, filtered; issue time in ``[since, until)``. With an
        :attr:`index`, those it holds come from it and only the blocks after its last are read from
        the chain (with the confirmations and voids since of those it holds). Logs are read in block
        ranges of ``chunk`` (halved when a node refuses a range), so public RPC limits hold;
        ``progress(done, total)`` is called with block counts."""
        return list(
            listing.iter_certificates(
                self,
                exporting=exporting,
                importing=importing,
                holder=holder,
                status=status,
                since=since,
                until=until,
                chunk=chunk,
                progress=progress,
            )
        )

    def iter_certificates(self, **filters: Any) -> Iterator[Listed]:
        """:meth:`list_certificates` as it reads (the same filters): the index's rows stream out
        first, then the chain's, none kept."""
        return listing.iter_certificates(self, **filters)

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
            _logs.word(code_bytes(participant)) if participant else None,
        ]
        head = self.w3.eth.block_number
        logs = _logs.get_logs(self.w3, self.certificates.address, topics, self.deployment.block, head)
        ids = list(dict.fromkeys(_logs.token_of(log, 1) for log in logs))
        return [r for r in self.records_of(ids) if isinstance(r, Root)]

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

    def call(self, fn: ContractFunction) -> Any:
        """A view of a contract through web3; a revert raises its ``KPError``."""
        with reverts():
            return fn.call()


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
