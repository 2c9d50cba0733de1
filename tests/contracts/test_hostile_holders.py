"""Hostile holders: contract wallets that would re-enter or refuse a token, and owners who try to
move or delegate theirs. Minting never calls the holder, and nothing can move a token."""

import pytest

from kp_py._build import compile_contracts
from kp_py._tx import Sender
from kp_py.errors import ContractRevert
from tests.conftest import BOUND, reverts


@pytest.fixture(scope="module")
def hostile_artifact():
    return compile_contracts("tests/solidity", ("HostileHolder",))["HostileHolder"]


@pytest.fixture
def deploy_hostile(web3, accounts, certificates, hostile_artifact):
    from eth_abi import encode

    def deploy(refuse: bool):
        code = bytes.fromhex(hostile_artifact["bytecode"][2:]) + encode(
            ["address", "bool"], [certificates.address, refuse]
        )
        address = Sender(web3, accounts.stranger).deploy(code)["contractAddress"]
        return web3.eth.contract(address=address, abi=hostile_artifact["abi"])

    return deploy


@pytest.mark.parametrize("refuse", [False, True], ids=["re-entering", "refusing"])
def test_minting_to_a_hostile_wallet_never_calls_it(as_, accounts, kp, deploy_hostile, make_document, refuse):
    wallet = deploy_hostile(refuse)
    issued = as_(accounts.ae).issue(make_document(holder=wallet.address))
    assert kp.certificate(issued.token_id).holder == wallet.address
    assert wallet.functions.callbacks().call() == 0
    assert kp.certificate(issued.token_id).status == "issued"  # no re-entered confirmation


def test_a_contract_holder_cannot_move_or_delegate_its_certificate(send, as_, accounts, kp, deploy_hostile,
                                                                   make_document):  # fmt: skip
    wallet = deploy_hostile(False)
    issued = as_(accounts.ae).issue(make_document(holder=wallet.address))
    with reverts("Error", BOUND):
        send(accounts.stranger, wallet.functions.moveTo(accounts.stranger.address, issued.token_id))
    with reverts("Error", BOUND):
        send(accounts.stranger, wallet.functions.approveTo(accounts.stranger.address, issued.token_id))
    with reverts("Error", BOUND):
        send(accounts.stranger, wallet.functions.approveAll(accounts.stranger.address))
    assert kp.certificate(issued.token_id).holder == wallet.address


@pytest.mark.parametrize("who", ["holder", "stranger", "ae", "chair"])
def test_nobody_moves_a_certificate(send, accounts, certificates, issued, who):
    caller = getattr(accounts, who)
    with pytest.raises(ContractRevert) as refused:
        send(
            caller,
            certificates.functions.transferFrom(accounts.holder.address, caller.address, issued.token_id),
        )
    assert refused.value.error == "Error" and str(refused.value) == BOUND
    assert certificates.functions.ownerOf(issued.token_id).call() == accounts.holder.address


def squatter_of(victim: str, prefix: int = 0xDEADBEEF) -> str:
    """An address sharing ``victim``'s low 96 bits: anyone can write one down, no key needed."""
    from eth_utils import to_checksum_address

    return to_checksum_address((prefix << 96 | int(victim, 16) % 2**96).to_bytes(20, "big"))


def test_no_address_can_block_another_by_taking_its_holder_key_first(
    as_, accounts, kp, certificates, make_document
):
    """Audit finding: holders were keyed by the low 96 bits of their address and never sign, so one
    authority key could issue to `0xdeadbeef...` plus a victim's low 96 bits, void it, and from then
    on every certificate to the victim failed with HolderKeyTaken (also as a front-run). Now the
    victim is displaced to a key of its own, and both hold what was issued to them."""
    officer, victim = as_(accounts.ae), accounts.holder.address
    squatter, second = squatter_of(victim), squatter_of(victim, 0xBADC0FFEE)
    officer.issue(make_document(number="AE-SQUAT-1", holder=squatter))
    officer.void("AE-SQUAT-1", "fraud")
    officer.issue_batch([make_document(number=f"AE-V-{i}", holder=victim) for i in range(3)])
    officer.issue(make_document(number="AE-SQUAT-2", holder=second))
    officer.issue(make_document(number="AE-V-3", holder=victim))
    balance = certificates.functions.balanceOf
    assert [balance(a).call() for a in (squatter, victim, second)] == [1, 4, 1]
    assert [kp.certificate(f"AE-V-{i}").holder for i in range(4)] == [victim] * 4
    assert kp.certificate("AE-SQUAT-1").holder == squatter
    assert kp.certificate("AE-SQUAT-2").holder == second
    assert [v.holder for v in kp.list_certificates(holder=victim)] == [victim] * 4
