"""Few round trips: JSON-RPC batches, and a certificate's events found from its issue time (issue 16).

A verifier behind a public provider pays per round trip, and such providers cap ``eth_getLogs``
ranges (2,000 blocks is common). Scanning from the deployment to the head for one event costs a
call per 2,000 blocks: a thousand on a chain of two million. The ``certificates`` view already
says when each certificate was issued (its block's timestamp), so the block is found instead:
interpolation on block timestamps, a few candidate headers and a guessed log window read in one
batch, narrowed and repeated (on a chain with regular block times, one batch finds it). The
provider's cap is probed in a fresh client's first batch (:func:`views_with_blocks`), so the first
windows are of the right size. A status change comes after the issue: windows of the provider's
range cap, many to a batch, the first of them riding in another batch where planned ahead
(:class:`Windows`: a verification's, with its parents' look-up).

A provenance is read a level at a time, and each draw (``CaratsDrawn``) carries the time its parent
was issued: a level's views then go in the first batch of the search for its events
(:func:`calls_and_issued_at_times`), one round trip a level where the first guess holds.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web3 import Web3
from web3.exceptions import BlockNotFound

from kp_py import _logs
from kp_py._abi import decode_result, decode_revert, encode_call
from kp_py._codes import REGISTRATIONS
from kp_py._jsonrpc import header, logs_call
from kp_py._rpc import MAX_BATCH, Failed, call_many, supported
from kp_py.errors import KPError, timestamp

WINDOW = 2_000  # blocks per eth_getLogs until a provider names its own cap (a common one)
ROUNDS = 8  # batches of the timestamp search before the scan takes over
PROBES = 3  # headers read on each side of the guessed window in a round
SPREAD = 10  # windows of log queries in one batch: a candidate range this wide is read whole
SLACK = 10  # percent of the distance to the closest known block that a guess may be off by
# Blocks whose timestamp a search found (number: timestamp), per provider: closer ends for the next
# searches' interpolation (a parent is issued shortly before its child, whose block is known).
_KNOWN: weakref.WeakKeyDictionary[Any, dict[int, int]] = weakref.WeakKeyDictionary()
KNOWN = 100_000  # blocks remembered per provider, at most
NO_TOPIC = "0x" + "00" * 32  # a topic 0 no log has: the cap probe's (see views_with_blocks)


def view_result(answer: Any) -> bytes:
    """A view's raw answer as bytes; a revert raises its ``KPError``."""
    if isinstance(answer, Failed):
        if isinstance(answer.data, str) and answer.data.startswith("0x"):
            raise decode_revert(bytes.fromhex(answer.data[2:]))
        raise KPError(f"the node refused the call: {answer.message}")
    return bytes.fromhex(answer[2:])


def views_with_blocks(
    w3: Web3,
    address: str,
    views: list[tuple[str, list[Any]]],
    blocks: list[int | str],
    since: int | None = None,
) -> tuple[list[bytes], list[tuple[int, int]] | None]:
    """Views of KPCertificates, undecoded, and the (number, timestamp) of ``blocks`` (a number or
    "latest"; None if a header was refused), in one round trip where the provider takes batches.
    With ``since`` (the deployment's block), a provider not yet probed is asked the logs from there
    to the head of a topic no log has (:data:`NO_TOPIC`) in the same batch: a provider that caps
    ranges refuses it in its words, which teach its cap (``_logs.probed``), so the look-up's first
    windows are of the right size; one that allows the range answers nothing, at little cost."""
    calls = [view_call(address, name, args) for name, args in views]
    probe = [logs_call(address, [NO_TOPIC], since, "latest")] if since is not None else []
    probe = probe if blocks and _logs.unprobed(w3) else []
    answers = call_many(w3, calls + [header(b) for b in blocks] + probe, optional=len(probe))
    if probe:  # (not asked, None: a provider that takes no batches, or small ones; not probed again)
        answer = answers.pop()
        _logs.probed(w3, answer.message if isinstance(answer, Failed) else None)
    heads = answers[len(calls) :]
    if any(isinstance(h, Failed) or h is None for h in heads):
        return [view_result(a) for a in answers[: len(calls)]], None
    read = [(_logs.int_of(h["number"]), _logs.int_of(h["timestamp"])) for h in heads]
    return [view_result(a) for a in answers[: len(calls)]], read


