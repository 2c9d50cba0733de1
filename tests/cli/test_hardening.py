"""The command line under attack (audit issue 12): hostile JSON in the files it reads is exit 2 and
one line, never a traceback or exit 3, and nothing is sent (finding 5)."""

from __future__ import annotations

import re

import pytest

from tests.cli.conftest import AE, enact
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


# ---------------------------------------------------------------------- finding 6: chain text

# The Chair can name a participant anything: a terminal title change (OSC), a bell, a right-to-left
# override that reverses what follows, C1 controls and a line break that would forge a line.
EVIL = "\x1b]0;pwned\x07Evil\u202eGNINUEG\u2066 \x9b31m\x7f\nFORGED LINE"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # \n: the lines' own


def _admit_evil(kp, node_web3, write_document) -> str:
    """Admit XE named EVIL and issue AE -> XE; return the certificate's number."""
    enact(kp, node_web3, kp.ok("participant", "admit", "XE", EVIL, "--json").json())
    kp.ok("issue", str(write_document("evil", number="AE-EVIL-1", importing="XE")), *AE)
    return "AE-EVIL-1"


@pytest.mark.parametrize(
    "args",
    [
        ("participant", "show", "XE"),
        ("participant", "list"),
        ("show", "AE-EVIL-1"),
        ("verify", "AE-EVIL-1"),
        ("list", "--importing", "XE"),
    ],
    ids=lambda args: " ".join(args),
)
def test_chain_text_reaches_people_without_control_characters(kp, node_web3, write_document, args):
    _admit_evil(kp, node_web3, write_document)
    out = kp(*args).out
    assert out and not CONTROL.search(out), repr(out)
    assert "\nFORGED LINE" not in out  # no line forged by the name
    if args[0] == "participant":
        assert "\ufffd]0;pwned\ufffdEvil\ufffdGNINUEG" in out  # shown, defused


def test_json_keeps_the_exact_text(kp, node_web3, write_document):
    _admit_evil(kp, node_web3, write_document)
    assert kp.ok("participant", "show", "XE", "--json").json()["name"] == EVIL


def test_the_pdf_shows_chain_text_without_control_characters(
    kp, node_web3, write_document, tmp_path, monkeypatch
):
    from reportlab.pdfgen.canvas import Canvas

    drawn: list[str] = []
    draw = Canvas.drawString
    monkeypatch.setattr(Canvas, "drawString", lambda page, x, y, text, *a, **k: drawn.append(text)
                        or draw(page, x, y, text, *a, **k))  # fmt: skip
    number = _admit_evil(kp, node_web3, write_document)
    kp.ok(
        "render",
        number,
        "--pdf",
        str(tmp_path / "evil.pdf"),
        "--document",
        str(tmp_path / "evil.issued.json"),
    )
    names = [text for text in drawn if "pwned" in text]
    assert names and not any(CONTROL.search(text) or "\n" in text for text in drawn), names
