"""Listing certificates: what ``kp list``, ``kp stats``, "My certificates" and the library's
``list_certificates`` read. From the chain's logs, or, with an index (:mod:`kp_py.index`), from the
index for the blocks it holds and from the chain for the blocks after its last one, so that an
answer is as current as the chain's head however stale the index. A certificate's status comes
from its confirmation and void events, wherever they are, and from its expiry against the head's
time: the same rule whichever source a row comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Union

from kp_py import _jsonrpc, stats
from kp_py._codes import STATUS_OF, STATUSES, ascii_text, token_id_to_number
from kp_py._lazy import lazy
from kp_py.errors import KPError, timestamp
from kp_py.records import Listed, listed_json, seconds, with_status

if TYPE_CHECKING:
    import eth_utils as _eth_utils

    from kp_py import _batch, _logs
    from kp_py.index import Index
    from kp_py.reader import Reader
    from kp_py.stats import Row
else:  # read the chain: imported only for a list that does (an index alone does not)
    _batch, _logs, _eth_utils = lazy("kp_py._batch"), lazy("kp_py._logs"), lazy("eth_utils")

Status = Callable[[str, int, frozenset[str]], str | None]  # (number, expiry, changes) -> status or None
# A list's order: by block, then number (an index reads its rows so: ORDER BY block, number).
LIST_ORDER = attrgetter("block", "number")


@dataclass(frozen=True)
class Filters:
    """What a list keeps: certificates exported by, imported by, held by, and issued in
    ``[since, until)`` (Unix seconds); None: any."""

    exporting: str | None = None
    importing: str | None = None
    holder: str | None = None
    since: int | None = None
    until: int | None = None


@dataclass(frozen=True)
class AtHead:
    """An index the chain has nothing after (:func:`at_head`), and the time of the chain's head
    that expiries are read against: all a list or statistics need, without reading the chain."""

    index: Index
    head_time: int


Source = Union["Reader", AtHead]  # what a list reads: the deployment (its index, if any, and the chain)


GLANCE = 5.0  # seconds the glance waits for the node: a slower one is read through the patient provider


def at_head(index: Index, url: str, head: int) -> AtHead | None:
    """``index`` if it answers alone for the chain at ``url`` at block ``head``: the certificates
    contract is there, the last block the index read is still the chain's, and no certificate event
    came after the index's last block up to ``head``. One batch, without web3
    (:mod:`kp_py._jsonrpc`). None whenever the node does not say so plainly: the list then reads
    the chain as well, through kp's patient provider, which says what is wrong in its words."""
    last, certificates = index.last_read(), index.deployment.certificates
    calls = [
        _jsonrpc.header(head),
        ("eth_getCode", [certificates, hex(head)]),
        # From the index's last block, not the one after, which a node refuses while it is the head.
        _jsonrpc.logs_call(certificates, [], max(0, index.last_block), head),
        *([_jsonrpc.header(last[0])] if last is not None else []),
    ]
    try:
        block, code, found, *read = _jsonrpc.batch(url, calls, GLANCE)
        still = last is None or (isinstance(read[0], dict) and read[0].get("hash") == last[1])
        after = [log for log in found if int(log["blockNumber"], 16) > index.last_block]
        if code not in ("0x", "") and still and not after and head >= index.last_block:
            return AtHead(index, int(block["timestamp"], 16))
    except (_jsonrpc.Unanswered, KeyError, TypeError, ValueError):
        pass
    return None


def iter_certificates(kp: Source, **asked: Any) -> Iterator[Listed]:
    """Certificates as they are read, filtered as :meth:`kp_py.reader.Reader.list_certificates`
    says: the index's rows stream out first, then the chain's."""
    reading, filters = _asked(kp, **asked)
    if reading.index is not None:
        yield from reading.index.listed(filters, status=reading.state)
    yield from _from_chain(kp, reading, filters)


def iter_json(kp: Source, **asked: Any) -> Iterator[list[str]]:
    """:func:`iter_certificates` as the lines of ``kp list --json`` (:func:`kp_py.records.with_status`),
    a part at a time: the index's as it keeps them, no row built again, then the chain's."""
    reading, filters = _asked(kp, **asked)
    if reading.index is not None:
        yield from reading.index.json_lines(filters, status=reading.state)
    yield [with_status(listed_json(row), row.status) for row in _from_chain(kp, reading, filters)]


