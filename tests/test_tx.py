"""kp_py._tx: the signer signs exactly the transaction asked for, and nonces are kept."""

import pytest
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes

from kp_py._tx import Sender
from tests.conftest import document_data


@pytest.mark.parametrize("call", [True, False], ids=["call", "creation"])
def test_the_signed_transaction_is_the_one_asked_for(web3, accounts, call):
    """An EIP-1559 transaction from the sender's key, on this chain, at the cached fees, with the given
    nonce, gas and data, to ``to`` (none: a contract creation), carrying no ether."""
    sender = Sender(web3, accounts.stranger)
    to = accounts.holder.address if call else None
    raw = sender.sign(to, b"\x12\x34" * 50, 300_000, 7)
    priority, max_fee = sender._current_fees()
    assert Account.recover_transaction(raw) == accounts.stranger.address
    fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    assert {name: fields[name] for name in ("type", "chainId", "nonce", "gas", "value", "accessList")} == {
        "type": 2,
        "chainId": web3.eth.chain_id,
        "nonce": 7,
        "gas": 300_000,
        "value": 0,
        "accessList": (),
    }
    assert (fields["maxPriorityFeePerGas"], fields["maxFeePerGas"]) == (priority, max_fee)
    assert bytes(fields["to"]) == (bytes.fromhex(to[2:]) if to else b"")
    assert bytes(fields["data"]) == b"\x12\x34" * 50


def test_the_nonce_is_recounted_when_another_process_used_the_account(as_, accounts, kp, web3, make_document):
    officer = as_(accounts.ae)
    officer.issue(make_document(number="AE-1"))
    # Another client, same key: its transaction moves the account's nonce behind our back.
    as_(accounts.ae).issue(make_document(number="AE-2"))
    officer.issue(make_document(number="AE-3"))
    assert [kp.certificate(n).status for n in ("AE-1", "AE-2", "AE-3")] == ["issued"] * 3


def test_verify_many(as_, accounts, kp, make_document):
    as_(accounts.ae).issue_batch([make_document(number=f"AE-{i}") for i in range(3)])
    as_(accounts.ae).void("AE-1", "lost")
    results = kp.verify_many(["AE-0", "AE-1", "AE-404", "AE-2"])
    assert [(v.number, v.genuine, v.problems) for v in results] == [
        ("AE-0", True, ()),
        ("AE-1", False, ("voided",)),
        ("AE-404", False, ("unknown",)),
        ("AE-2", True, ()),
    ]
    assert (
        document_data(holder=accounts.holder.address)["carats"] == results[0].certificate.to_dict()["carats"]
    )


def test_the_direct_issue_encoding_is_the_abi_encoding(make_document):
    from kp_py._abi import encode_call, encode_issues

    documents = [
        make_document(number="AE-1"),
        make_document(number="AE-22", origins=["BW", "CF/Berberati", "ZA"], parcels=70000),
        make_document(number="AE-" + "9" * 29, origins=["BW"] * 1 + ["EU"]),
    ]
    issues = [d.issue_args(bytes(range(32))) for d in documents]
    assert encode_issues(issues[:1], batch=False) == encode_call("KPCertificates", "issue", [issues[0].abi()])
    assert encode_issues(issues, batch=True) == encode_call(
        "KPCertificates", "issueBatch", [[i.abi() for i in issues]]
    )
