"""Fixtures for the `kp` command line: a real anvil node in a temporary home, kp deployed on it
through the CLI itself, and every test isolated by an anvil snapshot reverted after it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from web3 import Web3

from kp_py.cli import main
from kp_py.keys import dev_account
from kp_py.node import LocalNode
from tests.conftest import STOCK, STOCK_CARATS, advance_to, document_data


def stock_args(participant: str) -> tuple[str, ...]:
    """`kp production register` of the production every test participant draws its first exports on."""
    return ("production", "register", STOCK, "--origin", participant, "--carats", STOCK_CARATS,
            "--from", "2024-01-01", "--to", "2024-12-31")  # fmt: skip


AE_KEY, BW_KEY, HOLDER, ZA_KEY = dev_account(1), dev_account(2), dev_account(3), dev_account(5)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Kp:
    """Runs `kp` in process, in ``folder``, with the test home."""

    def __init__(self, home: Path, folder: Path) -> None:
        self.home = home
        self.folder = folder
        try:
            self.runner = CliRunner(mix_stderr=False)  # click 8.1 (beside ape)
        except TypeError:
            self.runner = CliRunner()  # click 8.2 and newer keep stderr apart already

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        environment = {"KP_HOME": str(self.home), "KP_PROGRESS": "", **(env or {})}
        with _chdir(self.folder):
            result = self.runner.invoke(
                main, list(args), env=environment, catch_exceptions=False, prog_name="kp"
            )
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.code == 0, f"kp {' '.join(args)} exited {result.code}: {result.err}{result.out}"
        return result

    def refused(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run a command that must fail with exit 2 and one line on stderr; return that line."""
        result = self(*args, env=env)
        assert result.code == 2, f"kp {' '.join(args)} exited {result.code}: {result.err}{result.out}"
        assert "Traceback" not in result.err
        return result.err.strip()


class _chdir:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        import os

        self.previous = Path.cwd()
        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        import os

        os.chdir(self.previous)


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home with a running node and kp deployed, participants loaded, AE, BW and ZA keys added."""
    home = tmp_path_factory.mktemp("cli") / ".kp"
    node = LocalNode(home)
    node.start()
    kp = Kp(home, home.parent)
    web3 = Web3(Web3.HTTPProvider(str(node.status()["url"])))  # type: ignore[index]
    kp.ok("deploy", "--notice-period", str(NOTICE))
    enact(kp, web3, kp.ok("participant", "load", "--json").json()["proposal"])
    for participant, key in (("AE", "1"), ("BW", "2"), ("ZA", "5")):
        added = kp.ok("authority", "add", participant, dev_account(int(key)).address, "--json")
        enact(kp, web3, added.json())
        kp.ok(*stock_args(participant), "--dev", key)
    yield home
    node.stop()


NOTICE = 60  # seconds: the notice period of the CLI tests' deployment


def enact(kp: Kp, web3: Web3, proposal: dict[str, Any]) -> Result:
    """Wait out a proposal's notice period (the node's clock moved on) and execute it with `kp`:
    the one way the CLI fixtures and tests let someone in."""
    ready = int(datetime.fromisoformat(proposal["ready_at"].replace("Z", "+00:00")).timestamp())
    advance_to(web3, ready)
    return kp.ok("proposal", "execute", str(proposal["id"]))


@pytest.fixture
def decide(kp: Kp, node_web3: Web3):
    """``decide(kp.ok("participant", "admit", "UZ", "Uzbekistan", "--json").json())``."""
    return lambda proposal: enact(kp, node_web3, proposal)


@pytest.fixture(scope="session")
def node_web3(cli_home: Path) -> Web3:
    status = LocalNode(cli_home).status()
    assert status is not None
    return Web3(Web3.HTTPProvider(str(status["url"])))


@pytest.fixture
def kp(cli_home: Path, node_web3: Web3, tmp_path: Path) -> Iterator[Kp]:
    """`kp` run in a fresh folder against the shared node; the chain and the deployments file are
    restored after the test."""
    deployments = (cli_home / "deployments.json").read_text()
    snapshot = node_web3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield Kp(cli_home, tmp_path)
    node_web3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    (cli_home / "deployments.json").write_text(deployments)


@pytest.fixture
def advance(node_web3: Web3):
    """Move the node's clock forward by some seconds and mine a block."""

    def move(seconds: int) -> None:
        node_web3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        node_web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    return move


@pytest.fixture
def write_document(tmp_path: Path):
    """Write a valid AE -> BW document to tmp_path/NAME.json, with changes."""

    def write(name: str = "cert", **changes: Any) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document_data(**{"holder": HOLDER.address, **changes}), indent=2))
        return path

    return write


AE = ("--dev", "1")
BW = ("--dev", "2")
ZA = ("--dev", "5")
