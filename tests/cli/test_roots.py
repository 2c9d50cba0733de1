"""`kp production register|show|list` and `kp paper register|show|list`: the roots where custody
starts, and the README's flow from `kp template` to a genuine re-export of paper-certificate rough."""

import json

import pytest

from tests.cli.conftest import AE, BW, HOLDER, ZA

pytestmark = pytest.mark.anvil

JWANENG = ("production", "register", "JWANENG-2024-Q3", "--origin", "BW/Jwaneng", "--carats", "2000.00",
           "--from", "2024-07-01", "--to", "2024-09-30")  # fmt: skip


def test_production_is_registered_shown_and_listed(kp):
    registered = kp.ok(*JWANENG, *BW, "--json").json()
    assert registered["id"] == "BW#JWANENG-2024-Q3" and registered["block"] > 0
    shown = kp.ok("production", "show", "bw", "JWANENG-2024-Q3").out
    assert shown.splitlines()[0] == "production BW JWANENG-2024-Q3  (registered)"
    assert "period       2024-07-01 to 2024-09-30" in shown
    assert "carats       2000.00 ct, 0.00 drawn by certificates" in shown
    listed = kp.ok("production", "list", "--participant", "BW", "--json").json()
    assert [(r["name"], r["carats"]) for r in listed] == [
        ("production BW STOCK-2024", "100000000.00"),
        ("production BW JWANENG-2024-Q3", "2000.00"),
    ]
    assert "production BW JWANENG-2024-Q3" in kp.ok("production", "list").out
    assert kp.ok("show", "BW#JWANENG-2024-Q3").out == shown


def test_production_refusals_are_one_line(kp):
    kp.ok(*JWANENG, *BW)
    assert kp.refused(*JWANENG, *BW) == "kp: production BW JWANENG-2024-Q3 is already registered"
    stolen = kp.refused(*JWANENG[:3], "--origin", "BW", *JWANENG[5:], *AE)
    assert stolen.startswith("kp: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is a key of AE, not of BW")
    assert kp.refused(*JWANENG[:2], "jwaneng", *JWANENG[3:], *BW) == (
        "kp: document field 'lot': 'jwaneng' is not 1 to 29 of A-Z 0-9 - . /"
    )
    assert "'to'" in kp.refused(*JWANENG[:-1], "2024-06-30", *BW)


def test_a_hub_registers_paper_and_issues_the_template_as_written(kp, tmp_path):
    """The README's flow: `kp template --paper` is what Dubai received, `kp template` its re-export."""
    paper = tmp_path / "paper.json"
    paper.write_text(kp.ok("template", "--paper").out)
    registered = kp.ok("paper", "register", str(paper), *AE, "--json").json()
    assert [r["id"] for r in registered] == ["AE:ZA-2024-012345"]
    cert = tmp_path / "cert.json"
    cert.write_text(kp.ok("template", "--holder", HOLDER.address).out)
    kp.ok("issue", str(cert), *AE)
    verified = kp.ok("verify", "AE-2024-000123")
    assert "AE-2024-000123: GENUINE" in verified.out
    assert (
        "provenance complete back to: paper certificate ZA-2024-012345 registered by AE on " in verified.out
    )
    shown = kp.ok("paper", "show", "AE", "ZA-2024-012345").out
    assert shown.splitlines()[0] == "paper certificate ZA-2024-012345 registered by AE  (registered)"
    assert "route        ZA -> AE" in shown and "1250.50 ct, 1250.50 drawn by certificates" in shown
    received = json.loads(paper.read_text())
    assert f"dates        issued {received['issued']}, expires {received['expires']}" in shown
    again = kp.ok("paper", "register", str(paper), *AE, "--json").json()  # a re-run after a crash
    assert [(r["number"], r["outcome"]) for r in again] == [("ZA-2024-012345", "already registered")]
    altered = json.loads(paper.read_text()) | {"carats": "9999.00"}
    paper.write_text(json.dumps(altered))
    assert "is already on chain with other figures" in kp.refused("paper", "register", str(paper), *AE)
    assert [r["number"] for r in kp.ok("paper", "list", "--json").json()] == ["AE:ZA-2024-012345"]


def test_every_paper_file_is_checked_before_the_first_is_sent(kp, tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(kp.ok("template", "--paper").out)
    data = json.loads(good.read_text()) | {"number": "ZA-2", "carats": "-1.00"}
    bad.write_text(json.dumps(data))
    line = kp.refused("paper", "register", str(good), str(bad), *AE)
    assert line.startswith(f"kp: {bad}: document field 'carats'")
    assert kp.ok("paper", "list", "--json").json() == []  # nothing half-done


def test_registering_paper_for_another_importer_is_refused(kp, tmp_path):
    paper = tmp_path / "paper.json"
    paper.write_text(kp.ok("template", "--paper", "--number", "BW-2024-1").out)  # received by BW
    line = kp.refused("paper", "register", str(paper), *ZA)
    assert "is a key of ZA, not of BW" in line
