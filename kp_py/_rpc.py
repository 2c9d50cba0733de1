"""JSON-RPC batches: many calls to a node in one round trip, in as large batches as its provider
takes (learned once per provider from its refusals), the node's raw answers returned as they are
(web3's formatting of thousands of results costs more than the requests)."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

import requests
from web3 import HTTPProvider, Web3

_NAMED = re.compile(r"\b\d+\b")  # the size a refusal of a batch may name ("batch too large: at most 3")
MAX_BATCH = 50  # calls per JSON-RPC batch; halved for a provider that refuses this many
# HTTP statuses of a refusal that passes (a rate limit, a busy node): waited out by kp's provider,
# never taken for a batch too large. A timeout or a 504 may be the batch's size: halved at once.
PASSING = frozenset({429, 502, 503})
# The batch size each provider took, learned once per provider (1: it refuses batches).
_BATCH: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Failed:
    """A call of a batch the node answered with an error (``data``: a revert's, if any)."""

    message: str
    data: Any = None


def supported(w3: Web3) -> bool:
    """Whether the direct look-ups apply: raw JSON-RPC over HTTP. The in-process tester keeps the
    scan (its chains are short, and its answers come in web3's forms, not the node's)."""
    return isinstance(w3.provider, HTTPProvider)


def call_many(
    w3: Web3, calls: list[tuple[str, list[Any]]], optional: int = 0, most: int = MAX_BATCH
) -> list[Any]:
    """The results of ``calls`` (``Failed`` for one the node refused), in as few round trips as the
    provider allows: batches of :data:`MAX_BATCH`, halved when the provider refuses a batch that
    large, one call a request for a provider that takes no batches (learned once, kept). The last
    ``optional`` calls are asked only where they ride with others: None for them where they would
    take a round trip of their own. ``most``: calls a batch where the provider has refused none."""
    provider = w3.provider
    assert isinstance(provider, HTTPProvider)
    results: list[Any] = []
    start = 0
    while start < len(calls):
        size = min(_BATCH.get(provider, most), most)
        part = calls[start : start + size]
        if start >= len(calls) - optional:
            return results + [None] * (len(calls) - start)
        if size == 1 or len(part) == 1:
            results += [_result(provider.make_request(method, params)) for method, params in part]
            start += len(part)
            continue
        answers = _one_batch(provider, part)
        if not isinstance(answers, list):  # refused as a batch: the size it names, or half, to none
            named = answers if answers and answers < len(part) else 0
            needed = min(len(part), len(calls) - optional - start)  # what is halved: not the optional
            _BATCH[provider] = named or max(1, needed // 2)
            continue
        results += answers
        start += len(part)
    return results


def _one_batch(provider: HTTPProvider, part: list[tuple[str, list[Any]]]) -> list[Any] | int | None:
    """One batch request; if the provider refused it as a batch (an HTTP error, a timeout, one error
    for the whole batch, or "batch too large" answers), the size its refusal names ("at most 10"),
    else None. A refusal that passes (:data:`PASSING`, a lost connection), still there after the
    provider waited it out, is raised: a smaller batch would not cure it."""
    try:
        answers = provider.make_batch_request(part)  # type: ignore[arg-type]
    except requests.HTTPError as error:
        if error.response is not None and error.response.status_code in PASSING:
            raise
        return None
    except requests.Timeout:
        return None
    except requests.ConnectionError:
        raise
    except (OSError, ValueError):  # requests' other errors are OSErrors; an undecodable answer
        return None
    if not isinstance(answers, list):
        refusal = answers.get("error") if isinstance(answers, dict) else None
        named = _NAMED.search(str(refusal.get("message", "")) if isinstance(refusal, dict) else "")
        return int(named.group()) if named else None
    if len(answers) != len(part):
        return None
    results = [_result(answer) for answer in answers]
    if all(isinstance(r, Failed) and "batch" in r.message.lower() for r in results):
        named = _NAMED.search(results[0].message)
        return int(named.group()) if named else None
    return results


def _result(answer: Any) -> Any:
    error = answer.get("error")
    if not error:
        return answer["result"]
    if isinstance(error, dict):
        return Failed(str(error.get("message", error)), error.get("data"))
    return Failed(str(error))