def view_call(
    address: str, name: str, args: list[Any], contract: str = "KPCertificates"
) -> tuple[str, list[Any]]:
    """A view of ``contract`` at ``address``, as a call of a batch."""
    return "eth_call", [{"to": address, "data": "0x" + encode_call(contract, name, args).hex()}, "latest"]


def block_read(answer: Any) -> tuple[int, int] | None:
    """The (number, timestamp) of a header a batch read; None if the node refused it."""
    if isinstance(answer, Failed) or answer is None:
        return None
    return _logs.int_of(answer["number"]), _logs.int_of(answer["timestamp"])


def valid_until(w3: Web3, registry: str, keys: Iterable[str]) -> dict[str, datetime | str]:
    """Until when each authority key is valid now, as :class:`kp_py.records.Authority` says it (the
    registry's ``authority`` view), all in one round trip where batches go."""
    ordered = sorted(keys)
    answers = call_many(w3, [view_call(registry, "authority", [key], "KPRegistry") for key in ordered])
    found = {}
    for key, answer in zip(ordered, answers, strict=True):
        ((_, _, _, _, until),) = decode_result("KPRegistry", "authority", view_result(answer))
        found[key] = timestamp(until)
    return found


def window(w3: Web3) -> int:
    """Blocks per log query for this provider: its learned cap, else :data:`WINDOW`."""
    return _logs.range_cap(w3) or WINDOW


@dataclass
class _Search:
    """The blocks that may hold timestamp ``time``: all lie in ``[low, high]``; ``below`` and
    ``above`` are (number, timestamp) of known blocks around them, for the interpolation."""

    time: int
    ids: set[int]
    low: int
    high: int
    below: tuple[int, int]
    above: tuple[int, int]


def issued_at_times(
    w3: Web3, address: str, times: Mapping[int, int], first: tuple[int, int], head: tuple[int, int]
) -> tuple[dict[int, _logs.Issued | _logs.Registered], set[int]]:
    """The issuance events of the token ids of ``times`` (id: its block's timestamp), found from
    their time, between block ``first`` and ``head`` (each a (number, timestamp)); and the ids the
    search could not place, for the caller's scan. Ids of one timestamp share the search."""
    _, found, unplaced = calls_and_issued_at_times(w3, address, [], times, first, head)
    return found, unplaced


def remember(w3: Web3, blocks: Mapping[int, int]) -> None:
    """Blocks whose timestamp is known (number: timestamp): ends for the next searches."""
    known = _KNOWN.setdefault(w3.provider, {})
    if len(known) > KNOWN:
        known.clear()
    known.update(blocks)


