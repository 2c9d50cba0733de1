"""Signing keys: encrypted keystore files, a private key in an environment variable, or one of
the local node's well-known development accounts. Never a key on the command line.

Keystores are the standard Ethereum (Web3 Secret Storage) JSON files that eth-account writes,
kept in ``.kp/keystores/NAME.json``. Their password comes from ``$KP_PASSWORD`` for automation,
else from a prompt.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from kp_py._files import write_atomic
from kp_py._json import loads_strict
from kp_py.errors import DocumentError, KPError
from kp_py.node import DEV_MNEMONIC

PASSWORD_VARIABLE = "KP_PASSWORD"


class KeyLoadError(KPError, ValueError):
    """A key could not be loaded."""


def from_env(variable: str) -> LocalAccount:
    """The account whose private key (hex) is in environment variable ``variable``."""
    value = os.environ.get(variable)
    if not value:
        raise KeyLoadError(f"environment variable {variable} is not set (it should hold a private key)")
    try:
        account: LocalAccount = Account.from_key(value.strip())
    except (ValueError, TypeError):
        raise KeyLoadError(
            f"environment variable {variable} does not hold a 32-byte hex private key"
        ) from None
    return account


def dev_account(index: int) -> LocalAccount:
    """Development account ``index`` of the local node (anvil's well-known mnemonic): for local
    chains only, its key is public."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return account


def keystore_path(name: str, home: Path) -> Path:
    """Where keystore ``name`` lives: a path to a file as given, else ``home/keystores/NAME.json``."""
    given = Path(name)
    if given.suffix == ".json" or given.is_file():
        return given
    return home / "keystores" / f"{name}.json"


def load_keystore(name: str, home: Path, password: str | None = None) -> LocalAccount:
    """Decrypt keystore ``name`` with ``password``, ``$KP_PASSWORD`` or a prompt."""
    path = keystore_path(name, home)
    try:
        encrypted = loads_strict(path.read_bytes())
    except FileNotFoundError:
        raise KeyLoadError(f"no keystore {path} (create one with `kp account new {name}`)") from None
    except DocumentError as error:
        raise KeyLoadError(f"{path} is not a keystore file ({error.problem})") from None
    secret = password if password is not None else _password(f"password for {path.name}: ")
    try:
        key = Account.decrypt(encrypted, secret)
    except ValueError:
        raise KeyLoadError(f"wrong password for keystore {path}") from None
    except (KeyError, TypeError):
        raise KeyLoadError(f"{path} is not a keystore file (fields missing)") from None
    account: LocalAccount = Account.from_key(key)
    return account


def create_keystore(
    name: str, home: Path, private_key: str | None = None, password: str | None = None
) -> Path:
    """Write keystore ``name`` for ``private_key`` (a new random key if None); refuses to overwrite."""
    path = keystore_path(name, home)
    if path.exists():
        raise KeyLoadError(f"keystore {path} already exists")
    account: LocalAccount = Account.from_key(private_key) if private_key else Account.create()
    secret = password if password is not None else _password(f"new password for {path.name}: ", confirm=True)
    if not secret:
        raise KeyLoadError("a keystore needs a password")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, json.dumps(Account.encrypt(account.key, secret)), replace=False)
    return path


def keystores(home: Path) -> dict[str, str]:
    """Name -> address of the keystores in ``home/keystores``."""
    found = {}
    for path in sorted((home / "keystores").glob("*.json")):
        try:
            found[path.stem] = "0x" + str(loads_strict(path.read_bytes())["address"]).removeprefix("0x")
        except (DocumentError, KeyError, TypeError):
            continue
    return found


def _password(prompt: str, *, confirm: bool = False) -> str:
    secret = os.environ.get(PASSWORD_VARIABLE)
    if secret is not None:
        return secret
    if not sys.stdin.isatty():
        raise KeyLoadError(f"no password: set {PASSWORD_VARIABLE} or run in a terminal")
    secret = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != secret:
        raise KeyLoadError("the two passwords differ")
    return secret
