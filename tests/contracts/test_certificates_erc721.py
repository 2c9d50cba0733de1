"""KPCertificates as an ERC-721 / ERC-5192 token: interfaces, locking, metadata."""

import base64
import json
from datetime import datetime, timezone
from xml.etree import ElementTree

import pytest
from eth_utils import function_signature_to_4byte_selector as selector

from tests.conftest import BOUND, reverts

ZERO = "0x" + "00" * 20


def interface_id(*signatures: str) -> bytes:
    value = 0
    for signature in signatures:
        value ^= int.from_bytes(selector(signature), "big")
    return value.to_bytes(4, "big")


ERC165 = interface_id("supportsInterface(bytes4)")
ERC721 = interface_id(
    "balanceOf(address)", "ownerOf(uint256)", "safeTransferFrom(address,address,uint256,bytes)",
    "safeTransferFrom(address,address,uint256)", "transferFrom(address,address,uint256)",
    "approve(address,uint256)", "setApprovalForAll(address,bool)", "getApproved(uint256)",
    "isApprovedForAll(address,address)",
)  # fmt: skip
ERC721_METADATA = interface_id("name()", "symbol()", "tokenURI(uint256)")
ERC5192 = interface_id("locked(uint256)")
ERC4906 = bytes.fromhex("49064906")


def test_interface_ids_match_the_standards():
    assert (ERC165.hex(), ERC721.hex(), ERC721_METADATA.hex(), ERC5192.hex()) == (
        "01ffc9a7", "80ac58cd", "5b5e139f", "b45a3c0e"
    )  # fmt: skip


@pytest.mark.parametrize(("interface", "supported"), [
    (ERC165, True), (ERC721, True), (ERC721_METADATA, True), (ERC5192, True), (ERC4906, True),
    (bytes.fromhex("780e9d63"), False),  # ERC-721 Enumerable
    (bytes.fromhex("ffffffff"), False),
])  # fmt: skip
def test_supports_interface(certificates, interface, supported):
    assert certificates.functions.supportsInterface(interface).call() is supported


def test_name_and_symbol(certificates):
    assert certificates.functions.name().call() == "Kimberley Process Certificate"
    assert certificates.functions.symbol().call() == "KPC"


@pytest.mark.parametrize(
    "call",
    [
        lambda c, a, t: c.functions.transferFrom(a.holder.address, a.stranger.address, t),
        lambda c, a, t: c.functions.safeTransferFrom(a.holder.address, a.stranger.address, t),
        lambda c, a, t: c.functions.safeTransferFrom(a.holder.address, a.stranger.address, t, b"x"),
        lambda c, a, t: c.functions.approve(a.stranger.address, t),
    ],
    ids=["transferFrom", "safeTransferFrom", "safeTransferFrom+data", "approve"],
)
def test_the_holder_cannot_transfer_or_approve(send, accounts, certificates, issued, call):
    with reverts("Error", BOUND):  # a plain reason, which wallets show
        send(accounts.holder, call(certificates, accounts, issued.token_id))
    assert certificates.functions.ownerOf(issued.token_id).call() == accounts.holder.address


def test_operators_cannot_be_approved(send, accounts, certificates, issued):
    with reverts("Error", BOUND):
        send(accounts.holder, certificates.functions.setApprovalForAll(accounts.stranger.address, True))
    assert (
        certificates.functions.isApprovedForAll(accounts.holder.address, accounts.stranger.address).call()
        is False
    )
    assert certificates.functions.getApproved(issued.token_id).call() == ZERO


def test_unknown_tokens(certificates, accounts):
    from kp_py._revert import reverts as decoding

    for fn in ("ownerOf", "locked", "getApproved", "tokenURI"):
        with reverts("ERC721NonexistentToken", 7), decoding():
            getattr(certificates.functions, fn)(7).call()
    with reverts("ERC721InvalidOwner", ZERO), decoding():
        certificates.functions.balanceOf(ZERO).call()


