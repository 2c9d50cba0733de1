"""`kp confirm`, `kp void`, `kp show`, `kp list`."""

import re

import pytest

from tests.cli.conftest import AE, BW, HOLDER

pytestmark = pytest.mark.anvil


@pytest.fixture
def three(kp, write_document):
    paths = [write_document(f"c{i}", number=f"AE-2024-{i}") for i in range(3)]
    kp.ok("issue", *map(str, paths), *AE)


def test_confirm_and_void(kp, three):
    kp.ok("confirm", "AE-2024-0", *BW)
    kp.ok("void", "AE-2024-1", "--reason", "fraud", *AE)
    assert kp.ok("show", "AE-2024-0", "--json").json()["status"] == "receipt confirmed"
    assert kp.ok("show", "AE-2024-1", "--json").json()["status"] == "voided"
    assert kp.refused("confirm", "AE-2024-0", *BW) == (
        "kp: certificate AE-2024-0 is receipt confirmed: only an issued one can be confirmed"
    )
    assert kp.refused("confirm", "AE-2024-2", *AE) == (
        "kp: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is a key of AE, not of BW"
    )
    assert (
        kp.refused("void", "AE-2024-1", "--reason", "lost", *AE)
        == "kp: certificate AE-2024-1 is already voided"
    )
    assert "Invalid value for '--reason'" in kp.refused("void", "AE-2024-2", "--reason", "whim", *AE)


def test_list_from_the_chain_keeps_the_issue_times_asked(kp, three, write_document, advance, node_web3):
    """--since and --until bound the issue time (the block's), with no index: one scan of the logs,
    the times read from the issued blocks' headers."""
    advance(3 * 86_400)
    later = int(node_web3.eth.get_block("latest")["timestamp"])
    kp.ok("issue", str(write_document("c3", number="AE-2024-3")), *AE)
    since = kp.ok("list", "--since", f"@{later}", "--json", "--index", "none").json()
    until = kp.ok("list", "--until", f"@{later}", "--json", "--index", "none").json()
    assert [row["number"] for row in since] == ["AE-2024-3"]
    assert [row["number"] for row in until] == ["AE-2024-0", "AE-2024-1", "AE-2024-2"]


def test_show(kp, three):
    data = kp.ok("show", "AE-2024-0", "--json").json()
    assert data["number"] == "AE-2024-0" and data["carats"] == "1250.50" and data["holder"] == HOLDER.address
    assert data["chain_id"] == 31337 and data["contract"].startswith("0x")
    assert data["rpc_url"].startswith("http://127.0.0.1:")
    # By token id too.
    assert kp.ok("show", data["token_id"], "--json").json()["number"] == "AE-2024-0"
    assert re.search(r"Route +AE -> BW", kp.ok("show", "AE-2024-0").out)
    assert kp.refused("show", "AE-404") == "kp: there is no certificate AE-404"


def test_list_with_filters(kp, three):
    kp.ok("confirm", "AE-2024-0", *BW)
    every = kp.ok("list", "--json").json()
    assert [row["number"] for row in every] == ["AE-2024-0", "AE-2024-1", "AE-2024-2"]
    assert [row["number"] for row in kp.ok("list", "--status", "receipt confirmed", "--json").json()] == [
        "AE-2024-0"
    ]
    assert len(kp.ok("list", "--exporting", "AE", "--importing", "BW", "--json").json()) == 3
    assert kp.ok("list", "--exporting", "BW", "--json").json() == []
    assert len(kp.ok("list", "--holder", HOLDER.address, "--json").json()) == 3
    assert kp.ok("list", "--since", "2999-01-01", "--json").json() == []
    assert len(kp.ok("list", "--until", "2999-01-01", "--chunk", "2", "--json").json()) == 3
    table = kp.ok("list").out.splitlines()
    assert table[0].split()[:3] == ["NUMBER", "STATUS", "EXPORTING"]
