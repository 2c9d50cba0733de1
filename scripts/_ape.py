"""What the kp ape scripts share: the network they run on, the key they sign with, the deployment.

The scripts (``ape run deploy``, ``load_participants``, ``issue_folder``, ``confirm``) are click
commands that ape connects before they run; this module is not a script (ape skips files whose name
starts with ``_``).

Network: ape's ``--network`` as usual. Without it, the kp local node of ``.kp/`` (``kp node
start``; ``$KP_HOME`` names another folder), reached through its URL in ``.kp/node.json``: ape
takes an ``http://`` URL as a network choice and connects to the running node (no ape-config.yaml
setting, no process of its own). ape's in-process test chain, or a node ape starts itself, ends
with the command, so the scripts refuse to run on them.

Key: ``--key-env VAR`` (or ``$KP_KEY_ENV=VAR``) signs with the private key held in environment
variable VAR, as a real authority would; otherwise ``--test-account N`` (default 0), one of ape's
test accounts, which on a local chain are the kp node's funded development accounts (same
mnemonic), and are refused on any other chain.

Deployment: the one recorded for the chain id in ``$KP_DEPLOYMENTS``, ``.kp/deployments.json``
(where ``ape run deploy`` and ``kp deploy`` record) or the list shipped with kp_py.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand, network_option
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from web3 import Web3

from kp_py import KP, keys
from kp_py.deployments import DEFAULT_HOME
from kp_py.errors import KPError
from kp_py.network import attach
from kp_py.node import DEV_CHAIN_IDS, LocalNode


class _Address(click.ParamType):
    name = "address"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not is_address(value):
            self.fail(f"{value!r} is not a 0x address", param, ctx)
        return str(to_checksum_address(value))


ADDRESS = _Address()


def home() -> Path:
    return Path(os.environ.get("KP_HOME") or DEFAULT_HOME)


def local_node_url() -> str:
    """The default ``--network``: the URL of the running kp local node."""
    status = LocalNode(home()).status()
    if status is None:
        raise click.UsageError(
            f"no kp local node is running for {home()}/: start one with `kp node start`, "
            "or give --network (an ape network choice or a node's URL)"
        )
    return str(status["url"])


@dataclass
class Session:
    """The connected script's view: ape's web3, the signer, the deployment."""

    key_env: str | None
    test_account: int | None

    @property
    def w3(self) -> Web3:
        w3: Web3 = chain.provider.web3
        return w3

    @property
    def home(self) -> Path:
        return home()

    def signer(self) -> LocalAccount:
        if self.key_env and self.test_account is not None:
            raise click.UsageError("give --key-env or --test-account, not both")
        if self.key_env:
            return keys.from_env(self.key_env)
        if self.w3.eth.chain_id not in DEV_CHAIN_IDS:
            raise click.UsageError(
                f"chain {self.w3.eth.chain_id} is not a local chain: ape's test accounts have "
                "public keys, sign with --key-env VAR"
            )
        account: LocalAccount = Account.from_key(accounts.test_accounts[self.test_account or 0].private_key)
        return account

    def kp(self) -> KP:
        """The recorded deployment on this chain, signing with :meth:`signer`."""
        return attach(self.w3, account=self.signer(), home=self.home)


def kp_command(fn: Callable[..., Any]) -> click.Command:
    """Make ``fn(session, **options)`` an ape script command: network, key, errors as one line."""

    @click.command(cls=ConnectedProviderCommand, help=fn.__doc__)
    @network_option(
        default=local_node_url,
        help="An ape network choice, or a running node's URL [default: the kp local node].",
    )
    @click.option(
        "--key-env",
        envvar="KP_KEY_ENV",
        metavar="VAR",
        help="Sign with the private key in environment variable VAR [env: KP_KEY_ENV].",
    )
    @click.option(
        "--test-account",
        type=click.IntRange(0),
        help="Sign with ape's test account N (local chains only) [default: 0].",
    )
    @functools.wraps(fn)
    def command(*args: Any, key_env: str | None, test_account: int | None, **kwargs: Any) -> None:
        provider = chain.provider
        if provider.name == "test" or getattr(provider, "process", None) is not None:
            raise click.UsageError(
                f"ape's {provider.name!r} chain ends with this command: run on the kp local node "
                "(`kp node start`; the default without --network) or give a running node's URL"
            )
        with _one_line_errors():
            fn(Session(key_env, test_account), *args, **kwargs)

    return command


class Refused(click.ClickException):
    exit_code = 2  # as the kp command line: a refusal or bad usage


@contextmanager
def _one_line_errors() -> Iterator[None]:
    try:
        yield
    except KPError as error:
        raise Refused(str(error)) from None
