"""Fixtures for the ape tests (``ape test tests/ape``), on ape's in-process test chain.

The root ``tests/conftest.py`` serves the eth-tester suite and defines fixtures of its own
named ``accounts``, ``chain``, ``web3``, ``registry`` and ``certificates``. Fixtures from a
conftest take precedence over those of a plugin, so inside this folder the root ones would
hide ape's ``accounts`` and ``chain``. This conftest is closer to the tests, so it wins over
the root one: every fixture the ape tests use is defined here again, from ape itself, and
none of the root ones can leak in; the root's autouse ``_isolate`` is replaced too. (The root
conftest skips this folder unless ``KP_APE_TEST`` is set, as tests/test_ape.py and
``make ape-test`` do.)
"""

from __future__ import annotations

import ape
import pytest

NOTICE = 60  # seconds a proposal waits for objections on this test chain
OPEN_END = 2**40 - 1  # KPRegistry's type(uint40).max: an authority key with no end


def code(text: str) -> bytes:
    """A participant code as ``bytes2``: ``"AE"`` -> ``b"AE"``."""
    return text.encode("ascii")


# ------------------------------------------------------------ ape's own fixtures, again


@pytest.fixture(scope="session")
def accounts():
    """ape's pre-funded test accounts (shadows the root conftest's eth-tester accounts)."""
    return ape.accounts.test_accounts


@pytest.fixture(scope="session")
def chain():
    """ape's chain manager (shadows the root conftest's ``chain``)."""
    return ape.chain


@pytest.fixture(scope="session")
def project():
    """The local ape project: contracts/, compiled with the settings in ape-config.yaml."""
    return ape.project


@pytest.fixture(autouse=True)
def _isolate():
    """Replaces the root conftest's autouse ``_isolate``, which snapshots the eth-tester chain
    (and would deploy there) for every test that asks for ``chain``. ape isolates its own chain:
    it takes a snapshot before each test and reverts to it after."""
    yield


def _not_here(name: str):
    def fixture():
        pytest.fail(f"`{name}` belongs to the eth-tester suite (tests/conftest.py), not to the ape tests")

    fixture.__name__ = name
    fixture.__doc__ = "Not available in the ape tests (an eth-tester fixture of tests/conftest.py)."
    return pytest.fixture(scope="session", name=name)(fixture)


# The rest of the root conftest's eth-tester fixtures: fail loudly instead of starting a
# second chain if anything asks for them here.
web3 = _not_here("web3")
tester = _not_here("tester")
deployed = _not_here("deployed")


# ------------------------------------------------------------ roles


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def chair(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def secretariat(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def exporter_key(accounts):
    """An authority key of the exporting participant, AE."""
    return accounts[3]


@pytest.fixture(scope="session")
def importer_key(accounts):
    """An authority key of the importing participant, BE."""
    return accounts[4]


@pytest.fixture(scope="session")
def holder(accounts):
    """The trader wallet a certificate is bound to."""
    return accounts[5]


# ------------------------------------------------------------ contracts


@pytest.fixture(scope="module")
def registry(project, admin, chair, secretariat, exporter_key, importer_key):
    """A registry with AE and BE admitted and one open-ended authority key for each."""
    registry = project.KPRegistry.deploy(admin, chair, secretariat, NOTICE, sender=admin)
    plenary = project.KPPlenary.at(registry.PLENARY())
    # What lets anyone in goes through the plenary: proposed, a notice period, then executed.
    enact(plenary, chair, [
        registry.admit.encode_input(code("AE"), "United Arab Emirates"),
        registry.admit.encode_input(code("BE"), "European Union (Belgium)"),
    ])  # fmt: skip
    enact(plenary, secretariat, [
        registry.addAuthority.encode_input(exporter_key, code("AE"), 0, OPEN_END),
        registry.addAuthority.encode_input(importer_key, code("BE"), 0, OPEN_END),
    ])  # fmt: skip
    return registry


def enact(plenary, proposer, calls):
    """Propose ``calls``, let the notice period pass with no objection, execute."""
    plenary.propose(calls, sender=proposer)
    ape.chain.pending_timestamp += NOTICE + 1
    plenary.execute(plenary.proposalCount(), calls, sender=proposer)


@pytest.fixture(scope="module")
def certificates(project, registry, admin, exporter_key):
    """The certificate contract, with the UAE's production lot STOCK registered (every certificate
    draws its carats from a parent; the UAE's first exports draw on it)."""
    deployed = project.KPCertificates.deploy(registry, "", sender=admin)
    lot = (b"STOCK".ljust(32, b"\0"), b"AE".ljust(32, b"\0"), 10**9, 1, 2)
    deployed.registerProduction(lot, sender=exporter_key)
    return deployed
