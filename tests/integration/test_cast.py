"""An independent client, Foundry's `cast` (npm @foundry-rs/cast-linux-amd64), reads a certificate
token like any ERC-721 and fails to transfer it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from kp_py import Document
from tests.conftest import document_data

pytestmark = pytest.mark.anvil
PAGE = "https://verify.kimberleyprocess.example"
CAST = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "cast"


def cast(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CAST), *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def minted(anvil_kp, anvil_accounts):
    holder = anvil_accounts[5]
    document = Document.from_dict(document_data(holder=holder.address, number="AE-CAST-1"))
    issued = anvil_kp.with_account(anvil_accounts[1]).issue(document)
    anvil_kp.set_verification_page(PAGE)  # the deployer holds the secretariat role here
    return anvil_kp, issued, holder


def test_cast_reads_the_token(minted, anvil):
    kp, issued, holder = minted
    url = str(anvil.status()["url"])
    contract, token = kp.certificates.address, str(issued.token_id)

    def call(signature: str, *args: str) -> str:
        result = cast("call", "--rpc-url", url, contract, signature, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert call("supportsInterface(bytes4)(bool)", "0x80ac58cd") == "true"  # ERC-721
    assert call("supportsInterface(bytes4)(bool)", "0xb45a3c0e") == "true"  # ERC-5192
    assert call("locked(uint256)(bool)", token) == "true"
    assert call("ownerOf(uint256)(address)", token) == holder.address
    uri = json.loads(call("tokenURI(uint256)(string)", token))  # cast prints the string quoted
    metadata = json.loads(base64.b64decode(uri.split(",", 1)[1]))
    assert metadata["name"] == "AE-CAST-1"
    assert metadata["external_url"] == f"{PAGE}/certificates/{token}"  # the wallet's link to verify it
    collection = json.loads(call("contractURI()(string)"))  # ERC-7572
    assert json.loads(base64.b64decode(collection.split(",", 1)[1]))["external_link"] == PAGE


def test_cast_cannot_transfer_it(minted, anvil, anvil_accounts):
    kp, issued, holder = minted
    url = str(anvil.status()["url"])
    key, to = "0x" + holder.key.hex(), anvil_accounts[4].address
    transfer = ["transferFrom(address,address,uint256)", holder.address, to, str(issued.token_id)]
    result = cast("send", "--rpc-url", url, "--private-key", key, kp.certificates.address, *transfer)
    assert result.returncode != 0
    # A plain reason, which cast (and a wallet) shows as it is, not a bare selector.
    assert (
        "KP certificate: bound to its holder's wallet, it cannot be transferred or approved" in result.stderr
    )
    assert kp.certificates.functions.ownerOf(issued.token_id).call() == holder.address
