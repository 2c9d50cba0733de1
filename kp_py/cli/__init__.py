"""The ``kp`` command line: a thin layer over :mod:`kp_py` (parse, call, print), a module per group
of commands, each loaded only when its command runs (``kp --version`` loads none, nor web3).

Commands that sign take, after their name, ``--account NAME`` (a keystore) or ``--key-env VAR`` (a
private key in an environment variable) or, on the local node, ``--dev N`` (its development account
N; 0 by default); commands that read the chain take ``--rpc-url`` (default: the local node of
``./.kp``) and ``--deployments``; all take ``--json`` and ``--home``. A command that only reads
refuses the signing options (:mod:`kp_py.cli._options`).

Exit codes: 0 success; 1 a certificate that ``verify`` finds not genuine (or a ``trace`` whose
provenance is broken); 2 bad usage, a refusal or a node that cannot answer, with one line on
standard error and no traceback; 3 a bug in kp.
"""

from __future__ import annotations

import importlib

import click

# Each command: the module and name of its click command, in the order `kp --help` lists them.
COMMANDS = {
    "node": "node:node",
    "deploy": "deploy:deploy",
    "participant": "registry:participant",
    "embargo": "registry:embargo",
    "authority": "registry:authority",
    "proposal": "proposal:proposal",
    "production": "roots:production",
    "paper": "roots:paper",
    "template": "certificates:template",
    "issue": "certificates:issue",
    "confirm": "certificates:confirm",
    "void": "certificates:void",
    "sign": "offline:sign",
    "submit": "offline:submit",
    "show": "reading:show",
    "verify": "reading:verify",
    "challenge": "holding:challenge",
    "prove": "holding:prove",
    "trace": "reading:trace",
    "list": "listing:list_",
    "stats": "listing:stats_command",
    "render": "reading:render_command",
    "serve": "reading:serve",
    "index": "indexing:index",
    "account": "account:account",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when used (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(f"kp_py.cli.{module}"), name)
        assert isinstance(command, click.Command)
        command.name = cmd_name
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kp-certificates", prog_name="kp")
def main() -> None:
    """Kimberley Process certificates on Ethereum."""


__all__ = ["main"]