@pytest.mark.parametrize("then", ["issued", "confirmed", "voided", "expired", "key disabled"])
def test_token_uri_is_on_chain_json_with_an_svg_of_the_certificate(
    as_, accounts, chain, certificates, issued, then
):
    if then == "confirmed":
        as_(accounts.bw).confirm_receipt("AE-2024-000123")
    elif then == "voided":
        as_(accounts.ae).void("AE-2024-000123", "lost")
    elif then == "expired":
        chain.travel(61 * 86_400)
    elif then == "key disabled":
        as_(accounts.secretariat).disable_authority(accounts.ae.address, 0)
    uri = certificates.functions.tokenURI(issued.token_id).call()
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    metadata = json.loads(base64.b64decode(uri[len(prefix) :]))
    assert metadata["name"] == "AE-2024-000123"
    assert "AE to BW" in metadata["description"]
    traits = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
    assert traits["Route"] == "AE to BW"
    assert traits["Carats"] == "1250.50"
    assert traits["HS code"] == "7102.31"
    assert traits["Status"] == STATUS_TEXT[then]
    assert traits["Issued"] == issued_at(certificates, issued.token_id)

    image_prefix = "data:image/svg+xml;base64,"
    assert metadata["image"].startswith(image_prefix)
    svg = ElementTree.fromstring(base64.b64decode(metadata["image"][len(image_prefix) :]))  # valid XML
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[:3] == ["KIMBERLEY PROCESS CERTIFICATE", "AE-2024-000123", "AE to BW"]
    assert texts[3] == "1250.50 ct, HS 7102.31"
    assert texts[4] == f"Issued {day(traits['Issued'])}, expires {day(traits['Expires'])}"
    assert texts[5] == STATUS_TEXT[then]
    band = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect")][1]
    assert band.get("fill") == STATUS_COLOUR[then]


def day(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()


def issued_at(certificates, token_id):
    return certificates.functions.certificate(token_id).call()[2]


STATUS_TEXT = {
    "issued": "Issued",
    "confirmed": "Receipt confirmed",
    "voided": "Voided",
    "expired": "Expired",
    "key disabled": "Invalid: issuing key disabled",
}
STATUS_COLOUR = {
    "issued": "#1f5f9a",
    "confirmed": "#1f7a3a",
    "voided": "#a11d1d",
    "expired": "#6b6b6b",
    "key disabled": "#a11d1d",
}


@pytest.mark.parametrize("action", ["confirm", "void"])
def test_status_changes_tell_wallets_to_refresh(as_, accounts, certificates, issued, action):
    """ERC-4906: a MetadataUpdate event whenever the status shown in the metadata changes."""
    if action == "confirm":
        receipt = as_(accounts.bw).confirm_receipt("AE-2024-000123")
    else:
        receipt = as_(accounts.ae).void("AE-2024-000123", "lost")
    (event,) = certificates.events.MetadataUpdate().process_receipt(receipt)
    assert event.args._tokenId == issued.token_id


@pytest.mark.parametrize(
    ("expires", "drawn"),
    [("2028-02-28", "2028-02-29"), ("2099-12-30", "2099-12-31"), ("2030-12-31", "2031-01-01")],
)
def test_dates_are_drawn_right(as_, accounts, certificates, make_document, expires, drawn):
    """The contract's own calendar (leap days, year ends): a certificate valid through its expiry
    date expires at the midnight that ends it."""
    issued = as_(accounts.ae).issue(make_document(expires=expires))
    uri = certificates.functions.tokenURI(issued.token_id).call()
    metadata = json.loads(base64.b64decode(uri.split(",", 1)[1]))
    svg = base64.b64decode(metadata["image"].split(",", 1)[1]).decode()
    assert f"expires {drawn}</text>" in svg
    assert day(metadata["attributes"][-1]["value"]) == drawn
