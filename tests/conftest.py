"""Fixtures for the kp tests, named as Ethereum developers expect.

Unit tests run on the in-process EVM (eth-tester, py-evm): one chain per session, the contracts
deployed once with a small set of participants and authorities, and every test isolated by a
snapshot taken before it and reverted after. Integration tests (``tests/integration``) run on a real
anvil node that their own fixtures start and stop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.types import TxReceipt

from kp_py import KP, Document
from kp_py._abi import artifact
from kp_py._codes import ascii_bytes
from kp_py._tx import Sender
from kp_py.document import Production, new_salts
from kp_py.errors import ContractRevert
from kp_py.examples import example_document
from kp_py.plenary import Proposal, decision
from kp_py.records import seconds

# The ape tests run under `ape test` only (tests/test_ape.py drives them).
collect_ignore = [] if os.environ.get("KP_APE_TEST") else ["ape"]

OPEN_END = 2**40 - 1
DAY = 86_400
# Every participant with an authority registers this much production in the fixtures, so a test's
# first export can draw on it (a certificate's carats are always drawn from a parent).
STOCK = "STOCK-2024"
STOCK_CARATS = "100000000.00"
# The notice period of the test deployments: an hour, so waiting it out leaves the chain's clock near
# the wall clock's (documents are dated by it).
NOTICE = 3600


@dataclass(frozen=True)
class Accounts:
    """Named test accounts; ``all`` holds every funded account of the test chain."""

    admin: LocalAccount
    chair: LocalAccount
    secretariat: LocalAccount
    ae: LocalAccount  # an authority of the United Arab Emirates
    bw: LocalAccount  # an authority of Botswana
    eu: LocalAccount  # an authority of the European Union
    holder: LocalAccount  # a trader's wallet
    stranger: LocalAccount
    spare: tuple[LocalAccount, ...]

    def __getitem__(self, index: int) -> LocalAccount:
        return self.spare[index]


class Chain:
    """Time and snapshots of the in-process chain."""

    def __init__(self, tester: EthereumTester, web3: Web3) -> None:
        self.tester = tester
        self.web3 = web3

    def time(self) -> int:
        """The timestamp of the latest block."""
        return int(self.web3.eth.get_block("latest")["timestamp"])

    def pending_time(self) -> int:
        """The timestamp the next transaction (or call) executes at, made certain: the clock is
        moved a minute ahead of the wall clock first (otherwise the pending block takes the
        wall-clock time, which may tick between two calls)."""
        self.tester.time_travel(max(self.time(), int(time.time())) + 60)
        return int(self.web3.eth.get_block("pending")["timestamp"])

    def travel(self, seconds: int) -> int:
        """Move the clock forward; the next block is mined at the new time."""
        target = self.time() + seconds
        self.tester.time_travel(target)
        return target

    def snapshot(self) -> int:
        return int(self.tester.take_snapshot())

    def revert(self, snapshot: int) -> None:
        self.tester.revert_to_snapshot(snapshot)


BOUND = "KP certificate: bound to its holder's wallet, it cannot be transferred or approved"


# The longest files, started first: `make test` hands whole files to two processes in collection
# order (pytest-xdist's loadfile), so a long file collected last would leave one process idle.
LONGEST_FIRST = (
    "tests/contracts/test_model.py",
    "tests/test_ape.py",
    "tests/web/test_browser.py",
    "tests/cli/test_index.py",
    "tests/integration/test_round_trips.py",
    "tests/integration/test_ape_scripts.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the other files, is kept


@pytest.fixture(scope="session")
def tester() -> EthereumTester:
    return EthereumTester(PyEVMBackend(genesis_state=PyEVMBackend.generate_genesis_state(num_accounts=16)))


@pytest.fixture(scope="session")
def web3(tester: EthereumTester) -> Web3:
    return Web3(EthereumTesterProvider(tester))


@pytest.fixture(scope="session")
def accounts(tester: EthereumTester) -> Accounts:
    keys = [Account.from_key(key.to_bytes()) for key in tester.backend.account_keys]
    return Accounts(*keys[:8], spare=tuple(keys[8:]))


@pytest.fixture(scope="session")
def chain(tester: EthereumTester, web3: Web3) -> Chain:
    return Chain(tester, web3)


@pytest.fixture(scope="session")
def deployed(web3: Web3, accounts: Accounts) -> KP:
    """The contracts, with AE, BW, EU and CF admitted and one authority each for AE, BW and EU."""
    kp = KP.deploy(
        web3,
        accounts.admin,
        admin=accounts.admin.address,
        chair=accounts.chair.address,
        secretariat=accounts.secretariat.address,
        notice_period=NOTICE,
    )
    founders = [
        ("AE", "United Arab Emirates"),
        ("BW", "Botswana"),
        ("EU", "European Union"),
        ("CF", "Central African Republic"),
    ]
    enact(kp, kp.with_account(accounts.chair).propose([decision("admit", code(c), n) for c, n in founders]))
    officers = [(accounts.ae, "AE"), (accounts.bw, "BW"), (accounts.eu, "EU")]
    keys = [decision("addAuthority", o.address, code(c), 0, OPEN_END) for o, c in officers]
    enact(kp, kp.with_account(accounts.secretariat).propose(keys))
    for officer, participant in officers:
        kp.with_account(officer).register_production(stock(participant))
    return kp


def advance_to(w3: Web3, moment: int) -> None:
    """Move the chain's clock to ``moment`` (if it is not past it): the in-process chain by time
    travel, a node (anvil) by ``evm_increaseTime`` and a mined block."""
    now = int(w3.eth.get_block("latest")["timestamp"])
    if moment <= now:
        return
    if isinstance(w3.provider, EthereumTesterProvider):
        w3.provider.ethereum_tester.time_travel(moment)
        w3.provider.ethereum_tester.mine_blocks()
        return
    w3.provider.make_request("evm_increaseTime", [moment - now])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def enact(kp: KP, proposal: Proposal) -> TxReceipt:
    """Wait out ``proposal``'s notice period and execute it (``kp`` signs): the one way the fixtures
    and tests let someone in. Returns the execution's receipt."""
    advance_to(kp.w3, seconds(proposal.ready_at))
    return kp.execute(proposal.id)


