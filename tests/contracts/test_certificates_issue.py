"""KPCertificates.issue and issueBatch: the allowed path, the events, and every refusal."""

import pytest

from kp_py.document import commitment, new_salts
from tests.conftest import DAY, b32, code, reverts, token


def test_issue_mints_a_locked_token_with_the_certificate_data(
    as_, accounts, kp, certificates, chain, make_document
):
    document, salts = make_document(), new_salts()
    issued = as_(accounts.ae).issue(document, salts)
    receipt = kp.w3.eth.get_transaction_receipt(issued.transaction)
    tid = token("AE-2024-000123")
    assert issued.token_id == tid

    (transfer,) = certificates.events.Transfer().process_receipt(receipt)
    minted = (transfer.args["from"], transfer.args.to, transfer.args.tokenId)
    assert minted == ("0x" + "00" * 20, accounts.holder.address, tid)
    assert certificates.events.Locked().process_receipt(receipt)[0].args.tokenId == tid
    (event,) = certificates.events.CertificateIssued().process_receipt(receipt)
    assert dict(event.args) == {
        "tokenId": tid,
        "exporting": code("AE"),
        "importing": code("BW"),
        "issuer": accounts.ae.address,
        "origins": [b32("AE")],
        "carats": 125050,
        "valueUsd": 312500000,
        "parcels": 3,
        "hsCode": 31,
        "expiresAt": document.expires_at,
        "document": commitment(document, salts),
    }
    stored = certificates.functions.certificate(tid).call()
    assert tuple(stored) == (
        accounts.holder.address,
        accounts.ae.address,
        chain.time(),
        document.expires_at,
        1,
        True,
        31,
        code("BW"),
        125050,
        0,  # nothing drawn from it yet
    )
    assert certificates.functions.certificates([tid, tid + 1]).call()[1][4] == 0  # unknown: status None
    assert certificates.functions.ownerOf(tid).call() == accounts.holder.address
    assert certificates.functions.balanceOf(accounts.holder.address).call() == 1
    assert certificates.functions.locked(tid).call() is True
    assert certificates.functions.statusOf(tid).call() == 1
    assert certificates.functions.isValid(tid).call() is True


def test_issue_batch_is_all_or_nothing(as_, accounts, kp, certificates, make_document):
    officer = as_(accounts.ae)
    issued = officer.issue_batch([make_document(number=f"AE-B-{i}") for i in range(5)])
    assert [i.token_id for i in issued] == [token(f"AE-B-{i}") for i in range(5)]
    assert certificates.functions.balanceOf(accounts.holder.address).call() == 5
    with reverts("CertificateExists", token("AE-B-4")):
        officer.issue_batch([make_document(number="AE-B-5"), make_document(number="AE-B-4")])
    with reverts("UnknownCertificate", token("AE-B-5")):
        kp.certificate("AE-B-5")


def test_issue_batch_refuses_an_empty_batch(send, accounts, certificates):
    with reverts("EmptyBatch"):
        send(accounts.ae, certificates.functions.issueBatch([]))


@pytest.mark.parametrize(
    "number",
    ["ae-1", "AE1", "AE-", "AE-a", "AE-1 2", "AE-1#", "A-12"],
)
def test_issue_refuses_a_malformed_number(send, accounts, certificates, make_issue, number):
    raw = b32(number)
    with reverts("InvalidCertificateNumber", raw):
        send(accounts.ae, certificates.functions.issue(make_issue(number=raw)))


def test_issue_refuses_a_number_with_bytes_after_its_end(send, accounts, certificates, make_issue):
    """Each number has exactly one token id: nothing may follow the zero padding."""
    raw = b"AE-1\x00X".ljust(32, b"\x00")
    with reverts("InvalidCertificateNumber", raw):
        send(accounts.ae, certificates.functions.issue(make_issue(number=raw)))


