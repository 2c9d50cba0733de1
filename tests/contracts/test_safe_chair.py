"""The Chair held by a multisig: a Safe 2-of-3 (Safe Smart Account 1.5.0, npm
`@safe-global/safe-smart-account`) gets the Chair role through the plenary, and proposes. One owner
alone cannot propose, one signature is not enough; two are, and the proposal still waits out its
notice period like any other. The Safe transaction is built by hand (EIP-712 `SafeTx`, signatures
sorted by owner), with web3 and eth-account only.

The Safe's compiled artifacts come from `node_modules` (`npm ci`), or from `$KP_SAFE_ARTIFACTS`;
without them the test is skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from kp_py.plenary import decision
from tests.conftest import reverts

REPO = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = Path(
    os.environ.get("KP_SAFE_ARTIFACTS")
    or REPO / "node_modules/@safe-global/safe-smart-account/build/artifacts/contracts"
)
ZERO = "0x" + "00" * 20
CHAIR_ROLE = keccak(b"CHAIR_ROLE")
SAFE_TX = [
    ("to", "address"), ("value", "uint256"), ("data", "bytes"), ("operation", "uint8"),
    ("safeTxGas", "uint256"), ("baseGas", "uint256"), ("gasPrice", "uint256"), ("gasToken", "address"),
    ("refundReceiver", "address"), ("nonce", "uint256"),
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not (ARTIFACTS / "Safe.sol" / "Safe.json").is_file(), reason=f"no Safe artifacts in {ARTIFACTS}"
)


@pytest.fixture
def safe(web3, accounts, send):
    """A Safe 2-of-3 owned by spare accounts 3, 4 and 5, deployed through its proxy factory."""

    def deploy(path):
        artifact = json.loads((ARTIFACTS / path).read_text())
        factory = web3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = factory.constructor().build_transaction({"from": accounts.admin.address, "gas": 8_000_000})
        signed = accounts.admin.sign_transaction(
            {**tx, "nonce": web3.eth.get_transaction_count(accounts.admin.address)}
        )
        receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(signed.raw_transaction))
        return web3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])

    singleton = deploy("Safe.sol/Safe.json")
    factory = deploy("proxies/SafeProxyFactory.sol/SafeProxyFactory.json")
    handler = deploy("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json")
    owners = [accounts[3], accounts[4], accounts[5]]
    setup = singleton.encode_abi(
        "setup", [[o.address for o in owners], 2, ZERO, b"", handler.address, ZERO, 0, ZERO]
    )
    receipt = send(accounts.admin, factory.functions.createProxyWithNonce(singleton.address, setup, 0))
    proxy = factory.events.ProxyCreation().process_receipt(receipt)[0]["args"]["proxy"]
    return web3.eth.contract(address=proxy, abi=singleton.abi), owners


def signed_by(web3, safe, to, data, signers):
    """The Safe's `execTransaction` of a call to ``to``, signed (EIP-712) by ``signers``."""
    message = {"to": to, "value": 0, "data": data, "operation": 0, "safeTxGas": 0, "baseGas": 0,
               "gasPrice": 0, "gasToken": ZERO, "refundReceiver": ZERO,
               "nonce": safe.functions.nonce().call()}  # fmt: skip
    types = {"SafeTx": [{"name": n, "type": t} for n, t in SAFE_TX]}
    domain = {"chainId": web3.eth.chain_id, "verifyingContract": safe.address}
    signable = encode_typed_data(domain_data=domain, message_types=types, message_data=message)
    ordered = sorted(signers, key=lambda owner: int(owner.address, 16))
    signatures = b"".join(Account.sign_message(signable, owner.key).signature for owner in ordered)
    return safe.functions.execTransaction(to, 0, data, 0, 0, 0, 0, ZERO, ZERO, signatures)


def test_a_safe_2_of_3_holds_the_chair_and_its_proposals_wait_like_any_other(
    web3, accounts, send, as_, kp, registry, decide, safe
):
    safe, owners = safe
    # The Chair changes hands by the same procedure: proposed, notice, executed; the old one revoked.
    decide(as_(accounts.admin).grant_role("chair", safe.address))
    send(accounts.admin, registry.functions.revokeRole(CHAIR_ROLE, accounts.chair.address))
    assert registry.functions.hasRole(CHAIR_ROLE, safe.address).call()

    plenary = kp.plenary
    propose = plenary.functions.propose([decision("admit", b"UZ", "Uzbekistan")])
    data = bytes.fromhex(propose._encode_transaction_data()[2:])
    with reverts("AccessControlUnauthorizedAccount", owners[0].address, CHAIR_ROLE):
        send(owners[0], propose)  # one owner alone is not the Chair
    with pytest.raises(Exception, match="GS020"):  # one signature of two: the Safe refuses
        signed_by(web3, safe, plenary.address, data, [owners[0]]).call({"from": accounts.stranger.address})

    receipt = send(accounts.stranger, signed_by(web3, safe, plenary.address, data, [owners[2], owners[0]]))
    (made,) = plenary.events.ProposalMade().process_receipt(receipt)
    assert made.args.proposer == safe.address
    proposal = kp.proposal(made.args.id)
    assert proposal.state == "pending" and kp.participant("UZ").standing == "none"  # it waits
    decide(proposal)
    assert kp.participant("UZ").standing == "admitted"
