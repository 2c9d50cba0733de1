"""`kp account new|list`, and signing with a keystore or an environment variable."""

import pytest

from tests.cli.conftest import AE_KEY

pytestmark = pytest.mark.anvil


def test_keystore_signs(kp, write_document):
    env = {"KP_PASSWORD": "correct horse", "AE_PRIVATE_KEY": "0x" + AE_KEY.key.hex()}
    created = kp.ok("account", "new", "uae", "--import-env", "AE_PRIVATE_KEY", "--json", env=env).json()
    assert created["address"] == AE_KEY.address
    assert kp.ok("account", "list", "--json", env=env).json() == [{"name": "uae", "address": AE_KEY.address}]
    kp.ok("issue", str(write_document()), "--account", "uae", env=env)
    assert "wrong password" in kp.refused("confirm", "AE-1", "--account", "uae", env={"KP_PASSWORD": "nope"})
    assert "already exists" in kp.refused("account", "new", "uae", env=env)


def test_private_key_from_the_environment(kp, write_document):
    kp.ok("issue", str(write_document()), "--key-env", "AE_KEY", env={"AE_KEY": "0x" + AE_KEY.key.hex()})
    assert kp.refused("issue", str(write_document("b")), "--key-env", "UNSET_VAR") == (
        "kp: environment variable UNSET_VAR is not set (it should hold a private key)"
    )
    assert "does not hold a 32-byte hex private key" in kp.refused(
        "issue", str(write_document("c")), "--key-env", "BAD", env={"BAD": "hello"}
    )
    assert "give one of --key-env and --dev" in kp.refused(
        "issue", str(write_document("d")), "--key-env", "X", "--dev", "1"
    )