def test_issue_accepts_a_number_of_32_characters(send, accounts, certificates, make_issue):
    raw = b"AE-" + b"9" * 29
    send(accounts.ae, certificates.functions.issue(make_issue(number=raw)))
    assert certificates.functions.ownerOf(int.from_bytes(raw, "big")).call() == accounts.holder.address


def test_issue_refuses_a_duplicate_number(as_, accounts, issued, make_document):
    with reverts("CertificateExists", issued.token_id):
        as_(accounts.ae).issue(make_document())


@pytest.mark.parametrize(
    ("field", "value", "error", "args"),
    [
        ("holder", "0x" + "00" * 20, "InvalidHolder", ("0x" + "00" * 20,)),
        ("carats", 0, "InvalidCarats", (0,)),
        ("parcels", 0, "InvalidParcels", (0,)),
        ("hsCode", 20, "InvalidHsCode", (20,)),
        ("document", bytes(32), "MissingDocumentCommitment", (token("AE-2024-000123"),)),
        ("origins", [], "InvalidOriginCount", (0, 8)),
        ("origins", [b32("BW")] * 9, "InvalidOriginCount", (9, 8)),
        ("origins", [b32("ZZ")], "InvalidOrigin", (b32("ZZ"),)),
        ("origins", [b32("BW/")], "InvalidOrigin", (b32("BW/"),)),
        ("origins", [b32("BWX")], "InvalidOrigin", (b32("BWX"),)),
        ("origins", [b32("BW/ Orapa")], "InvalidOrigin", (b32("BW/ Orapa"),)),
        ("origins", [b32("BW/Orapa\x00x")], "InvalidOrigin", (b32("BW/Orapa\x00x"),)),
        ("origins", [b32("BW/Orapa!")], "InvalidOrigin", (b32("BW/Orapa!"),)),
        ("origins", [b32("BW"), b32("CF"), b32("BW")], "DuplicateOrigin", (b32("BW"),)),
        ("importing", code("AE"), "SameParticipant", (code("AE"),)),
        ("importing", code("ZZ"), "ParticipantNotAdmitted", (code("ZZ"), 0)),
    ],
)
def test_issue_refuses_bad_fields(send, accounts, certificates, make_issue, field, value, error, args):
    with reverts(error, *args):
        send(accounts.ae, certificates.functions.issue(make_issue(**{field: value})))


def test_issue_refuses_an_expiry_not_in_the_future(send, accounts, certificates, chain, make_issue):
    past = chain.time() - DAY
    with reverts("InvalidExpiry", past, chain.pending_time()):
        send(accounts.ae, certificates.functions.issue(make_issue(expiresAt=past)))


def test_only_a_valid_authority_of_the_exporter_issues(as_, accounts, make_document):
    document = make_document()
    with reverts("UnknownAuthority", accounts.stranger.address):
        as_(accounts.stranger).issue(document)
    with reverts("NotAuthorityOf", accounts.bw.address, code("AE"), code("BW")):
        as_(accounts.bw).issue(document)
    with reverts("UnknownAuthority", accounts.chair.address):
        as_(accounts.chair).issue(document)


@pytest.mark.parametrize(("who", "standing"), [("AE", 2), ("BW", 2), ("AE", 3), ("BW", 3)])
def test_exporter_and_importer_must_be_in_good_standing(as_, accounts, make_document, who, standing):
    chair = as_(accounts.chair)
    chair.suspend(who) if standing == 2 else chair.withdraw(who)
    with reverts("ParticipantNotAdmitted", code(who), standing):
        as_(accounts.ae).issue(make_document())


def test_issue_to_a_contract_wallet_needs_no_callback(send, as_, accounts, kp, make_document):
    """Mint does not call onERC721Received, so a holder contract cannot re-enter or refuse."""
    contract_wallet = kp.registry.address  # any contract without onERC721Received
    as_(accounts.ae).issue(make_document(holder=contract_wallet))
    assert kp.certificate("AE-2024-000123").holder == contract_wallet
