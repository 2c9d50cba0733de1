"""Where kp finds its deployment on a chain: the contracts' addresses and first block.

Deployments are recorded per chain id in JSON files, read in this order (the first that knows the
chain wins): a file given explicitly (``deployments=`` or ``$KP_DEPLOYMENTS``); then, for the local
chain (31337), the home's ``deployments.json`` (``./.kp/`` by default); for any other chain, the home's
only if it was named (``home=``, ``--home`` or ``$KP_HOME``), else the user's
``$XDG_CONFIG_HOME/kp/deployments.json`` (``~/.config/kp/``), never a ``.kp/`` that merely lies in the
current folder, which anyone who handed over the folder could have planted; last, the list shipped
with kp (``kp_py/deployments.json``). ``kp deploy`` records where the next command will look::

    {"11155111": {"registry": "0x...", "certificates": "0x...", "block": 7012345}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kp_py._files import write_atomic
from kp_py._json import loads_strict
from kp_py.errors import DocumentError, KPError
from kp_py.node import LOCAL_CHAIN_ID
from kp_py.records import Deployment

DEFAULT_HOME = Path(".kp")
SHIPPED = Path(__file__).resolve().parent / "deployments.json"
SHARED = 0o644  # a deployments file is handed to verifiers: readable by all, written by its owner


class NetworkError(KPError, ConnectionError):
    """The network cannot be reached, or kp is not deployed on it."""


@dataclass(frozen=True)
class RecordedDeployment(Deployment):
    """A deployment and where it was read: a file's path, or "shipped with kp"."""

    source: str = ""


def deployment_source(deployment: Deployment) -> str:
    """Where ``deployment`` came from, as a verdict names it."""
    if isinstance(deployment, RecordedDeployment):
        return deployment.source
    return "given by the program"


def config_home() -> Path:
    """The user's kp configuration folder: ``$XDG_CONFIG_HOME/kp``, by default ``~/.config/kp``."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kp"


def recorded_file(chain_id: int, home: Path | None = None) -> Path:
    """Where the deployment of ``chain_id`` is recorded when no file is named: the home's for the
    local chain or a named home (``home`` given), else the user's configuration folder's."""
    if home is None and chain_id != LOCAL_CHAIN_ID:
        return config_home() / "deployments.json"
    return (home or DEFAULT_HOME) / "deployments.json"


def deployment_files(chain_id: int, home: Path | None = None, explicit: Path | None = None) -> list[Path]:
    """The deployment files consulted for ``chain_id``, in order. ``home`` None: the current folder's
    ``.kp``, which is trusted for the local chain only."""
    files = []
    if explicit is None and os.environ.get("KP_DEPLOYMENTS"):
        explicit = Path(os.environ["KP_DEPLOYMENTS"])
    if explicit is not None:
        if not explicit.is_file():
            raise NetworkError(f"deployments file {explicit} does not exist")
        files.append(explicit)
    return [*files, recorded_file(chain_id, home), SHIPPED]


def find_deployment(chain_id: int, files: list[Path]) -> RecordedDeployment:
    """The deployment recorded for ``chain_id`` in the first file that has one."""
    for path in files:
        entry = _read(path).get(str(chain_id))
        if entry is not None:
            source = "shipped with kp" if path == SHIPPED else str(path)
            try:
                return RecordedDeployment(
                    chain_id, entry["registry"], entry["certificates"], int(entry["block"]), source
                )
            except (KeyError, TypeError, ValueError):
                raise NetworkError(
                    f"{path}: the entry for chain {chain_id} lacks registry, certificates or block"
                ) from None
    searched = ", ".join(str(p) for p in files if p.is_file()) or "no deployments file"
    untrusted = DEFAULT_HOME / "deployments.json"
    if untrusted not in files and _names(untrusted, chain_id):
        raise NetworkError(
            f"kp is not deployed on chain {chain_id} in a file you named (searched {searched}); "
            f"{untrusted} in this folder names one, but a folder's .kp/ is trusted for the local "
            f"chain only: give --deployments {untrusted} if you trust it"
        )
    if chain_id == LOCAL_CHAIN_ID:
        raise NetworkError(f"kp is not deployed on chain {chain_id} (searched {searched}): run `kp deploy`")
    raise NetworkError(
        f"no kp deployment is known for chain {chain_id} (searched {searched}): give --deployments FILE, "
        "the deployments file of the KP's own deployment, or deploy one of your own with `kp deploy`"
    )


def _names(path: Path, chain_id: int) -> bool:
    try:
        return str(chain_id) in _read(path)
    except NetworkError:
        return False


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