def _asked(
    kp: Source,
    *,
    exporting: str | None = None,
    importing: str | None = None,
    holder: str | None = None,
    status: str | None = None,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
    chunk: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[_Reading, Filters]:
    filters = Filters(exporting, importing, _address(holder), *_seconds(since, until))
    return _reading(kp, status, chunk, progress), filters


@dataclass(frozen=True)
class _Reading:
    """What a list reads, whichever its source: the index in use (if any), the events of the blocks
    after it (or of all blocks, without one), and the head's time that expiries are read against."""

    index: Index | None
    chain: _ChainEvents
    head_time: int
    status: str | None  # the status asked for, if any

    def state(self, number: str, expires_at: int, changes: frozenset[str]) -> str | None:
        """A certificate's status from its changes (with the chain's since the index) and its
        expiry, or None if it is not the status asked for: the one rule, whichever the source."""
        later = self.chain.changed.get(number)
        if later:
            changes = changes | later
        if "voided" in changes:
            found = "voided"
        elif "receipt confirmed" in changes:
            found = "receipt confirmed"
        else:
            found = "expired" if self.head_time >= expires_at else "issued"
        return found if self.status is None or found == self.status else None


def _reading(
    kp: Source, status: str | None, chunk: int, progress: Callable[[int, int], None] | None
) -> _Reading:
    """The index in use (if any) and the events of the blocks after it, each confirmation and void
    read once here."""
    if status is not None and status not in STATUSES[1:]:
        raise KPError(f"status {status!r} is not one of: {', '.join(STATUSES[1:])}")
    if isinstance(kp, AtHead):
        return _Reading(kp.index, _ChainEvents(), kp.head_time, status)
    head = kp.w3.eth.get_block("latest")
    head_number, head_time = int(head["number"]), int(head["timestamp"])
    index = current_index(kp)
    first = kp.deployment.block if index is None else index.last_block + 1
    return _Reading(index, _chain_events(kp, first, head_number, chunk, progress), head_time, status)


def _address(holder: str | None) -> str | None:
    """``holder`` as the index keeps it, checksummed (eth-utils imported only when one is asked)."""
    if not holder:
        return None
    try:
        return str(_eth_utils.to_checksum_address(holder))
    except ValueError:
        raise KPError(f"holder {holder!r} is not an address") from None


def _seconds(since: datetime | int | None, until: datetime | int | None) -> tuple[int | None, int | None]:
    return (None if since is None else seconds(since)), (None if until is None else seconds(until))


def current_index(kp: Reader) -> Index | None:
    """``kp``'s index if it has one and it is still on the chain (else reads go to the chain alone,
    until `kp index` rewinds it past the reorganisation)."""
    return kp.index if kp.index is not None and kp.index.is_current() else None


def statistics(
    kp: Source,
    period: str = "quarter",
    participant: str | None = None,
    *,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
    chunk: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> list[Row]:
    """:func:`kp_py.stats.statistics` over the certificates: with an index, what it holds summed by
    the database (less what was voided since its last block), the rest read from the chain."""
    reading = _reading(kp, None, chunk, progress)
    times = _seconds(since, until)
    rows = _from_chain(kp, reading, Filters(None, None, None, *times))
    if reading.index is None or period not in stats.PERIODS:  # the chain's alone (a bad period: said there)
        return stats.statistics(rows, period, participant)
    voided = [number for number, what in reading.chain.changed.items() if "voided" in what]
    summed = reading.index.route_totals(period, *times, leave_out=voided)
    return stats.statistics(rows, period, participant, summed)


@dataclass(frozen=True)
class _ChainEvents:
    """What the blocks after the index (or all, without one) say: certificates issued, their first
    holders, and the confirmations and voids of any certificate."""

    issued: list[_logs.Issued] = field(default_factory=list)
    issued_logs: list[Any] = field(default_factory=list)  # their logs, which may tell their blocks' times
    holders: dict[int, str] = field(default_factory=dict)
    changed: dict[str, set[str]] = field(default_factory=dict)  # by certificate number


_LISTED = {"CertificateIssued": "issued", "Transfer": "holder", **STATUS_OF}


def _chain_events(
    kp: Reader, first: int, last: int, chunk: int, progress: Callable[[int, int], None] | None
) -> _ChainEvents:
    """The events of blocks ``[first, last]`` a list needs, in one scan of the logs (its windows
    batched behind a capping provider): filters apply to the decoded events, not in the query, so
    the logs are read once whatever is asked."""
    events = _ChainEvents()
    if first > last:
        return events
    kinds = {_logs.topic(name): what for name, what in _LISTED.items()}
    topics = [list(kinds)]
    for log in _logs.get_logs(
        kp.w3, kp.certificates.address, topics, first, last, chunk=chunk, progress=progress
    ):
        what = kinds[_logs.topic_of(log)]
        if what == "issued":
            events.issued.append(_logs.decode_issued(log))
            events.issued_logs.append(log)
        elif what == "holder":
            if _logs.token_of(log, 1) == 0:  # a mint: tokens are bound to their holder
                events.holders[_logs.token_of(log, 3)] = _logs.address_of(log, 2)
        else:
            events.changed.setdefault(token_id_to_number(_logs.token_of(log, 1)), set()).add(what)
    return events


def _from_chain(kp: Source, reading: _Reading, filters: Filters) -> Iterator[Listed]:
    exporting, importing, holder, since, until = astuple(filters)
    chain = reading.chain
    if not chain.issued or isinstance(kp, AtHead):  # (an index alone has read no chain: none issued)
        return
    wanted = [
        event
        for event in chain.issued
        if (exporting is None or ascii_text(event.exporting) == exporting)
        and (importing is None or ascii_text(event.importing) == importing)
        and (holder is None or chain.holders.get(event.token_id, "").lower() == holder.lower())
    ]
    headers = _batch.block_headers(kp.w3, sorted({event.block for event in wanted}), chain.issued_logs)
    rows = []
    for event in wanted:
        issued_at = headers[event.block][0]
        if (since is None or issued_at >= since) and (until is None or issued_at < until):
            rows.append(listed_of(event, chain.holders.get(event.token_id, ""), issued_at))
    for row in sorted(rows, key=LIST_ORDER):
        found = reading.state(row.number, row.expires_at, frozenset())
        if found is not None:
            yield replace(row, status=found)


def listed_of(event: _logs.Issued, holder: str, issued_at: int, status: str = "") -> Listed:
    """A certificate as its issue event, its holder and its block's time tell it: what the index
    keeps of it and a list shows."""
    return Listed(
        number=token_id_to_number(event.token_id),
        token_id=event.token_id,
        status=status,
        exporting=ascii_text(event.exporting),
        importing=ascii_text(event.importing),
        holder=holder,
        issuer=event.issuer,
        origins=tuple(ascii_text(o) for o in event.origins),
        carats=event.carats,
        value_usd=event.value_usd,
        parcels=event.parcels,
        hs_code=f"7102.{event.hs_code}",
        expires_at=event.expires_at,
        block=event.block,
        transaction=event.transaction,
        issued_at=timestamp(issued_at),
    )
