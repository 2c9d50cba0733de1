"""Keys kept off line: issue and confirmation of receipt signed by an authority (EIP-712), relayed
by anyone. Replay is impossible across chains, contracts and certificates; a signature past its
deadline, by a disabled key, or over altered data is refused."""

from dataclasses import replace

import pytest

from kp_py import KP
from kp_py.errors import KPError
from kp_py.offline import SignedIssue, sign_confirmation, sign_issue
from tests.conftest import DAY, code, reverts


@pytest.fixture
def target(kp):
    return {"chain_id": kp.deployment.chain_id, "contract": kp.certificates.address}


def test_a_relayer_submits_what_the_authority_signed_off_line(
    as_, accounts, kp, certificates, target, make_document
):
    signed = sign_issue(accounts.ae, make_document(), **target)
    signed = SignedIssue.from_json(signed.to_json())  # carried as a file to the online machine
    issued = as_(accounts.stranger).submit_issue(signed)  # the relayer pays the gas
    receipt = kp.w3.eth.get_transaction_receipt(issued.transaction)
    assert receipt["from"] == accounts.stranger.address
    (event,) = certificates.events.CertificateIssued().process_receipt(receipt)
    assert event.args.issuer == accounts.ae.address  # the authority, not the relayer
    certificate = kp.certificate("AE-2024-000123")
    assert certificate.issuer == accounts.ae.address and certificate.commitment == issued.commitment
    assert kp.verify("AE-2024-000123", issued).genuine

    confirmation = sign_confirmation(accounts.bw, issued.token_id, **target)
    receipt = as_(accounts.stranger).submit_confirmation(confirmation)
    (event,) = certificates.events.ReceiptConfirmed().process_receipt(receipt)
    assert event.args.authority == accounts.bw.address
    assert kp.certificate("AE-2024-000123").status == "receipt confirmed"


def test_a_signature_is_used_once(as_, accounts, target, make_document):
    signed = sign_issue(accounts.ae, make_document(), **target)
    as_(accounts.stranger).submit_issue(signed)
    with reverts("CertificateExists", signed.document.token_id):
        as_(accounts.holder).submit_issue(signed)
    confirmation = sign_confirmation(accounts.bw, signed.document.token_id, **target)
    as_(accounts.stranger).submit_confirmation(confirmation)
    with reverts("CertificateNotPending", signed.document.token_id, 2):
        as_(accounts.stranger).submit_confirmation(confirmation)


@pytest.mark.parametrize("elsewhere", ["chain", "contract"])
def test_a_signature_for_another_chain_or_contract_is_refused(
    send, accounts, kp, target, make_document, elsewhere
):
    other = {**target, "chain_id": 1} if elsewhere == "chain" else {**target, "contract": kp.registry.address}
    signed = sign_issue(accounts.ae, make_document(), **other)
    # The client refuses to send it to the wrong deployment ...
    with pytest.raises(KPError, match="not this deployment"):
        KP(kp.w3, kp.deployment, accounts.stranger).submit_issue(signed)
    # ... and the contract refuses it if sent anyway.
    with reverts("InvalidSignature", accounts.ae.address):
        send(
            accounts.stranger,
            kp.certificates.functions.issueWithSignature(
                signed.issue_args().abi(), signed.authority, signed.deadline, signed.signature
            ),
        )


def test_altered_data_or_another_signer_is_refused(send, accounts, kp, target, make_document):
    signed = sign_issue(accounts.ae, make_document(), **target)
    altered = replace(signed, document=make_document(carats="9999.00"))
    with reverts("InvalidSignature", accounts.ae.address):
        KP(kp.w3, kp.deployment, accounts.stranger).submit_issue(altered)
    impostor = replace(signed, authority=accounts.eu.address)
    with reverts("InvalidSignature", accounts.eu.address):
        KP(kp.w3, kp.deployment, accounts.stranger).submit_issue(impostor)


def test_a_signature_past_its_deadline_is_refused(as_, accounts, chain, target, make_document):
    signed = sign_issue(accounts.ae, make_document(), valid_for=DAY, **target)
    chain.travel(2 * DAY)
    now = chain.pending_time()
    with reverts("SignatureExpired", signed.deadline, now):
        as_(accounts.stranger).submit_issue(signed)


def test_a_key_disabled_after_signing_is_refused(as_, accounts, chain, registry, target, make_document):
    signed = sign_issue(accounts.ae, make_document(), **target)
    as_(accounts.secretariat).disable_authority(accounts.ae.address, chain.pending_time() - DAY)
    valid_from, valid_until = registry.functions.authority(accounts.ae.address).call()[3:]
    with reverts("AuthorityNotValid", accounts.ae.address, code("AE"), valid_from, valid_until):
        as_(accounts.stranger).submit_issue(signed)


def test_only_the_importers_signature_confirms(as_, accounts, target, make_document):
    signed = sign_issue(accounts.ae, make_document(), **target)
    as_(accounts.stranger).submit_issue(signed)
    wrong = sign_confirmation(accounts.eu, signed.document.token_id, **target)
    with reverts("NotAuthorityOf", accounts.eu.address, code("BW"), code("EU")):
        as_(accounts.stranger).submit_confirmation(wrong)


def test_the_domain_is_the_contracts(kp, certificates):
    _, name, version, chain_id, contract, *_ = certificates.functions.eip712Domain().call()
    assert (name, version, chain_id, contract) == (
        "Kimberley Process Certificates",
        "1",
        kp.deployment.chain_id,
        certificates.address,
    )
