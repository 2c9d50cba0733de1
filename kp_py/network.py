"""Connecting to a network::

    kp = connect()                                   # the local node of ./.kp, read only
    kp = connect("https://rpc.sepolia.org", account=officer)

and to the kp deployment on it, found as :mod:`kp_py.deployments` says.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec
import requests
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCEndpoint, RPCResponse

from kp_py import _rpc
from kp_py._logs import is_cap
from kp_py.client import KP
from kp_py.deployments import DEFAULT_HOME, NetworkError, deployment_files, deployment_source, find_deployment
from kp_py.node import LocalNode

# Timeouts, refused connections and HTTP errors (a rate limit's 429, a restarting node's 502) are
# retried with exponential backoff, about 30 s in all. Sending a raw transaction again is safe:
# the same bytes are the same transaction.
RETRIES = ExceptionRetryConfiguration(
    errors=(requests.ConnectionError, requests.HTTPError, requests.Timeout), retries=8, backoff_factor=0.125
)
# Rate limits some providers answer inside an HTTP 200, as a JSON-RPC error (Infura's -32005
# "limit exceeded", QuickNode's -32007, others' -32029): retried the same way.
RATE_LIMIT_CODES = {-32005, -32007, -32029}
PROBE_TIMEOUT = 10.0  # seconds the first request may take


def deployment_facts(kp: KP) -> dict[str, Any]:
    """What a verdict was reached on: the chain, the contracts and where their addresses came from."""
    return {
        "chain_id": kp.deployment.chain_id,
        "registry": kp.registry.address,
        "certificates": kp.certificates.address,
        "deployment": deployment_source(kp.deployment),
    }


def describe(facts: dict[str, Any]) -> str:
    """``deployment_facts`` in a line."""
    return (
        f"checked on chain {facts['chain_id']}: certificates {facts['certificates']}, "
        f"registry {facts['registry']} (deployment: {facts['deployment']})"
    )


class PatientHTTPProvider(HTTPProvider):
    """web3's HTTP provider, which also waits out a rate limit answered as a JSON-RPC error."""

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        """The node's answer parsed by msgspec, straight from its bytes: an index build spends a
        fifth of its time parsing logs, and this cut the build's time by a tenth
        (`make bench`); what msgspec cannot parse goes to web3's parser, for its error."""
        try:
            return msgspec.json.decode(raw_response)  # type: ignore[no-any-return]
        except msgspec.DecodeError:
            return HTTPProvider.decode_rpc_response(raw_response)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        delay = RETRIES.backoff_factor
        for _ in range(RETRIES.retries):
            response = super().make_request(method, params)
            if not _rate_limited(response):
                return response
            time.sleep(delay)
            delay *= 2
        return super().make_request(method, params)

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> Any:
        """A batch, as patient as a single request (web3 retries none): a passing refusal (HTTP 429 or
        a busy node's 502 or 503, a lost connection, one rate-limit error for the whole batch) is
        waited out and the batch sent again. Any other refusal (a timeout or a 504 too, which may
        be the batch's size) returns or raises at once, for kp_py._rpc to send smaller batches."""
        delay = RETRIES.backoff_factor
        for _ in range(RETRIES.retries):
            try:
                response = super().make_batch_request(batch_requests)
            except requests.HTTPError as error:
                if error.response is None or error.response.status_code not in _rpc.PASSING:
                    raise
            except requests.Timeout:  # before ConnectionError, which a connect timeout also is
                raise
            except requests.ConnectionError:
                pass
            else:
                if not isinstance(response, dict) or not _rate_limited(response):
                    return response
            time.sleep(delay)
            delay *= 2
        return super().make_batch_request(batch_requests)


def _rate_limited(response: RPCResponse) -> bool:
    """A rate limit, to wait out; not a cap on a query's range or results, which some providers
    answer with the same code (Infura's -32005 "query returned more than 10000 results"): waiting
    would not change that answer, a smaller range will (:func:`kp_py._logs.get_logs`)."""
    error = response.get("error")
    if not isinstance(error, dict) or error.get("code") not in RATE_LIMIT_CODES:
        return False
    return not is_cap(str(error.get("message", "")))


def web3_for(rpc_url: str | None = None, home: Path | None = None) -> Web3:
    """A Web3 for ``rpc_url``, or for the local node of ``home`` (``./.kp``) when none is given."""
    home = home or DEFAULT_HOME
    if rpc_url is None:
        status = LocalNode(home).status()
        if status is None:
            raise NetworkError(
                f"no local node is running for {home}/: run `kp node start`, or give --rpc-url"
            )
        rpc_url = str(status["url"])
    _probe(rpc_url)
    w3 = Web3(
        PatientHTTPProvider(rpc_url, request_kwargs={"timeout": 30}, exception_retry_configuration=RETRIES)
    )
    # Proof-of-authority chains (some testnets, private networks) carry extra data in headers.
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        w3.eth.chain_id  # noqa: B018 - one round trip tells whether the URL answers
    except Exception as error:  # requests' and web3's connection errors, without naming each
        raise NetworkError(f"cannot reach {rpc_url}: {type(error).__name__}") from None
    return w3


def _probe(rpc_url: str) -> None:
    """One quick request, no retries, before the patient provider takes over: a URL without a
    scheme, or one nothing answers at, is told in a line at once, not after 30 s of retries."""
    scheme = rpc_url.split("://", 1)[0].lower() if "://" in rpc_url else ""
    if scheme not in ("http", "https"):
        raise NetworkError(
            f"--rpc-url {rpc_url!r} is not an http(s) URL: write it like http://localhost:8545"
        )
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        requests.post(rpc_url, json=request, timeout=PROBE_TIMEOUT).raise_for_status()
    except requests.HTTPError as error:
        if error.response is not None and error.response.status_code == 429:
            return  # rate limited: the patient provider waits it out
        raise NetworkError(f"cannot reach {rpc_url}: {error}") from None
    except requests.RequestException as error:
        raise NetworkError(f"cannot reach {rpc_url}: {type(error).__name__}") from None


def connect(
    rpc_url: str | None = None,
    *,
    account: LocalAccount | None = None,
    home: Path | None = None,
    deployments: Path | None = None,
    confirmations: int = 1,
) -> KP:
    """Connect to ``rpc_url`` (default: the local node of ``home``, ``./.kp``) and its kp deployment
    (see the module's note for which files are trusted); transactions count as done ``confirmations``
    blocks deep."""
    kp = attach(web3_for(rpc_url, home), account=account, home=home, deployments=deployments)
    kp.confirmations = confirmations
    return kp


def attach(
    w3: Web3,
    *,
    account: LocalAccount | None = None,
    home: Path | None = None,
    deployments: Path | None = None,
) -> KP:
    """The kp deployment of the chain ``w3`` is connected to (from ape, or any Web3)."""
    chain_id = w3.eth.chain_id
    deployment = find_deployment(chain_id, deployment_files(chain_id, home, deployments))
    if not w3.eth.get_code(to_checksum_address(deployment.certificates)):
        raise NetworkError(
            f"no contract at {deployment.certificates} on chain {deployment.chain_id}: "
            "the deployments file does not match this chain (was the local node reset?)"
        )
    return KP(w3, deployment, account)
