"""The certificate lifecycle through ape: deploy, issue, refuse a transfer, confirm receipt.

Run with ``ape test tests/ape`` (``make ape-test``); see tests/ape/conftest.py for why the
fixtures are redefined here. ``tests/test_ape.py`` runs this module in a subprocess.
"""

from __future__ import annotations

import ape

OPEN_END = 2**40 - 1  # KPRegistry's type(uint40).max: an authority key with no end
NUMBER = "AE-2024-1"
DAY = 24 * 60 * 60
STATUS_ISSUED, STATUS_CONFIRMED = 1, 2  # IKPCertificates.Status


def code(text: str) -> bytes:
    """A participant code as ``bytes2``: ``"AE"`` -> ``b"AE"``."""
    return text.encode("ascii")


def bytes32(text: str) -> bytes:
    """ASCII left-aligned in 32 bytes, as certificate numbers and origins are stored."""
    return text.encode("ascii").ljust(32, b"\0")


def token_id(number: str) -> int:
    """The token id of a certificate number: its bytes32 read as a uint256."""
    return int.from_bytes(bytes32(number), "big")


def issue_one(certificates, chain, exporter_key, holder, number=NUMBER):
    expires_at = chain.pending_timestamp + 30 * DAY
    cert = (
        bytes32(number),  # number
        holder.address,  # holder
        code("BE"),  # importing
        [bytes32("AE")],  # origins
        12_345,  # carats, hundredths
        987_654_00,  # valueUsd, cents
        3,  # parcels
        10,  # hsCode: 7102.10
        expires_at,  # expiresAt
        bytes32("document commitment"),  # document
        [(token_id("AE#STOCK"), 12_345, [bytes32("AE")])],  # drawn from the UAE's production lot STOCK
    )
    return certificates.issue(cert, sender=exporter_key)


def test_deployment(registry, certificates, exporter_key, holder):
    assert certificates.registry() == registry
    assert certificates.balanceOf(holder) == 0
    assert registry.participantName(code("AE")) == "United Arab Emirates"
    assert [bytes(c) for c in registry.participantCodes()] == [code("AE"), code("BE")]
    authority = registry.authority(exporter_key)
    assert bytes(authority.participant) == code("AE")
    assert authority.validUntil == OPEN_END


def test_issue_lock_and_confirm(certificates, chain, exporter_key, importer_key, holder):
    tx = issue_one(certificates, chain, exporter_key, holder)
    tid = token_id(NUMBER)
    assert tid == int.from_bytes(b"AE-2024-1".ljust(32, b"\0"), "big")
    assert [log.tokenId for log in tx.decode_logs(certificates.CertificateIssued)] == [tid]

    assert certificates.ownerOf(tid) == holder
    assert certificates.balanceOf(holder) == 1
    assert certificates.locked(tid) is True
    assert certificates.statusOf(tid) == STATUS_ISSUED

    # Bound to the holder: even the holder cannot move it, and the contract says why.
    with ape.reverts("KP certificate: bound to its holder's wallet, it cannot be transferred or approved"):
        certificates.transferFrom(holder, importer_key, tid, sender=holder)

    tx = certificates.confirmReceipt(tid, sender=importer_key)
    assert [log.tokenId for log in tx.decode_logs(certificates.ReceiptConfirmed)] == [tid]
    assert certificates.statusOf(tid) == STATUS_CONFIRMED
    assert certificates.ownerOf(tid) == holder


def test_state_is_isolated_between_tests(certificates, holder):
    # ape reverts the chain after each test: the certificate issued above is gone.
    assert certificates.balanceOf(holder) == 0
