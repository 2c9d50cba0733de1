"""``kp account``: keystores, encrypted key files under ``.kp/keystores/``."""

from __future__ import annotations

import click
from eth_utils import to_checksum_address

from kp_py import keys
from kp_py.cli._options import Options, emit, local, table


@click.group()
def account() -> None:
    """Keystores: encrypted key files under .kp/keystores/."""


@account.command("new")
@click.argument("name")
@click.option("--import-env", metavar="VAR", help="Import the private key in environment variable VAR.")
@local
def account_new(options: Options, name: str, import_env: str | None) -> None:
    """Create keystore NAME (password from $KP_PASSWORD or a prompt)."""
    key = "0x" + keys.from_env(import_env).key.hex() if import_env else None
    path = keys.create_keystore(name, options.home, key)
    address = keys.keystores(options.home).get(name) or ""
    emit(
        options,
        {"name": name, "address": to_checksum_address(address), "path": str(path)},
        f"{name}: {to_checksum_address(address)} ({path})",
    )


@account.command("list")
@local
def account_list(options: Options) -> None:
    """List the keystores."""
    rows = [
        {"name": name, "address": to_checksum_address(address)}
        for name, address in keys.keystores(options.home).items()
    ]
    emit(options, rows, table(rows, ["name", "address"]))
