"""Reading a kp deployment: participants, authority keys, certificates and roots as records, their
confirmations and voids, and lists of them from the logs. :class:`kp_py.client.KP` builds on it; it
needs no account.

Views of many certificates go in bulk (``certificates(ids)``, :data:`BULK_READ` a call) and, over
HTTP, as raw JSON-RPC, whose result is decoded here (web3's formatting of 500 records costs more
than the call); events are read with :mod:`kp_py._logs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from kp_py import _batch, _jsonrpc, _logs, _rpc, listing
from kp_py._abi import artifact, encode_call
from kp_py._codes import (
    CHANGES,
    STANDINGS,
    STATUSES,
    VOID_REASONS,
    ascii_text,
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
DRAWS_KEPT = 100_000  # parents whose issue time a reader keeps from the draws it read, at most


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
        self._first: tuple[int, int] | None = None  # the deployment block's (number, timestamp)
        # What the draws read say of each parent (id: its issue time as the draw carries it, and the
        # block and time of the earliest child that drew on it): the next level's look-up in one batch.
        self._drawn_at: dict[int, tuple[int, int, int]] = {}
        # The status change look-ups to ride with the next level's batch (a verification's), by id.
        self._ahead: dict[int, _batch.Windows] = {}

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
        commitment from its issuance event, found from its issue time: two round trips, three where
        the block times are irregular."""
        token_id = token_id_of(number)
        if is_root(token_id_to_number(token_id)):
            raise UnknownRecord(f"{record_name(token_id_to_number(token_id))} is a root, not a certificate")
        (data,), heads = self._views_and_heads([("certificate", [token_id])])
        (view,) = _batch.certificate_views(data, 1)
        event = self.issued_events([token_id], {token_id: view[2]}, heads).get(token_id)
        self._remember_draws({token_id: view}, {token_id: event} if event else {})
        record = self._record(token_id, view, event)
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
        if self._drawn_from(ids):
            views, events = self._drawn_level(ids)
        else:
            views, heads = self._bulk_views(ids, with_heads=True)
            times = {t: view[2] for t, view in zip(ids, views, strict=True) if view[4] != 0}
            events = self.issued_events(list(times), times, heads)
            self._remember_draws(dict(zip(ids, views, strict=True)), events)
        return [
            self._record(token_id, view, events.get(token_id)) if view[4] != 0 else None
            for token_id, view in zip(ids, views, strict=True)
        ]

    def _drawn_from(self, ids: list[int]) -> bool:
        """Whether the draws read told the issue time of some of ``ids``, and a look-up can use it:
        over HTTP, the deployment's block known, no index to answer instead."""
        return (
            self._first is not None
            and any(t in self._drawn_at for t in ids)
            and _rpc.supported(self.w3)
            and listing.current_index(self) is None
        )

    def _drawn_level(
        self, ids: list[int]
    ) -> tuple[list[tuple[Any, ...]], dict[int, _logs.Issued | _logs.Registered]]:
        """The views and issuance events of ``ids``, some of them parents whose issue time the draws
        read carried: their views, the head's header and the search for their events from those
        times in one batch (one round trip where the first guess holds). The times are a hint: an
        event counts only where the view, the chain's word, gives its id the same time; the others,
        and the ids without a hint, are looked up from the views' times as usual."""
        assert self._first is not None
        parts = [ids[i : i + BULK_READ] for i in range(0, len(ids), BULK_READ)]
        address = self.certificates.address
        riders = [windows for windows in self._ahead.values() if windows.answers is None]
        calls = [_batch.view_call(address, "certificates", [part]) for part in parts]
        calls += [_jsonrpc.header("latest"), *(call for windows in riders for call in windows.calls)]
        hinted = {t: self._drawn_at[t] for t in ids if t in self._drawn_at}
        head = max((block, at) for _, block, at in hinted.values())
        _batch.remember(self.w3, {block: at for _, block, at in hinted.values()})
        times = {t: moment for t, (moment, _, _) in hinted.items()}
        answers, searched, _ = _batch.calls_and_issued_at_times(
            self.w3, address, calls, times, self._first, head
        )
        views: list[tuple[Any, ...]] = []
        for part, answer in zip(parts, answers[: len(parts)], strict=True):
            views += _batch.certificate_views(_batch.view_result(answer)[64:], len(part))
        issued = {t: view[2] for t, view in zip(ids, views, strict=True) if view[4] != 0}
        events = {t: e for t, e in searched.items() if issued.get(t) == times.get(t)}
        _batch.remember(self.w3, {e.block: issued[t] for t, e in searched.items() if t in issued})
        rest = {t: moment for t, moment in issued.items() if t not in events}
        latest = _batch.block_read(answers[len(parts)])
        _batch.ride(riders, answers[len(parts) + 1 :], latest)
        if rest:
            events |= self.issued_events(list(rest), rest, (self._first, latest) if latest else None)
        self._remember_draws(dict(zip(ids, views, strict=True)), events)
        return views, events

    def _remember_draws(
        self, views: Mapping[int, Any], events: Mapping[int, _logs.Issued | _logs.Registered]
    ) -> None:
        """Keep what the draws of ``events`` say of their parents (see ``_drawn_at``)."""
        if len(self._drawn_at) > DRAWS_KEPT:
            self._drawn_at.clear()
        for token_id, event in events.items():
            for parent, moment in event.parent_times:
                known = self._drawn_at.get(parent)
                if known is None or event.block < known[1]:
                    self._drawn_at[parent] = (moment, event.block, views[token_id][2])

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

    def issued_events(
        self,
        token_ids: Iterable[int],
        issued_at: Mapping[int, int] | None = None,
        heads: tuple[tuple[int, int], tuple[int, int]] | None = None,
    ) -> dict[int, _logs.Issued | _logs.Registered]:
        """The issuance (or registration) event of each of ``token_ids`` found, with its draws: from
        its issue time (``issued_at``, by id) between the blocks ``heads`` (the deployment's and the
        head's (number, timestamp)) where known, in a few round trips; else by a scan of the logs
        from the deployment on (also for the events the timestamp search could not place: a chain
        whose timestamps mislead it, a provider that refuses the headers it asks for)."""
        ids, found = set(token_ids), dict[int, _logs.Issued | _logs.Registered]()
        index = listing.current_index(self)
        if index is not None:  # what the index holds, if it happened when the chain says it did
            found = dict(index.issued_events(ids, issued_at))
            ids -= set(found)
        if ids and issued_at is not None and heads is not None and _rpc.supported(self.w3):
            times = {t: issued_at[t] for t in ids}
            searched, ids = _batch.issued_at_times(self.w3, self.certificates.address, times, *heads)
            found |= searched
        if ids:
            found |= _logs.issued_logs(self.w3, self.certificates.address, ids, self.deployment.block)
        return found

    def status_change(self, cert: Certificate) -> StatusChange | None:
        """When, by which key (and why) ``cert``'s receipt was confirmed or it was voided: the chain
        keeps these in the event only: found from its issue block on (``_changes``), its time from the
        log where the node gives it (``blockTimestamp``), else one more read."""
        name = CHANGES.get(cert.status)
        if name is None:
            return None
        index = listing.current_index(self)
        held = index.status_change(cert.number, cert.status) if index is not None else None
        if held is not None:
            change, at = held
            reason = VOID_REASONS[change.reason] if name == "CertificateVoided" else ""
            return StatusChange(
                cert.status, timestamp(at), change.authority, change.block, change.transaction, reason
            )
        address = self.certificates.address
        if _rpc.supported(self.w3):
            ahead = self._ahead.pop(cert.token_id, None)
            firsts = {cert.token_id: cert.block}
            found = list(_batch.change_logs(self.w3, address, name, firsts, ahead).values())
        else:
            head = self.w3.eth.block_number
            found = _logs.logs_of_tokens(
                self.w3, address, [_logs.topic(name)], [cert.token_id], cert.block, head
            )
        if not found:
            return None
        change = _logs.decode_status_change(found[-1])
        moment = found[-1].get("blockTimestamp")
        return StatusChange(
            what=cert.status,
            at=timestamp(
                _logs.int_of(moment) if moment else int(self.w3.eth.get_block(change.block)["timestamp"])
            ),
            authority=change.authority,
            block=change.block,
            transaction=change.transaction,
            reason=VOID_REASONS[change.reason] if name == "CertificateVoided" else "",
        )

    @contextmanager
    def looking_ahead(self, cert: Certificate) -> Iterator[None]:
        """Within: the look-up of ``cert``'s status change (:meth:`status_change`) rides with the
        next level's batch where the chain is read directly (a verification's: its parents')."""
        name = CHANGES.get(cert.status)
        if name and _rpc.supported(self.w3) and listing.current_index(self) is None:
            firsts = {cert.token_id: cert.block}
            self._ahead = {
                cert.token_id: _batch.change_windows(self.w3, self.certificates.address, name, firsts)
            }
        try:
            yield
        finally:
            self._ahead = {}  # read for this verification: not for a later one

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

    def _changes(self, event: str, firsts: Mapping[int, int]) -> list[Any]:
        """The ``event`` logs of the token ids of ``firsts`` from their block there on: batches of
        capped windows (a change within days: one round trip), else a scan."""
        if _rpc.supported(self.w3):
            return list(_batch.change_logs(self.w3, self.certificates.address, event, firsts).values())
        head, address = self.w3.eth.block_number, self.certificates.address
        return _logs.logs_of_tokens(
            self.w3, address, [_logs.topic(event)], firsts, min(firsts.values()), head
        )

    def _bulk_views(self, ids: list[int], *, with_heads: bool = False) -> Any:
        """The ``certificates(ids)`` view, :data:`BULK_READ` ids a call (status 0: unknown); with
        ``with_heads``, also the deployment's and the head's blocks, in the same round trip."""
        parts = [ids[i : i + BULK_READ] for i in range(0, len(ids), BULK_READ)]
        datas, heads = self._views_and_heads([("certificates", [part]) for part in parts], with_heads)
        views: list[tuple[Any, ...]] = []
        for part, data in zip(parts, datas, strict=True):
            views += _batch.certificate_views(data[64:], len(part))  # after offset, length
        return (views, heads) if with_heads else views

    def _views_and_heads(
        self, views: list[tuple[str, list[Any]]], with_heads: bool = True
    ) -> tuple[list[bytes], tuple[tuple[int, int], tuple[int, int]] | None]:
        """Views of KPCertificates, undecoded, and (over HTTP) the deployment's and the head's
        (number, timestamp): one round trip where the provider takes batches."""
        if not _rpc.supported(self.w3):
            return [self._view_call(name, args) for name, args in views], None
        blocks: list[int | str] = ["latest"] if self._first else ["latest", self.deployment.block]
        address, since = self.certificates.address, self.deployment.block  # since: the cap's probe
        datas, read = _batch.views_with_blocks(self.w3, address, views, blocks if with_heads else [], since)
        if not read:  # not asked, or a header refused: the scan
            return datas, None
        head, *first = read
        self._first = self._first or first[0]
        return datas, (self._first, head)

    def confirmations_of(
        self, records: Mapping[str, Certificate | Root], exclude: Iterable[str] = ()
    ) -> dict[str, Confirmation]:
        """Who confirmed the receipt of each confirmed certificate among ``records`` (but those in
        ``exclude``), when, and until when that key is valid now: three round trips in all."""
        skip = set(exclude)
        firsts = {
            r.token_id: r.block
            for r in records.values()
            if isinstance(r, Certificate)
            and r.status in ("receipt confirmed", "voided")  # a voided one may have been confirmed first
            and r.number not in skip
        }
        if not firsts:
            return {}
        logs = self._changes("ReceiptConfirmed", firsts)
        found = {change.token_id: change for change in map(_logs.decode_status_change, logs)}
        given = {
            _logs.block_of(g): _logs.int_of(g["blockTimestamp"]) for g in logs if g.get("blockTimestamp")
        }
        wanted = sorted({change.block for change in found.values()} - set(given))
        times = given | {
            number: moment for number, (moment, _) in _batch.block_headers(self.w3, wanted).items()
        }
        keys = {c.authority for c in found.values()}
        if _rpc.supported(self.w3):  # the keys' windows in one round trip
            windows = _batch.valid_until(self.w3, self.registry.address, keys)
        else:
            windows = {key: self.authority(key).valid_until for key in keys}
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
        """Certificates from the logs, filtered (``holder``: an address in any case, else a
        :class:`~kp_py.errors.KPError`); issue time in ``[since, until)``. With an
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
            message, revert = (
                (error.get("message"), error.get("data")) if isinstance(error, dict) else (error, None)
            )
            return _batch.view_result(_rpc.Failed(str(message), revert))
        return _batch.view_result(response["result"])

    def call(self, fn: ContractFunction) -> Any:
        """A view of a contract through web3; a revert raises its ``KPError``."""
        with reverts():
            return fn.call()
