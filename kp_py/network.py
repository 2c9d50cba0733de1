"""Connecting to a network and finding the kp deployment on it.

    kp = connect()                                   # the local node of ./.kp, read only
    kp = connect("https://rpc.sepolia.org", account=officer)

Deployments are recorded per chain id in JSON files, read in this order (the first that knows the
chain wins): a file given explicitly (``deployments=`` or ``$KP_DEPLOYMENTS``), the project's
``.kp/deployments.json`` (where ``kp deploy`` records), and the list shipped with kp for public
networks (``kp_py/deployments.json``)::

    {"11155111": {"registry": "0x...", "certificates": "0x...", "block": 7012345}}
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCEndpoint, RPCResponse

from kp_py._files import write_atomic
from kp_py._json import loads_strict
from kp_py.client import KP, Deployment
from kp_py.errors import DocumentError, KPError
from kp_py.node import LocalNode

DEFAULT_HOME = Path(".kp")
# Timeouts, refused connections and HTTP errors (a rate limit's 429, a restarting node's 502) are
# retried with exponential backoff, about 30 s in all. Sending a raw transaction again is safe:
# the same bytes are the same transaction.
RETRIES = ExceptionRetryConfiguration(
    errors=(requests.ConnectionError, requests.HTTPError, requests.Timeout), retries=8, backoff_factor=0.125
)
# Rate limits some providers answer inside an HTTP 200, as a JSON-RPC error (Infura's -32005
# "limit exceeded", QuickNode's -32007, others' -32029): retried the same way.
RATE_LIMIT_CODES = {-32005, -32007, -32029}
SHIPPED = Path(__file__).resolve().parent / "deployments.json"
SHARED = 0o644  # a deployments file is handed to verifiers: readable by all, written by its owner


class NetworkError(KPError, ConnectionError):
    """The network cannot be reached, or kp is not deployed on it."""


class PatientHTTPProvider(HTTPProvider):
    """web3's HTTP provider, which also waits out a rate limit answered as a JSON-RPC error."""

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        delay = RETRIES.backoff_factor
        for _ in range(RETRIES.retries):
            response = super().make_request(method, params)
            if not _rate_limited(response):
                return response
            time.sleep(delay)
            delay *= 2
        return super().make_request(method, params)


def _rate_limited(response: RPCResponse) -> bool:
    error = response.get("error")
    return isinstance(error, dict) and error.get("code") in RATE_LIMIT_CODES


def web3_for(rpc_url: str | None = None, home: Path = DEFAULT_HOME) -> Web3:
    """A Web3 for ``rpc_url``, or for the local node of ``home`` when none is given."""
    if rpc_url is None:
        status = LocalNode(home).status()
        if status is None:
            raise NetworkError(
                f"no local node is running for {home}/: run `kp node start`, or give --rpc-url"
            )
        rpc_url = str(status["url"])
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


def deployment_files(home: Path = DEFAULT_HOME, explicit: Path | None = None) -> list[Path]:
    """The deployment files consulted, in order."""
    files = []
    if explicit is None and os.environ.get("KP_DEPLOYMENTS"):
        explicit = Path(os.environ["KP_DEPLOYMENTS"])
    if explicit is not None:
        if not explicit.is_file():
            raise NetworkError(f"deployments file {explicit} does not exist")
        files.append(explicit)
    files += [home / "deployments.json", SHIPPED]
    return files


def find_deployment(chain_id: int, files: list[Path]) -> Deployment:
    """The deployment recorded for ``chain_id`` in the first file that has one."""
    for path in files:
        entry = _read(path).get(str(chain_id))
        if entry is not None:
            try:
                return Deployment(chain_id, entry["registry"], entry["certificates"], int(entry["block"]))
            except (KeyError, TypeError, ValueError):
                raise NetworkError(
                    f"{path}: the entry for chain {chain_id} lacks registry, certificates or block"
                ) from None
    searched = ", ".join(str(p) for p in files if p.is_file()) or "no deployments file"
    raise NetworkError(f"kp is not deployed on chain {chain_id} (searched {searched}): run `kp deploy`")


def record_deployment(deployment: Deployment, path: Path, network: str | None = None) -> None:
    """Add (or replace) the entry for ``deployment.chain_id`` in ``path``, atomically."""
    data = _read(path)
    entry: dict[str, Any] = {
        "registry": deployment.registry,
        "certificates": deployment.certificates,
        "block": deployment.block,
    }
    if network:
        entry["network"] = network
    data[str(deployment.chain_id)] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True), mode=SHARED)


def connect(
    rpc_url: str | None = None,
    *,
    account: LocalAccount | None = None,
    home: Path = DEFAULT_HOME,
    deployments: Path | None = None,
    confirmations: int = 1,
) -> KP:
    """Connect to ``rpc_url`` (default: the local node of ``home``) and its kp deployment;
    transactions count as done ``confirmations`` blocks deep."""
    kp = attach(web3_for(rpc_url, home), account=account, home=home, deployments=deployments)
    kp.confirmations = confirmations
    return kp


def attach(
    w3: Web3,
    *,
    account: LocalAccount | None = None,
    home: Path = DEFAULT_HOME,
    deployments: Path | None = None,
) -> KP:
    """The kp deployment of the chain ``w3`` is connected to (from ape, or any Web3)."""
    deployment = find_deployment(w3.eth.chain_id, deployment_files(home, deployments))
    if not w3.eth.get_code(to_checksum_address(deployment.certificates)):
        raise NetworkError(
            f"no contract at {deployment.certificates} on chain {deployment.chain_id}: "
            "the deployments file does not match this chain (was the local node reset?)"
        )
    return KP(w3, deployment, account)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = loads_strict(path.read_bytes())
    except DocumentError as error:
        raise NetworkError(f"{path} is not a deployments file: {error.problem}") from None
    if not isinstance(data, dict):
        raise NetworkError(f"{path} must map chain ids to deployments")
    return data