def calls_and_issued_at_times(
    w3: Web3,
    address: str,
    calls: Sequence[tuple[str, list[Any]]],
    times: Mapping[int, int],
    first: tuple[int, int],
    head: tuple[int, int],
) -> tuple[list[Any], dict[int, _logs.Issued | _logs.Registered], set[int]]:
    """:func:`issued_at_times`, with ``calls`` sent in its first batch: their answers (``Failed``
    for one refused) come first. A provenance level's views ride with the search for its events
    when the times come from the draws, not from the views."""
    by_time: dict[int, set[int]] = {}
    for token_id, moment in times.items():
        by_time.setdefault(moment, set()).add(token_id)
    known = _KNOWN.setdefault(w3.provider, {})
    searches = [_search(t, ids, [first, head, *known.items()]) for t, ids in by_time.items()]
    events = [
        _logs.topic("CertificateIssued"), _logs.topic("CaratsDrawn"), *map(_logs.topic, REGISTRATIONS)
    ]  # fmt: skip
    logs: list[Any] = []
    # A time outside the known ends (after the head: a hint that was wrong) has no block to search.
    unplaced = {t for search in searches if search.low > search.high for t in search.ids}
    searches = [search for search in searches if search.low <= search.high]
    riding: list[tuple[str, list[Any]]] = list(calls)  # sent with the first round
    answered: list[Any] = []
    for _ in range(ROUNDS):
        if not searches:
            break
        size = window(w3)
        asked, riding = riding, []
        ridden = len(asked)
        learned = _logs.range_cap(w3) is not None
        room = (MAX_BATCH - len(asked)) // len(searches) - 2 * PROBES - 2 - (0 if learned else 2 * PROBES + 4)
        plans = [_plan(search, size, learned, room) for search in searches]
        for search, (ranges, probes) in zip(searches, plans, strict=True):
            part = [_logs.word(t) for t in sorted(search.ids)]
            asked += [logs_call(address, [events, part], a, b) for a, b in ranges]
            asked += [header(p) for p in probes]
        results = iter(call_many(w3, asked))
        answered += [next(results) for _ in range(ridden)]
        going = []
        for search, (ranges, probes) in zip(searches, plans, strict=True):
            answers = [next(results) for _ in ranges]
            found = _collect(w3, answers, ranges)
            logs += found
            search.ids -= {_logs.token_of(log, 1) for log in found}
            remember(w3, {_logs.block_of(log): search.time for log in found})
            before = (search.low, search.high)
            _narrow(search, [(p, next(results)) for p in probes])
            read_all = ranges[0][0] <= before[0] and ranges[-1][1] >= before[1]
            read_all = read_all and not any(isinstance(a, Failed) for a in answers)
            if read_all or (
                (search.low, search.high) == before and not any(isinstance(a, Failed) for a in answers)
            ):
                unplaced |= search.ids  # read and not there, or no closer: the scan's turn
            elif search.ids:
                going.append(search)
        searches = going
    if riding:  # no search to ride with
        answered = call_many(w3, riding)
    return answered, _logs.issued_from(logs), unplaced | {t for s in searches for t in s.ids}


def _search(time: int, ids: set[int], blocks: list[tuple[int, int]]) -> _Search:
    """The search for the blocks of timestamp ``time``, between the closest of ``blocks`` (number,
    timestamp) before and after it."""
    before = max((b for b in blocks if b[1] < time), default=blocks[0])
    after = min((b for b in blocks if b[1] > time), default=blocks[1])
    low = before[0] + 1 if before[1] < time else before[0]
    high = after[0] - 1 if after[1] > time else after[0]
    return _Search(time, ids, low, high, before, after)


