"""``kp node``: the local anvil node, its state kept under ``.kp/``."""

from __future__ import annotations

from typing import Any

import click

from kp_py import keys
from kp_py.cli._options import Options, emit, local
from kp_py.errors import KPError
from kp_py.node import LocalNode


@click.group()
def node() -> None:
    """The local anvil node (state kept under .kp/)."""


def _node_status(options: Options, local: LocalNode) -> dict[str, Any]:
    status = local.status()
    data: dict[str, Any] = {"running": status is not None, "home": str(options.home)}
    if status is not None:
        data.update(status)
        data["dev_accounts"] = [keys.dev_account(i).address for i in range(5)]
        try:
            chain_id = int(str(status["chain_id"]))
            from kp_py.deployments import deployment_files, find_deployment

            found = find_deployment(chain_id, deployment_files(chain_id, options.trusted_home))
            data["deployment"] = {
                "registry": found.registry,
                "certificates": found.certificates,
                "block": found.block,
            }
        except KPError:
            data["deployment"] = None
    return data


@node.command("start")
@click.option("--port", type=int, default=0, help="Port to listen on [default: any free port].")
@click.option("--chain-id", type=int, default=31337, show_default=True, help="Chain id of a new chain.")
@local
def node_start(options: Options, port: int, chain_id: int) -> None:
    """Start the local node, or report the one running."""
    local = LocalNode(options.home, chain_id=chain_id, port=port)
    url = local.start()
    data = _node_status(options, local)
    emit(
        options,
        data,
        f"local node running at {url} (chain id {data.get('chain_id')}); state in {options.home}/",
    )


@node.command("stop")
@local
def node_stop(options: Options) -> None:
    """Stop the local node; its chain is saved and the next start resumes it."""
    stopped = LocalNode(options.home).stop()
    emit(options, {"stopped": stopped}, "local node stopped" if stopped else "no local node was running")


@node.command("status")
@local
def node_status(options: Options) -> None:
    """Whether the local node runs, its URL, chain id and deployment."""
    data = _node_status(options, LocalNode(options.home))
    if not data["running"]:
        emit(options, data, f"no local node running for {options.home}/ (start one with `kp node start`)")
        return
    deployment = data["deployment"]
    lines = [f"running at {data['url']} (chain id {data['chain_id']}, pid {data['pid']})"]
    if deployment:
        lines += [f"registry      {deployment['registry']}", f"certificates  {deployment['certificates']}"]
    else:
        lines.append("kp is not deployed on it yet (`kp deploy`)")
    lines += [f"dev account {i}: {address}" for i, address in enumerate(data["dev_accounts"])]
    emit(options, data, "\n".join(lines))
