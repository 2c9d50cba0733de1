"""What a trader's wallet reads (issue 14): the collection's ERC-7572 contractURI, each token's link
to its verification page (`external_url`), the issuing participant and dates as wallets show them,
an expired certificate that does not look valid, the ERC-4906 refresh the secretariat sends after a
key is disabled, and a refused transfer whose reason a wallet can show."""

from __future__ import annotations

import base64
import json

import pytest
import rlp  # type: ignore[import-untyped]
from eth_utils import keccak

from kp_py.client import KP
from kp_py.errors import ReasonGiven
from tests.conftest import BOUND, DAY, reverts, stock

PAGE = "https://verify.kimberleyprocess.example"
SECRETARIAT_ROLE = keccak(b"SECRETARIAT_ROLE")
ALL = 2**256 - 1


def read(uri: str) -> dict:
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    return json.loads(base64.b64decode(uri[len(prefix) :]))


def logs(receipt, certificates, event):
    return getattr(certificates.events, event)().process_receipt(receipt)


@pytest.fixture
def paged(as_, accounts, kp):
    """The deployment with its verification page set by the secretariat."""
    as_(accounts.secretariat).set_verification_page(PAGE)
    return kp


def test_a_token_links_to_its_verification_and_names_its_issuer(paged, certificates, issued):
    metadata = read(certificates.functions.tokenURI(issued.token_id).call())
    assert metadata["external_url"] == f"{PAGE}/certificates/{issued.token_id}"
    traits = {a["trait_type"]: a for a in metadata["attributes"]}
    assert traits["Issued by"]["value"] == "AE United Arab Emirates"
    assert traits["Issued"]["display_type"] == traits["Expires"]["display_type"] == "date"
    assert isinstance(traits["Expires"]["value"], int)
    assert paged.verification_page() == PAGE


def test_without_a_page_a_token_has_no_link(certificates, issued):
    assert "external_url" not in read(certificates.functions.tokenURI(issued.token_id).call())


def test_the_collection_describes_the_scheme(paged, certificates):
    collection = read(certificates.functions.contractURI().call())
    assert collection["name"] == "Kimberley Process Certificates" and collection["symbol"] == "KPC"
    assert "rough diamonds" in collection["description"] and collection["external_link"] == PAGE
    assert collection["image"].startswith("data:image/svg+xml;base64,")


def test_an_expired_certificate_shows_as_expired(certificates, chain, issued):
    chain.travel(61 * DAY)
    traits = {
        a["trait_type"]: a["value"]
        for a in read(certificates.functions.tokenURI(issued.token_id).call())["attributes"]
    }
    assert traits["Status"] == "Expired"


def test_a_participant_name_cannot_break_the_json(as_, accounts, certificates, decide, enrol, make_document):
    # The plenary's words reach every wallet: a quote or a backslash in a name must stay text.
    decide(as_(accounts.chair).admit("XQ", 'Quote "and" back\\slash'))
    officer = accounts.spare[0]
    enrol(officer.address, "XQ", valid_from=0)
    as_(officer).register_production(stock("XQ"))
    issued = as_(officer).issue(make_document(number="XQ-2024-1", exporting="XQ", origins=["XQ"]))
    metadata = read(certificates.functions.tokenURI(issued.token_id).call())
    traits = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
    assert traits["Issued by"] == 'XQ Quote "and" back\\slash'


def test_only_the_secretariat_moves_the_page_or_refreshes_wallets(as_, accounts, certificates):
    for who in (accounts.chair, accounts.ae, accounts.stranger, accounts.admin):
        with reverts("AccessControlUnauthorizedAccount", who.address, SECRETARIAT_ROLE):
            as_(who).set_verification_page("https://forged.example")
        with reverts("AccessControlUnauthorizedAccount", who.address, SECRETARIAT_ROLE):
            as_(who).refresh_metadata()
    receipt = as_(accounts.secretariat).set_verification_page(PAGE)
    assert len(logs(receipt, certificates, "ContractURIUpdated")) == 1
    (update,) = logs(receipt, certificates, "BatchMetadataUpdate")
    assert (update.args._fromTokenId, update.args._toTokenId) == (0, ALL)


def test_the_art_contract_takes_its_page_from_its_certificates_only(web3, send, accounts, certificates):
    # KPCertificates creates it in its constructor, its first creation (a contract's nonce starts at 1).
    address = web3.to_checksum_address(keccak(rlp.encode([bytes.fromhex(certificates.address[2:]), 1]))[12:])
    abi = [{"type": "function", "name": "setPage", "inputs": [{"name": "page_", "type": "string"}],
            "outputs": [], "stateMutability": "nonpayable"}]  # fmt: skip
    art = web3.eth.contract(address=address, abi=abi)
    assert web3.eth.get_code(address)  # the art contract is there
    with reverts("OnlyCertificates", accounts.secretariat.address):
        send(accounts.secretariat, art.functions.setPage("https://forged.example"))


def test_disabling_a_key_tells_wallets_to_redraw(as_, accounts, certificates, issued):
    as_(accounts.secretariat).disable_authority(accounts.ae.address, 0)
    receipt = as_(accounts.secretariat).refresh_metadata()
    (update,) = logs(receipt, certificates, "BatchMetadataUpdate")
    assert (update.args._fromTokenId, update.args._toTokenId) == (0, ALL)
    traits = {
        a["trait_type"]: a["value"]
        for a in read(certificates.functions.tokenURI(issued.token_id).call())["attributes"]
    }
    assert traits["Status"] == "Invalid: issuing key disabled"


def test_a_refused_transfer_carries_a_reason_a_wallet_shows(send, accounts, certificates, issued):
    # The standard Error(string), which wallets decode without the contract's ABI (tests/integration/
    # test_cast.py shows cast printing it), rather than a custom error they show as a bare selector.
    move = certificates.functions.transferFrom(
        accounts.holder.address, accounts.stranger.address, issued.token_id
    )
    with pytest.raises(ReasonGiven) as refused:
        send(accounts.holder, move)
    assert (refused.value.error, refused.value.raw, str(refused.value)) == ("Error", (BOUND,), BOUND)


def test_the_secretariat_role_is_the_registrys(registry):
    assert registry.functions.SECRETARIAT_ROLE().call() == SECRETARIAT_ROLE


def test_a_deployment_records_its_page(web3, accounts):
    kp = KP.deploy(web3, accounts.admin, verification_page=PAGE)
    assert kp.verification_page() == PAGE
    assert read(kp.certificates.functions.contractURI().call())["external_link"] == PAGE
