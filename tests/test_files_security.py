"""Files that hold salts or keys, written where an attacker may have planted something: a symlink at
the temporary name must never be followed (its target stays as it was), and the result is the
owner's only (0600) whatever was there before. Audit issue 12, finding 4."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from kp_py import files
from kp_py.deployments import record_deployment
from kp_py.keys import create_keystore
from kp_py.records import Deployment
from tests.cli.conftest import HOLDER, Kp
from tests.conftest import document_data

BEFORE = "the attacker's file, unchanged\n"
KEY = "0x" + "11" * 32


def _write_salts(path: Path) -> None:
    files.write_secret(path, json.dumps({"salts": {"number": "0x" + "ab" * 32}}))


def _write_deployment(path: Path) -> None:
    record_deployment(Deployment(11155111, "0x" + "1" * 40, "0x" + "2" * 40, 7), path)


def _write_keystore(path: Path) -> None:
    create_keystore(str(path), path.parent, KEY, password="pass")


# Each writer, the file it writes and the mode that file must have. The issued, pending and signed
# files all go through files.write_secret.
WRITERS: dict[str, tuple[Callable[[Path], None], str, int]] = {
    "salts": (_write_salts, "cert.issued.json", 0o600),
    "keystore": (_write_keystore, "officer.json", 0o600),
    "deployments": (_write_deployment, "deployments.json", 0o644),
}


@pytest.fixture(params=sorted(WRITERS))
def writer(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Callable[[], None], Path, int]:
    """One of the writers of kp's secret (or shared) files, with the path it writes in tmp_path."""
    write, name, mode = WRITERS[request.param]
    target = tmp_path / "out" / name
    target.parent.mkdir()
    return (lambda: write(target)), target, mode


def test_a_symlink_planted_at_the_temporary_is_never_followed(writer, tmp_path):
    write, target, mode = writer
    victim = tmp_path / "victim.txt"
    victim.write_text(BEFORE)
    victim.chmod(0o644)
    (target.parent / (target.name + ".tmp")).symlink_to(victim)
    write()
    assert victim.read_text() == BEFORE and stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not target.is_symlink() and stat.S_IMODE(target.stat().st_mode) == mode
    assert not os.path.lexists(target.parent / (target.name + ".tmp"))


def test_a_dangling_symlink_planted_at_the_temporary_creates_nothing_elsewhere(writer, tmp_path):
    write, target, mode = writer
    elsewhere = tmp_path / "created-by-kp"
    (target.parent / (target.name + ".tmp")).symlink_to(elsewhere)
    write()
    assert not elsewhere.exists()
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_stale_readable_temporary_gives_a_private_file(writer):
    write, target, mode = writer
    stale = target.parent / (target.name + ".tmp")
    stale.write_text("left by a crash")
    stale.chmod(0o644)
    write()
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert "left by a crash" not in target.read_text()


def test_a_readable_secret_file_is_replaced_by_a_private_one(tmp_path):
    target = tmp_path / "cert.pending.json"
    target.write_text("{}")
    target.chmod(0o644)
    _write_salts(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_symlink_planted_at_the_keystore_itself_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text(BEFORE)
    (tmp_path / "officer.json").symlink_to(victim)
    with pytest.raises(Exception, match="already exists"):
        _write_keystore(tmp_path / "officer.json")
    assert victim.read_text() == BEFORE


def test_the_umask_does_not_widen_or_narrow_the_mode(tmp_path):
    previous = os.umask(0)
    try:
        _write_salts(tmp_path / "a.issued.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.issued.json").stat().st_mode) == 0o600


def test_kp_sign_issue_does_not_follow_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text(BEFORE)
    (tmp_path / "cert.json").write_text(json.dumps(document_data(holder=HOLDER.address)))
    (tmp_path / "cert.signed.json.tmp").symlink_to(victim)
    kp = Kp(tmp_path / ".kp", tmp_path)
    target = ["--chain-id", "11155111", "--contract", "0x" + "2" * 40]
    kp.ok("sign", "issue", "cert.json", *target, "--key-env", "AE_KEY", env={"AE_KEY": KEY})
    assert victim.read_text() == BEFORE
    signed = tmp_path / "cert.signed.json"
    assert json.loads(signed.read_text())["kp"] == "signed-issue/v1"
    assert stat.S_IMODE(signed.stat().st_mode) == 0o600