@pytest.fixture
def decide(deployed: KP, accounts: Accounts) -> Callable[[Any], TxReceipt]:
    """``decide(as_(accounts.chair).admit("UZ", "Uzbekistan"))``: the proposal waits out its notice
    period and a stranger executes it."""
    return lambda proposal: enact(deployed.with_account(accounts.stranger), proposal)


def stock(code: str) -> Production:
    """The production every test participant registers: ``STOCK`` of origin ``code``."""
    return production(code, STOCK)


def production(origin: str, lot: str, carats: str = STOCK_CARATS) -> Production:
    """Production of ``origin`` (a code or a zone) in 2024, lot ``lot``."""
    data = {"lot": lot, "origin": origin, "carats": carats, "from": "2024-01-01", "to": "2024-12-31"}
    return Production.from_dict(data)


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> Iterator[None]:
    """Revert the in-process chain after each test that used it."""
    if "chain" not in request.fixturenames and "deployed" not in request.fixturenames:
        yield
        return
    chain: Chain = request.getfixturevalue("chain")
    request.getfixturevalue("deployed")
    snapshot = chain.snapshot()
    yield
    chain.revert(snapshot)


@pytest.fixture
def kp(deployed: KP) -> KP:
    """A read-only client of the deployment."""
    return KP(deployed.w3, deployed.deployment)


@pytest.fixture
def enrol(as_: Callable[[LocalAccount], KP], accounts: Accounts) -> Callable[..., TxReceipt]:
    """``enrol(address, "AE", by=accounts.ae)``: the secretariat adds a key; when it is the
    participant's second or later, ``by`` (a valid key of it) consents. Returns the receipt that
    carries ``AuthorityAdded``."""

    def add(address: str, code: str, *window: Any, by: LocalAccount | None = None, **named: Any) -> TxReceipt:
        receipt = as_(accounts.secretariat).add_authority(address, code, *window, **named)
        if isinstance(receipt, Proposal):
            return enact(as_(accounts.stranger), receipt)
        assert by is not None, f"{address} is {code}'s second key: say which of its keys accepts it"
        return as_(by).accept_authority(address)

    return add


@pytest.fixture
def registry(deployed: KP) -> Contract:
    return deployed.registry


@pytest.fixture
def certificates(deployed: KP) -> Contract:
    return deployed.certificates


@pytest.fixture
def as_(kp: KP) -> Callable[[LocalAccount], KP]:
    """``as_(accounts.chair).suspend("CF")``: the client signing as an account."""
    return kp.with_account


@pytest.fixture
def send(web3: Web3) -> Callable[[LocalAccount, Any], TxReceipt]:
    """``send(account, contract.functions.f(...))``: one signed transaction, refusals decoded."""
    return lambda account, fn: Sender(web3, account).send(
        fn.address, bytes.fromhex(fn._encode_transaction_data()[2:])
    )


@contextmanager
def reverts(error: str, *args: Any) -> Iterator[None]:
    """Expect the contract to refuse with custom error ``error`` and exactly these raw arguments."""
    with pytest.raises(ContractRevert) as caught:
        yield
    assert caught.value.error == error, f"reverted with {caught.value.error}: {caught.value}"
    assert caught.value.raw == args, f"{error} arguments {caught.value.raw} != {args}"


def code(text: str) -> bytes:
    return ascii_bytes(text, 2)


def b32(text: str) -> bytes:
    return ascii_bytes(text, 32)


def token(number: str) -> int:
    return int.from_bytes(b32(number), "big")


def document_data(holder: str, **changes: Any) -> dict[str, Any]:
    """A valid AE -> BW certificate document, with ``changes`` applied. A first export of the
    exporter's own rough (origins exactly its code) draws on its ``STOCK`` production unless
    ``changes`` names parents."""
    data = example_document(holder, **changes)
    if "parents" not in changes and data["origins"] == [data["exporting"]]:
        data["parents"] = [{"production": STOCK, "origins": [data["exporting"]]}]
    return data


@pytest.fixture
def make_document(accounts: Accounts) -> Callable[..., Document]:
    """``make_document(number="AE-1", carats="2.00")``: a valid document with changes."""
    return lambda **changes: Document.from_dict(
        document_data(**{"holder": accounts.holder.address, **changes})
    )


def _issue_components() -> list[dict[str, Any]]:
    (issue,) = [item for item in artifact("KPCertificates")["abi"] if item.get("name") == "issue"]
    components: list[dict[str, Any]] = issue["inputs"][0]["components"]
    return components


@pytest.fixture
def make_issue(make_document: Callable[..., Document]) -> Callable[..., tuple[Any, ...]]:
    """The raw ``Issue`` struct of a valid document, with raw fields overridden by name."""
    names = [item["name"] for item in _issue_components()]

    def build(**raw: Any) -> tuple[Any, ...]:
        args = list(make_document().issue_args(b"\x11" * 32).abi())
        for name, value in raw.items():
            args[names.index(name)] = value
        return tuple(args)

    return build


@pytest.fixture
def issued(
    as_: Callable[[LocalAccount], KP], accounts: Accounts, make_document: Callable[..., Document]
) -> Any:
    """Certificate AE-2024-000123, issued by the AE authority to the holder."""
    return as_(accounts.ae).issue(make_document(), new_salts())
