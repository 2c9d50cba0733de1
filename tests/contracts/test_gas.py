"""Gas ceilings of the certificate operations (gas is deterministic, so a ceiling is a fair test).

Figures and comparisons with baselines belong to the benchmark; this only stops regressions.
`pytest tests/contracts/test_gas.py -s` prints the figures.
"""

import pytest

from kp_py.offline import sign_confirmation, sign_issue
from kp_py.plenary import decision
from tests.conftest import NOTICE, OPEN_END, advance_to

# The targets of the gas issue; `make bench` reports the figures against them and the baselines.
# Every certificate draws on a parent (here the exporter's production): about 14,000 gas more than
# the parentless first export of kp 1 (docs/gas.md).
CEILINGS = {
    "issue (new holder)": 115_000,
    "issue (existing holder)": 96_000,
    "issue batch of 100 (per certificate)": 58_000,
    # signed off line (EIP-712, contracts/KPSignatures.sol), submitted by a relayer
    "issue with signature (existing holder)": 110_000,
    "confirm receipt": 40_000,
    "confirm receipt with signature": 50_000,  # signed off line too
    "void": 40_000,
}


@pytest.fixture
def gas(as_, accounts, make_document):
    officer = as_(accounts.ae)
    used = {}
    officer.issue(make_document(number="AE-G-0", holder=accounts.stranger.address))  # the root's first draw

    def receipt_gas(issued):
        return officer.w3.eth.get_transaction_receipt(issued.transaction)["gasUsed"]

    used["issue (new holder)"] = receipt_gas(officer.issue(make_document(number="AE-G-1")))
    used["issue (existing holder)"] = receipt_gas(officer.issue(make_document(number="AE-G-2")))
    batch = officer.issue_batch([make_document(number=f"AE-G-B{i}") for i in range(100)])
    used["issue batch of 100 (per certificate)"] = receipt_gas(batch[0]) // 100
    target = {"chain_id": officer.deployment.chain_id, "contract": officer.certificates.address}
    relayer = as_(accounts.stranger)
    signed = sign_issue(accounts.ae, make_document(number="AE-G-3"), **target)
    used["issue with signature (existing holder)"] = receipt_gas(relayer.submit_issue(signed))
    used["confirm receipt"] = as_(accounts.bw).confirm_receipt("AE-G-1")["gasUsed"]
    confirmation = sign_confirmation(accounts.bw, signed.document.token_id, **target)
    used["confirm receipt with signature"] = relayer.submit_confirmation(confirmation)["gasUsed"]
    used["void"] = officer.void("AE-G-2", "cancelled")["gasUsed"]
    return used


def test_gas_ceilings(gas):
    for name, value in gas.items():
        print(f"{name:40} {value:>9,} gas (ceiling {CEILINGS[name]:,})")
    assert {name: value <= CEILINGS[name] for name, value in gas.items()} == dict.fromkeys(CEILINGS, True), (
        gas
    )


# The plenary (issue 13): what letting someone in costs now, against the direct admission of kp 2
# (about 83,000 gas, one transaction by the Chair).
PLENARY_CEILINGS = {
    "propose (admit one)": 95_000,
    "object": 45_000,
    "withdraw": 32_000,
    "execute (admit one)": 105_000,
    "propose + execute (first key)": 195_000,
}


@pytest.fixture
def plenary_gas(as_, accounts, send, deployed, chain):
    plenary = deployed.plenary
    admit = decision("admit", b"UZ", "Uzbekistan")
    used = {}

    def propose(account, call):
        receipt = send(account, plenary.functions.propose([call]))
        return receipt, plenary.events.ProposalMade().process_receipt(receipt)[0].args.id

    made, admission = propose(accounts.chair, admit)
    used["propose (admit one)"] = made["gasUsed"]
    _, front = propose(accounts.chair, decision("admit", b"ZZ", "Front"))
    used["object"] = as_(accounts.bw).object_to(front)["gasUsed"]
    _, other = propose(accounts.chair, decision("admit", b"YY", "Another"))
    used["withdraw"] = as_(accounts.chair).withdraw_proposal(other)["gasUsed"]
    key = decision("addAuthority", accounts[5].address, b"CF", 0, OPEN_END)
    first_key, key_id = propose(accounts.secretariat, key)
    advance_to(deployed.w3, chain.time() + NOTICE)
    execute = plenary.functions.execute
    used["execute (admit one)"] = send(accounts.stranger, execute(admission, [admit]))["gasUsed"]
    executed = send(accounts.stranger, execute(key_id, [key]))
    used["propose + execute (first key)"] = first_key["gasUsed"] + executed["gasUsed"]
    return used


def test_plenary_gas_ceilings(plenary_gas):
    for name, value in plenary_gas.items():
        print(f"{name:40} {value:>9,} gas (ceiling {PLENARY_CEILINGS[name]:,})")
    assert {n: v <= PLENARY_CEILINGS[n] for n, v in plenary_gas.items()} == dict.fromkeys(
        PLENARY_CEILINGS, True
    )