def _plan(search: _Search, size: int, learned: bool, room: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The log windows to read and the headers to probe this round: the candidate range if it fits
    one batch of windows, else as much around the interpolated block, with headers beyond either
    edge (further out by powers of four) to narrow the range if the event is not there. Until the
    provider's cap is known the windows may be refused as too wide: headers around the guess then
    narrow the range anyway."""
    low, high = search.low, search.high
    (n0, t0), (n1, t1) = search.below, search.above
    guess = n0 + (search.time - t0) * (n1 - n0) // max(1, t1 - t0)
    # The guess errs by a share of its distance to the closest known block: as many more windows as
    # cover :data:`SLACK` of it, while the batch has room.
    near = max(0, min(guess - n0, n1 - guess))
    spread = max(SPREAD, min(room, -(-near * SLACK // 100 // size)))
    start = min(max(low, guess - size * spread // 2), max(low, high - size * spread + 1))
    end = min(high, start + size * spread - 1)
    windows = [(a, min(a + size - 1, end)) for a in range(start, end + 1, size)]
    probes = {
        p for k in range(PROBES) for p in (start - 1 - size * spread * 4**k, end + 1 + size * spread * 4**k)
    }
    probes |= {start - 1, end + 1}
    if not learned:
        probes |= {p for k in range(PROBES + 2) for p in (guess - SPREAD * 4**k, guess + SPREAD * 4**k)}
    return windows, sorted(p for p in probes if low <= p <= high)


def _narrow(search: _Search, headers: list[tuple[int, Any]]) -> None:
    """Narrow the candidate range with the timestamps read."""
    for number, block in headers:
        if isinstance(block, Failed) or block is None:
            continue
        moment = _logs.int_of(block["timestamp"])
        if moment < search.time and number >= search.low:
            search.low, search.below = number + 1, (number, moment)
        elif moment > search.time and number <= search.high:
            search.high, search.above = number - 1, (number, moment)


def _collect(w3: Web3, answers: list[Any], ranges: list[tuple[int, int]]) -> list[Any]:
    """The logs of answered windows; a window refused for its size teaches the provider's cap."""
    logs: list[Any] = []
    for answer, (a, b) in zip(answers, ranges, strict=True):
        if isinstance(answer, Failed):
            _logs.refused(w3, answer.message, a, b)
        else:
            logs += answer
    return logs


@dataclass
class Windows:
    """The first round of a look-up of status changes (:func:`change_logs`) planned ahead, to ride
    in another batch: ``event`` in the windows ``asked`` (token id, (first, last)) by ``calls``; once
    that batch is answered, its ``answers`` and the head's number it read."""

    event: str
    asked: list[tuple[int, tuple[int, int]]]
    calls: list[tuple[str, list[Any]]]
    answers: list[Any] | None = None
    head: int = 0

    def starts(self) -> dict[int, int]:
        """Each token id's first block asked."""
        return {t: a for t, (a, _) in reversed(self.asked)}


def change_windows(
    w3: Web3, address: str, event: str, starts: Mapping[int, int], count: int | None = None
) -> Windows:
    """The windows of a round of :func:`change_logs`: ``count`` (by default, up to ten) windows of
    the provider's range cap from each token id's start block in ``starts``."""
    if count is None:
        count = max(1, min(SPREAD, (MAX_BATCH - 1) // max(1, len(starts))))
    size = window(w3)
    asked = [
        (token_id, (start + i * size, start + (i + 1) * size - 1))
        for token_id, start in starts.items()
        for i in range(count)
    ]
    calls = [logs_call(address, [[_logs.topic(event)], [_logs.word(t)]], a, b) for t, (a, b) in asked]
    return Windows(event, asked, calls)


def ride(windows: Sequence[Windows], answers: Sequence[Any], head: tuple[int, int] | None) -> None:
    """Give each of ``windows`` its ``answers`` (in order) from the batch they rode in, which read
    the ``head``; none if it did not."""
    if head is None:
        return
    for planned in windows:
        planned.answers, planned.head = list(answers[: len(planned.calls)]), head[0]
        answers = answers[len(planned.calls) :]


def change_logs(
    w3: Web3, address: str, event: str, firsts: Mapping[int, int], ahead: Windows | None = None
) -> dict[int, Any]:
    """The last ``event`` log of each token id of ``firsts`` from its block there on (its issue
    block: a change comes after it): windows of the provider's range cap, the head and up to ten
    windows a token in the first batch (or those ``ahead`` read, if they match), twice as many in
    each next one."""
    starts, found = dict(firsts), {}
    count = max(1, min(SPREAD, (MAX_BATCH - 1) // max(1, len(starts))))
    if ahead is not None and (ahead.answers is None or (ahead.event, ahead.starts()) != (event, starts)):
        ahead = None
    while starts:
        if ahead is not None:
            planned, answers, head = ahead, ahead.answers or [], ahead.head
            ahead = None
        else:
            planned = change_windows(w3, address, event, starts, count)
            read, *answers = call_many(w3, [("eth_blockNumber", []), *planned.calls])
            head = _logs.int_of(read)
        stopped: set[int] = set()
        for (token_id, (a, b)), answer in zip(planned.asked, answers, strict=True):
            if token_id not in starts or token_id in stopped or a > head:
                continue
            if isinstance(answer, Failed):  # too wide: read again from here, at the learned size
                _logs.refused(w3, answer.message, a, b)
                starts[token_id] = a
                stopped.add(token_id)
            elif answer:
                found[token_id] = answer[-1]
                del starts[token_id]
            else:
                starts[token_id] = b + 1
        starts = {t: start for t, start in starts.items() if start <= head}
        count = min(count * 2, max(1, (MAX_BATCH - 1) // max(1, len(starts))))
    return found


def timestamps(w3: Web3, numbers: Iterable[int | str]) -> list[tuple[int, int]]:
    """(number, timestamp) of blocks (a number or "latest"), in one round trip where batches go."""
    blocks = call_many(w3, [header(n) for n in numbers])
    if any(isinstance(b, Failed) or b is None for b in blocks):
        raise _logs.LogsRefused(f"the node refused a block header: {blocks}")
    return [(_logs.int_of(b["number"]), _logs.int_of(b["timestamp"])) for b in blocks]


HEADERS_PER_BATCH = 500  # block headers per JSON-RPC batch


def block_headers(w3: Any, numbers: list[int], logs: Iterable[Any] = ()) -> dict[int, tuple[int, str]]:
    """Each block's timestamp and hash (a block the chain no longer has left out). ``logs``' blocks
    are as their logs tell them, where they do (a node's raw logs carry ``blockTimestamp`` and
    ``blockHash``: anvil, geth since 1.16): 13,000 certificates are indexed without reading 3,000
    headers. The others are read over HTTP from the node's raw answers, :data:`HEADERS_PER_BATCH` a
    JSON-RPC batch (web3's formatting of a block costs more than its request: 3,000 headers took
    2 s, now 0.3), through web3 otherwise."""
    told = dict(filter(None, map(_told, logs)))
    found = {number: told[number] for number in numbers if number in told}
    numbers = [number for number in numbers if number not in told]
    if supported(w3):
        calls = [header(number) for number in numbers]
        for number, block in zip(numbers, call_many(w3, calls, most=HEADERS_PER_BATCH), strict=True):
            if isinstance(block, Failed):
                raise KPError(f"the node refused block {number}: {block.message}")
            if block is not None:  # past the head after a reorganisation to a shorter chain
                found[number] = (int(block["timestamp"], 16), block["hash"])
        return found
    return found | {number: read for number in numbers if (read := _header(w3, number)) is not None}


def _told(log: Any) -> tuple[int, tuple[int, str]] | None:
    """A log's block number, time and hash where the node's raw answer says them; None where it does
    not (an older node, web3's formatted logs), or says a time of 0: no block's, but a placeholder
    (one gateway answered 0x0 for every log)."""
    number, time_, hash_ = (log.get(key) for key in ("blockNumber", "blockTimestamp", "blockHash"))
    if not (isinstance(number, str) and isinstance(time_, str) and isinstance(hash_, str)):
        return None
    try:
        told = int(number, 16), int(time_, 16), _logs.hex_of(hash_)
    except (ValueError, KPError):
        return None
    return (told[0], told[1:]) if told[1] > 0 else None


def _header(w3: Any, number: int) -> tuple[int, str] | None:
    block = _block_or_none(w3, number)
    return None if block is None else (int(block["timestamp"]), "0x" + bytes(block["hash"]).hex())


def _block_or_none(w3: Any, number: int) -> Any:
    try:
        return w3.eth.get_block(number)
    except BlockNotFound:  # past the head after a reorganisation to a shorter chain
        return None


def certificate_views(data: bytes, count: int) -> list[tuple[Any, ...]]:
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
