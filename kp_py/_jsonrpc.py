"""The JSON-RPC calls kp makes, as raw calls (for batches); and JSON-RPC over HTTP with the standard
library alone, and no retries: the local node's care
(:mod:`kp_py.node`) and the glance that lets ``kp list`` and ``kp stats`` answer from an index
without importing web3 (:func:`kp_py.listing.at_head`). Reads that must get through go through
web3 and kp's patient provider (:mod:`kp_py.network`), which waits out rate limits."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

MOST = 1 << 20  # bytes of an answer read at most: a glance that would need more is better not taken


class Unanswered(Exception):
    """The node refused a call, answered something else than JSON-RPC, or could not be reached."""


def header(number: int | str) -> tuple[str, list[Any]]:
    """``eth_getBlockByNumber`` of block ``number`` (or a tag: "latest"), without its transactions."""
    return "eth_getBlockByNumber", [number if isinstance(number, str) else hex(number), False]


def logs_call(address: str, topics: list[Any], first: int, last: int | str) -> tuple[str, list[Any]]:
    """``eth_getLogs`` of ``address`` in ``[first, last]`` (``last`` a number or "latest")."""
    to = last if isinstance(last, str) else hex(last)
    query = {"address": address, "fromBlock": hex(first), "toBlock": to, "topics": topics}
    return "eth_getLogs", [query]


def call(url: str, method: str, params: list[Any], timeout: float = 10.0) -> Any:
    """The result of one call."""
    (result,) = batch(url, [(method, params)], timeout)
    return result


def batch(url: str, calls: list[tuple[str, list[Any]]], timeout: float = 10.0) -> list[Any]:
    """The results of ``calls`` in one request (a batch, unless there is one call), in their order;
    :class:`Unanswered` if any was refused, or the answer is no JSON-RPC or runs past :data:`MOST`
    bytes. HTTP(S) only, as web3's provider: urllib would read a ``file:`` URL."""
    if not url.lower().startswith(("http://", "https://")):
        raise Unanswered(f"cannot be reached at {url!r}: not an http(s) URL")
    requests = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    body = json.dumps(requests if len(requests) > 1 else requests[0]).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MOST + 1)
        if len(raw) > MOST:
            raise Unanswered(f"answered more than {MOST:,} bytes")
        answers = json.loads(raw)
    except OSError as error:  # urllib's errors, a timeout
        raise Unanswered(f"cannot be reached: {type(error).__name__}: {error}") from None
    except (ValueError, RecursionError):  # not JSON, or JSON nested past Python's stack
        raise Unanswered("answered no JSON-RPC") from None
    answers = answers if isinstance(answers, list) else [answers]
    by_id = {a["id"]: a for a in answers if isinstance(a, dict) and type(a.get("id")) is int}
    results = []
    for i, (method, _) in enumerate(calls):
        answer = by_id.get(i)
        if answer is None or "result" not in answer:
            refusal = answer.get("error") if answer else None
            told = refusal.get("message") if isinstance(refusal, dict) else refusal
            raise Unanswered(f"refused {method}: {str(told or 'no answer')[:200]}")
        results.append(answer["result"])
    return results
