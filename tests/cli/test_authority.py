"""`kp authority add|rotate|retire|disable|show`."""

import pytest

from kp_py.keys import dev_account
from tests.cli.conftest import AE, AE_KEY

pytestmark = pytest.mark.anvil
NEW = dev_account(6).address


def test_add_and_show(kp):
    kp.ok("authority", "add", "CF", NEW, "--until", "2099-01-01")
    shown = kp.ok("authority", "show", NEW, "--json").json()
    assert shown["participant"] == "CF" and shown["valid_until"] == "2099-01-01 00:00:00"


def test_rotate_then_the_old_key_cannot_issue(kp, write_document, advance):
    rotated = kp.ok("authority", "rotate", AE_KEY.address, NEW)
    assert f"{NEW} is proposed as a key of AE" in rotated.out
    advance(2)  # the old key has ended: AE has no valid key, so the Chair (account 0) consents
    kp.ok("authority", "accept", NEW)
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
    assert "only when it has no valid key left" in kp.refused(
        "authority", "accept", NEW
    )  # the Chair, AE has one
    assert "is a key of BW, not of AE" in kp.refused("authority", "accept", NEW, "--dev", "2")
    kp.ok("authority", "accept", NEW, *AE)
    kp.ok("issue", str(write_document()), "--dev", "6")


def test_bad_addresses(kp):
    assert "'0xabc' is not a 0x address" in kp.refused("authority", "add", "AE", "0xabc")
    assert kp.refused("authority", "show", NEW) == f"kp: {NEW} is not a KP authority key"
