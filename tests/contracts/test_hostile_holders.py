"""Hostile holders: contract wallets that would re-enter or refuse a token, and owners who try to
move or delegate theirs. Minting never calls the holder, and nothing can move a token."""

import pytest

from kp_py._build import compile_contracts
from kp_py._tx import Sender
from kp_py.errors import ContractRevert
from tests.conftest import reverts


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
    with reverts("CertificateLocked", issued.token_id):
        send(accounts.stranger, wallet.functions.moveTo(accounts.stranger.address, issued.token_id))
    with reverts("CertificateLocked", issued.token_id):
        send(accounts.stranger, wallet.functions.approveTo(accounts.stranger.address, issued.token_id))
    with reverts("ApprovalsDisabled", accounts.stranger.address):
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
    assert refused.value.error == "CertificateLocked"
    assert certificates.functions.ownerOf(issued.token_id).call() == accounts.holder.address
