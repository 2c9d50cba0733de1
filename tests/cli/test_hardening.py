"""The command line under attack (audit issue 12): hostile JSON in the files it reads is exit 2 and
one line, never a traceback or exit 3, and nothing is sent (finding 5)."""

from __future__ import annotations

import pytest

from tests.cli.conftest import AE
from tests.test_json_strict import HOSTILE, _issued

pytestmark = pytest.mark.anvil
SHAPES = sorted(HOSTILE)


def _refused_in_one_line(kp, *args: str) -> str:
    line = kp.refused(*args)
    assert "\n" not in line and "Traceback" not in line
    return line


@pytest.mark.parametrize("name", SHAPES)
def test_kp_issue_refuses_hostile_json(kp, node_web3, tmp_path, name):
    text, problem = HOSTILE[name]
    path = tmp_path / "hostile.json"
    path.write_text(text)
    block = node_web3.eth.block_number
    line = _refused_in_one_line(kp, "issue", str(path), *AE)
    assert line.startswith(f"kp: {path}: document field '(file)': ")
    assert problem in line or "a certificate document is at most 1 MB" in line
    assert node_web3.eth.block_number == block
    assert not (tmp_path / "hostile.pending.json").exists()


@pytest.mark.parametrize("wrap", [False, True], ids=["document", "issued document"])
@pytest.mark.parametrize("name", SHAPES)
def test_kp_verify_document_refuses_hostile_json(kp, tmp_path, name, wrap):
    text, problem = HOSTILE[name]
    path = tmp_path / "shown.json"
    path.write_text(_issued(text) if wrap else text)
    line = _refused_in_one_line(kp, "verify", "AE-2024-000123", "--document", str(path))
    assert problem in line or "a certificate document is at most 1 MB" in line


@pytest.mark.parametrize("name", SHAPES)
def test_kp_submit_refuses_hostile_json(kp, node_web3, tmp_path, name):
    text, problem = HOSTILE[name]
    path = tmp_path / "hostile.signed.json"
    path.write_text(text.replace("{", '{"kp": "signed-issue/v1", ', 1) if text.startswith("{") else text)
    block = node_web3.eth.block_number
    line = _refused_in_one_line(kp, "submit", str(path), "--dev", "3")
    assert problem in line or "a certificate document is at most 1 MB" in line
    assert node_web3.eth.block_number == block
