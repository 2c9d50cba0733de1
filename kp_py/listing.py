"""Listing certificates: what ``kp list``, ``kp stats``, "My certificates" and the library's
``list_certificates`` read. From the chain's logs, or, with an index (:mod:`kp_py.index`), from the
index for the blocks it holds and from the chain for the blocks after its last one, so that an
answer is as current as the chain's head however stale the index. A certificate's status comes
from its confirmation and void events, wherever they are, and from its expiry against the head's
time: the same rule whichever source a row comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kp_py import _logs, stats
from kp_py._abi import STATUSES, ascii_text, token_id_to_number
from kp_py._batch import block_headers
from kp_py.errors import KPError, timestamp
from kp_py.records import Listed, code_bytes, seconds

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
    changed = changes_between(kp, first, head_number, chunk) if first <= head_number else {}
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
        start, last = first, head_number
        if since_s is not None:
            start = max(start, first_block_at(kp.w3, kp.deployment.block, since_s, head_number))
        if until_s is not None:
            last = min(last, first_block_at(kp.w3, kp.deployment.block, until_s, head_number) - 1)
        if last >= start:
            yield from _from_chain(kp, (exporting, importing, holder), start, last, chunk, progress, state)

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


def changes_between(kp: Reader, first: int, last: int, chunk: int) -> dict[int, set[str]]:
    """Each certificate confirmed or voided in blocks ``[first, last]``: what happened to it."""
    changed: dict[int, set[str]] = {}
    for name, what in (("ReceiptConfirmed", "receipt confirmed"), ("CertificateVoided", "voided")):
        for log in _logs.get_logs(
            kp.w3, kp.certificates.address, [_logs.topic(name)], first, last, chunk=chunk
        ):
            changed.setdefault(_logs.token_of(log, 1), set()).add(what)
    return changed


def _from_chain(
    kp: Reader,
    filters: tuple[str | None, str | None, str | None],
    first: int,
    last: int,
    chunk: int,
    progress: Callable[[int, int], None] | None,
    state: Status,
) -> Iterator[Listed]:
    exporting, importing, holder = filters
    address = kp.certificates.address
    issued_topics: list[Any] = [
        _logs.topic("CertificateIssued"),
        None,
        _logs.word(code_bytes(exporting)) if exporting else None,
        _logs.word(code_bytes(importing)) if importing else None,
    ]
    issued = [
        _logs.decode_issued(log)
        for log in _logs.get_logs(kp.w3, address, issued_topics, first, last, chunk=chunk, progress=progress)
    ]
    if not issued:
        return
    mint = [_logs.topic("Transfer"), _logs.word(0)]
    holders = {
        _logs.token_of(log, 3): _logs.address_of(log, 2)
        for log in _logs.get_logs(kp.w3, address, mint, first, last, chunk=chunk)
    }
    times = block_headers(kp.w3, sorted({event.block for event in issued}))
    for event in issued:
        owner = holders.get(event.token_id, "")
        if holder is not None and owner.lower() != holder.lower():
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
            issued_at=timestamp(times[event.block][0]),
        )


def first_block_at(w3: Any, low: int, moment: int, head: int) -> int:
    """The first block from ``low`` with a timestamp at or after ``moment`` (head + 1 if none)."""
    high = head + 1
    while low < high:
        middle = (low + high) // 2
        if int(w3.eth.get_block(middle)["timestamp"]) >= moment:
            high = middle
        else:
            low = middle + 1
    return low
