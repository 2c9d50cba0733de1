"""Integration fixtures: a real anvil node, started for the session and stopped after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from kp_py import KP
from kp_py.node import DEV_MNEMONIC, LocalNode
from kp_py.plenary import decision
from tests.conftest import NOTICE, OPEN_END, enact, stock

Account.enable_unaudited_hdwallet_features()


def dev_account(index: int) -> LocalAccount:
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    node = LocalNode(tmp_path_factory.mktemp("anvil") / ".kp")
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def anvil_web3(anvil: LocalNode) -> Web3:
    status = anvil.status()
    assert status is not None
    return Web3(Web3.HTTPProvider(str(status["url"])))


@pytest.fixture(scope="session")
def anvil_accounts() -> list[LocalAccount]:
    return [dev_account(i) for i in range(6)]


@pytest.fixture(scope="session")
def anvil_kp(anvil_web3: Web3, anvil_accounts: list[LocalAccount]) -> KP:
    """A deployment on anvil with AE, BW and CF admitted and authorities for AE and BW."""
    kp = KP.deploy(anvil_web3, anvil_accounts[0], notice_period=NOTICE)
    founders = [("AE", "United Arab Emirates"), ("BW", "Botswana"), ("CF", "Central African Republic")]
    enact(kp, kp.propose([decision("admit", c.encode(), n) for c, n in founders]))
    keys = [(anvil_accounts[1].address, b"AE"), (anvil_accounts[2].address, b"BW")]
    enact(kp, kp.propose([decision("addAuthority", a, c, 0, OPEN_END) for a, c in keys]))
    kp.with_account(anvil_accounts[1]).register_production(stock("AE"))
    kp.with_account(anvil_accounts[2]).register_production(stock("BW"))
    return kp


@pytest.fixture
def anvil_home(anvil: LocalNode) -> Path:
    return anvil.home
