"""`kp authority add|rotate|retire|disable|show`."""

import pytest

from kp_py.keys import dev_account
from tests.cli.conftest import AE, AE_KEY

pytestmark = pytest.mark.anvil
NEW = dev_account(6).address


def test_add_and_show(kp, decide):
    proposed = kp.ok("authority", "add", "CF", NEW, "--until", "2099-01-01", "--json").json()
    assert proposed["decisions"] == [f"register {NEW} as an authority key of CF"]  # CF's first key
    assert "not a KP authority key" in kp.refused("authority", "show", NEW)
    decide(proposed)
    shown = kp.ok("authority", "show", NEW, "--json").json()
    assert shown["participant"] == "CF" and shown["valid_until"] == "2099-01-01 00:00:00"


def test_rotate_then_the_old_key_cannot_issue(kp, write_document, advance, node_web3):
    at = node_web3.eth.get_block("latest")["timestamp"] + 30
    rotated = kp.ok("authority", "rotate", AE_KEY.address, NEW, "--at", str(at))
    assert f"{NEW} is proposed as a key of AE" in rotated.out
    kp.ok("authority", "accept", NEW, *AE)  # the old key consents while it is still valid
    advance(60)
    assert kp.ok("authority", "show", NEW, "--json").json()["participant"] == "AE"
    path = write_document()
    line = kp.refused("issue", str(path), *AE)
    assert line.startswith(f"kp: {path}: {AE_KEY.address} of AE is valid only from ")
    kp.ok("issue", str(write_document(name="again")), "--dev", "6")


def test_retire_and_disable(kp, write_document):
    kp.ok("issue", str(write_document()), *AE)
    kp.ok("authority", "disable", AE_KEY.address, "--from", "2000-01-01")
    result = kp("verify", "AE-2024-000123")
    assert result.code == 1 and "was disabled at the time of issue" in result.out
    assert "not a KP authority key" in kp.refused("authority", "retire", NEW)


def test_a_second_key_waits_for_the_participants_consent(kp, write_document):
    """The secretariat alone cannot give anyone a key that issues for AE (audit finding 8)."""
    added = kp.ok("authority", "add", "AE", NEW, "--json").json()
    assert added["pending"] is True
    path = write_document()
    assert kp.refused("issue", str(path), "--dev", "6") == f"kp: {path}: {NEW} is not a KP authority key"
    chair = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert kp.refused("authority", "accept", NEW) == f"kp: {chair} is not a KP authority key"  # no stand-in
    assert "is a key of BW, not of AE" in kp.refused("authority", "accept", NEW, "--dev", "2")
    kp.ok("authority", "accept", NEW, *AE)
    kp.ok("issue", str(write_document()), "--dev", "6")


def test_bad_addresses(kp):
    assert "'0xabc' is not a 0x address" in kp.refused("authority", "add", "AE", "0xabc")
    assert kp.refused("authority", "show", NEW) == f"kp: {NEW} is not a KP authority key"
