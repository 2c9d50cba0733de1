"""Listing certificates: what ``kp list``, ``kp stats``, "My certificates" and the library's
``list_certificates`` read. From the chain's logs, or, with an index (:mod:`kp_py.index`), from the
index for the blocks it holds and from the chain for the blocks after its last one, so that an
answer is as current as the chain's head however stale the index. A certificate's status comes
from its confirmation and void events, wherever they are, and from its expiry against the head's
time: the same rule whichever source a row comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kp_py import _logs, stats
from kp_py._abi import STATUSES, ascii_text, token_id_to_number
from kp_py._batch import block_headers
from kp_py.errors import KPError, timestamp
from kp_py.records import Listed, seconds

if TYPE_CHECKING:
    from kp_py.index import Index
    from kp_py.reader import Reader
    from kp_py.stats import Row

Status = Callable[[int, int, set[str]], str | None]  # (token id, expiry, changes) -> status or None


def iter_certificates(
    kp: Reader,
    *,
    exporting: str | None = None,
    importing: str | None = None,
    holder: str | None = None,
    status: str | None = None,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
    chunk: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Listed]:
    """Certificates, filtered, issue time in ``[since, until)``, as they are read: the index's
    rows stream out first, then the chain's."""
    if status is not None and status not in STATUSES[1:]:
        raise KPError(f"status {status!r} is not one of: {', '.join(STATUSES[1:])}")
    filters = {"exporting": exporting, "importing": importing, "holder": holder, "status": status}
    _, _, rows = _reading(kp, filters, since, until, chunk, progress, indexed=True)
    yield from rows


def _reading(
    kp: Reader,
    filters: dict[str, str | None],
    since: datetime | int | None,
    until: datetime | int | None,
    chunk: int,
    progress: Callable[[int, int], None] | None,
    indexed: bool,
) -> tuple[Index | None, dict[int, set[str]], Iterator[Listed]]:
    """The index in use (if any), the confirmations and voids of the blocks after it (of every
    certificate: read once here), and the rows as they will be read: the index's (if ``indexed``),
    then the chain's."""
    head = kp.w3.eth.get_block("latest")
    head_number, head_time = int(head["number"]), int(head["timestamp"])
    index = current_index(kp)
    first = kp.deployment.block if index is None else index.last_block + 1
    chain = _chain_events(kp, first, head_number, chunk, progress)
    changed = chain.changed
    exporting, importing, holder, status = (
        filters.get(k) for k in ("exporting", "importing", "holder", "status")
    )

    def state(token_id: int, expires_at: int, changes: set[str]) -> str | None:
        changes = changes | changed.get(token_id, set())
        if "voided" in changes:
            found = "voided"
        elif "receipt confirmed" in changes:
            found = "receipt confirmed"
        else:
            found = "expired" if head_time >= expires_at else "issued"
        return found if status is None or found == status else None

    def rows() -> Iterator[Listed]:
        since_s, until_s = (None if t is None else seconds(t) for t in (since, until))
        if index is not None and indexed:
            where = {"exporting": exporting, "importing": importing, "holder": holder}
            yield from index.listed(**where, since=since_s, until=until_s, status=state)
        yield from _from_chain(kp, chain, (exporting, importing, holder), (since_s, until_s), state)

    return index, changed, rows()


def current_index(kp: Reader) -> Index | None:
    """``kp``'s index if it has one and it is still on the chain (else reads go to the chain alone,
    until `kp index` rewinds it past the reorganisation)."""
    return kp.index if kp.index is not None and kp.index.is_current() else None


def statistics(
    kp: Reader,
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
    index, changed, rows = _reading(kp, {}, since, until, chunk, progress, indexed=False)
    if index is None or period not in stats.PERIODS:  # the chain's rows alone; a bad period: stats says so
        return stats.statistics(rows, period, participant)
    voided = [token_id_to_number(t) for t, what in changed.items() if "voided" in what]
    since_s, until_s = (None if t is None else seconds(t) for t in (since, until))
    summed = index.route_totals(period, since_s, until_s, leave_out=voided)
    return stats.statistics(rows, period, participant, summed)


@dataclass(frozen=True)
class _ChainEvents:
    """What the blocks after the index (or all, without one) say: certificates issued, their first
    holders, and the confirmations and voids of any certificate."""

    issued: list[_logs.Issued]
    holders: dict[int, str]
    changed: dict[int, set[str]]


_LISTED = {
    "CertificateIssued": "issued", "Transfer": "holder",
    "ReceiptConfirmed": "receipt confirmed", "CertificateVoided": "voided",
}  # fmt: skip


def _chain_events(
    kp: Reader, first: int, last: int, chunk: int, progress: Callable[[int, int], None] | None
) -> _ChainEvents:
    """The events of blocks ``[first, last]`` a list needs, in one scan of the logs (its windows
    batched behind a capping provider): filters apply to the decoded events, not in the query, so
    the logs are read once whatever is asked."""
    events = _ChainEvents([], {}, {})
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
        elif what == "holder":
            if _logs.token_of(log, 1) == 0:  # a mint: tokens are bound to their holder
                events.holders[_logs.token_of(log, 3)] = _logs.address_of(log, 2)
        else:
            events.changed.setdefault(_logs.token_of(log, 1), set()).add(what)
    return events


def _from_chain(
    kp: Reader,
    chain: _ChainEvents,
    filters: tuple[str | None, str | None, str | None],
    times: tuple[int | None, int | None],
    state: Status,
) -> Iterator[Listed]:
    exporting, importing, holder = filters
    since, until = times
    wanted = [
        event
        for event in chain.issued
        if (exporting is None or ascii_text(event.exporting) == exporting)
        and (importing is None or ascii_text(event.importing) == importing)
        and (holder is None or chain.holders.get(event.token_id, "").lower() == holder.lower())
    ]
    headers = block_headers(kp.w3, sorted({event.block for event in wanted}))
    for event in wanted:
        issued_at = headers[event.block][0]
        if (since is not None and issued_at < since) or (until is not None and issued_at >= until):
            continue
        found = state(event.token_id, event.expires_at, set())
        if found is None:
            continue
        yield Listed(
            number=token_id_to_number(event.token_id),
            token_id=event.token_id,
            status=found,
            exporting=ascii_text(event.exporting),
            importing=ascii_text(event.importing),
            holder=chain.holders.get(event.token_id, ""),
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
