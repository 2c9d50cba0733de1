"""KPCertificates: confirmReceipt, void, expiry and validity, the state machine of a certificate."""

import pytest

from tests.conftest import DAY, code, reverts

ISSUED, CONFIRMED, VOIDED, EXPIRED = 1, 2, 3, 4
FRAUD = 4


def test_importing_authority_confirms_receipt(as_, accounts, kp, certificates, issued):
    receipt = as_(accounts.bw).confirm_receipt("AE-2024-000123")
    (event,) = certificates.events.ReceiptConfirmed().process_receipt(receipt)
    confirmed = (event.args.tokenId, event.args.importing, event.args.authority)
    assert confirmed == (issued.token_id, code("BW"), accounts.bw.address)
    assert certificates.functions.statusOf(issued.token_id).call() == CONFIRMED
    assert kp.verify("AE-2024-000123").genuine


def test_confirm_refusals(as_, accounts, chain, issued):
    with reverts("NotAuthorityOf", accounts.ae.address, code("BW"), code("AE")):
        as_(accounts.ae).confirm_receipt("AE-2024-000123")
    with reverts("UnknownAuthority", accounts.stranger.address):
        as_(accounts.stranger).confirm_receipt("AE-2024-000123")
    with reverts("UnknownCertificate", issued.token_id + 1):
        as_(accounts.bw).confirm_receipt(issued.token_id + 1)
    as_(accounts.bw).confirm_receipt("AE-2024-000123")
    with reverts("CertificateNotPending", issued.token_id, CONFIRMED):
        as_(accounts.bw).confirm_receipt("AE-2024-000123")


def test_an_expired_certificate_cannot_be_confirmed(as_, accounts, kp, certificates, chain, issued):
    chain.travel(61 * DAY)
    assert certificates.functions.statusOf(issued.token_id).call() == EXPIRED
    assert certificates.functions.isValid(issued.token_id).call() is False
    verification = kp.verify("AE-2024-000123")
    assert (verification.genuine, verification.status) == (False, "expired")
    with reverts("CertificateNotPending", issued.token_id, EXPIRED):
        as_(accounts.bw).confirm_receipt("AE-2024-000123")


def test_a_confirmed_certificate_never_expires(as_, accounts, certificates, chain, issued):
    as_(accounts.bw).confirm_receipt("AE-2024-000123")
    chain.travel(400 * DAY)
    assert certificates.functions.statusOf(issued.token_id).call() == CONFIRMED
    assert certificates.functions.isValid(issued.token_id).call() is True


def test_a_voided_certificate_cannot_be_confirmed(as_, accounts, issued):
    as_(accounts.ae).void("AE-2024-000123", "lost")
    with reverts("CertificateNotPending", issued.token_id, VOIDED):
        as_(accounts.bw).confirm_receipt("AE-2024-000123")


@pytest.mark.parametrize("confirmed_first", [False, True])
def test_exporting_authority_voids(as_, accounts, kp, certificates, issued, confirmed_first):
    if confirmed_first:
        as_(accounts.bw).confirm_receipt("AE-2024-000123")
    receipt = as_(accounts.ae).void("AE-2024-000123", "fraud")
    (event,) = certificates.events.CertificateVoided().process_receipt(receipt)
    assert dict(event.args) == {
        "tokenId": issued.token_id,
        "exporting": code("AE"),
        "authority": accounts.ae.address,
        "reason": FRAUD,
    }
    verification = kp.verify("AE-2024-000123")
    assert (verification.genuine, verification.status) == (False, "voided")
    # The token stays with its holder: history is not erased.
    assert certificates.functions.ownerOf(issued.token_id).call() == accounts.holder.address


def test_any_valid_key_of_the_exporter_voids_after_rotation(as_, accounts, chain, issued):
    at = chain.pending_time() + 60
    as_(accounts.secretariat).rotate_authority(accounts.ae.address, accounts[0].address, at)
    as_(accounts.ae).accept_authority(accounts[0].address)  # the old key consents while still valid
    chain.travel(120)
    as_(accounts[0]).void("AE-2024-000123", "cancelled")


def test_void_refusals(send, as_, accounts, certificates, issued):
    with reverts("NotAuthorityOf", accounts.bw.address, code("AE"), code("BW")):
        as_(accounts.bw).void("AE-2024-000123", "lost")
    for reason in (0, 6, 255):
        with reverts("InvalidVoidReason", issued.token_id, reason):
            send(accounts.ae, certificates.functions.void(issued.token_id, reason))
    with reverts("UnknownCertificate", issued.token_id + 1):
        as_(accounts.ae).void(issued.token_id + 1, "lost")
    as_(accounts.ae).void("AE-2024-000123", "lost")
    with reverts("CertificateAlreadyVoided", issued.token_id):
        as_(accounts.ae).void("AE-2024-000123", "lost")


def test_status_of_an_unknown_certificate_is_none(certificates):
    assert certificates.functions.statusOf(12345).call() == 0
    assert certificates.functions.isValid(12345).call() is False
