"""`kp trace NUMBER [--json] [--graph FILE]`, and provenance in `kp verify` and `kp show`."""

import re
import xml.etree.ElementTree as ElementTree

import pytest

from tests.cli.conftest import AE, BW, ZA

pytestmark = pytest.mark.anvil


JWANENG = ("production", "register", "JWANENG-2024-Q3", "--origin", "BW/Jwaneng", "--carats", "2000.00",
           "--from", "2024-07-01", "--to", "2024-09-30")  # fmt: skip


@pytest.fixture
def merged(kp, write_document):
    """Botswana registers its Jwaneng production; BW-1 (600 ct of it) and ZA-1 (400 ct of South
    Africa's) shipped to Dubai and confirmed; Dubai merges both into AE-1 for Botswana, which
    confirms it."""
    kp.ok(*JWANENG, *BW)
    jwaneng = [{"production": "JWANENG-2024-Q3"}]
    for number, carats, origins, parents, key in [
        ("BW-1", "600.00", ["BW/Jwaneng"], jwaneng, BW),
        ("ZA-1", "400.00", ["ZA"], [{"production": "STOCK-2024"}], ZA),
    ]:
        path = write_document(number, number=number, exporting=number[:2], importing="AE", carats=carats,
                              origins=origins, parents=parents)  # fmt: skip
        kp.ok("issue", str(path), *key)
        kp.ok("confirm", number, *AE)
    parents = [{"number": "BW-1", "carats": "600.00"}, {"number": "ZA-1", "carats": "400.00"}]
    path = write_document(
        "AE-1", number="AE-1", carats="1000.00", origins=["BW/Jwaneng", "ZA"], parents=parents
    )
    kp.ok("issue", str(path), *AE)
    kp.ok("confirm", "AE-1", *BW)


def test_trace_shows_each_hop_and_the_origin_mix(kp, merged):
    out = kp.ok("trace", "AE-1").out
    lines = out.splitlines()
    assert lines[0].startswith("AE-1  AE -> BW  1000.00 ct  issued ")
    assert "receipt confirmed" in lines[0]
    assert lines[1].startswith("├─ 600.00 ct from BW-1  BW -> AE  600.00 ct")
    assert lines[2].startswith(
        "│  └─ 600.00 ct from production BW JWANENG-2024-Q3  BW/Jwaneng  2000.00 ct  registered "
    )
    assert lines[3].startswith("└─ 400.00 ct from ZA-1  ZA -> AE  400.00 ct")
    assert lines[4].startswith("   └─ 400.00 ct from production ZA STOCK-2024  ZA  ")
    assert "Origin mix: BW 60.0%, ZA 40.0%" in out
    assert (
        "Provenance complete back to: production BW JWANENG-2024-Q3 (BW/Jwaneng, 2024-07-01 to 2024-09-30); "
        "production ZA STOCK-2024 (ZA, 2024-01-01 to 2024-12-31)"
    ) in out


def test_trace_json(kp, merged):
    data = kp.ok("trace", "AE-1", "--json").json()
    assert data["provenance"] == {
        "status": "complete",
        "roots": [
            "production BW JWANENG-2024-Q3 (BW/Jwaneng, 2024-07-01 to 2024-09-30)",
            "production ZA STOCK-2024 (ZA, 2024-01-01 to 2024-12-31)",
        ],
        "warnings": [],
        "origins": ["BW/Jwaneng", "ZA"],
        "origin_mix": {"BW": 0.6, "ZA": 0.4},
    }
    records = {record["number"]: record for record in data["records"]}
    assert records["AE-1"]["parents"] == [
        {"number": "BW-1", "carats_drawn": "600.00"},
        {"number": "ZA-1", "carats_drawn": "400.00"},
    ]
    first = records["BW-1"]
    assert (first["drawn_by_children"], first["importing"], first["kind"]) == ("600.00", "AE", "certificate")
    assert first["confirmed_at"] is not None
    assert records["ZA-1"]["origin_mix"] == {"ZA": 1.0}
    assert records["BW#JWANENG-2024-Q3"]["kind"] == "production"


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_trace_draws_the_tree(kp, merged, tmp_path, suffix):
    graph = tmp_path / f"tree{suffix}"
    kp.ok("trace", "AE-1", "--graph", str(graph))
    if suffix == ".svg":
        root = ElementTree.parse(graph).getroot()
        assert root.tag.endswith("svg")
        text = graph.read_text()
        for number in ("AE-1", "BW-1", "ZA-1", "600.00 ct"):
            assert number in text
    else:
        assert graph.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trace_refuses_an_unknown_graph_format(kp, merged, tmp_path):
    assert "use .svg, .png or .pdf" in kp.refused("trace", "AE-1", "--graph", str(tmp_path / "tree.gif"))


def test_a_voided_ancestor_breaks_the_trace_and_warns_in_verify(kp, merged):
    kp.ok("void", "ZA-1", "--reason", "fraud", *ZA)
    broken = kp("trace", "AE-1")
    assert broken.code == 1
    assert "WARNING: ancestor ZA-1 (ZA -> AE) was voided after it was drawn on" in broken.out
    verified = kp.ok("verify", "AE-1")  # AE-1 itself is still genuine
    assert "AE-1: GENUINE" in verified.out
    assert "WARNING: ancestor ZA-1" in verified.out
    assert kp.ok("verify", "AE-1", "--json").json()["provenance"]["status"] == "broken"


def test_show_names_parents_and_what_was_drawn(kp, merged):
    out = kp.ok("show", "AE-1").out
    assert re.search(r"Drawn from +BW-1 \(600.00 ct\), ZA-1 \(400.00 ct\)", out)
    shown = kp.ok("show", "BW-1").out
    assert re.search(r"Drawn by later certificates +600.00 ct", shown)
    assert re.search(r"Drawn from +production BW JWANENG-2024-Q3 \(600.00 ct\)", shown)


def test_issue_refuses_over_drawing_in_one_line(kp, merged, write_document):
    path = write_document(
        "AE-2",
        number="AE-2",
        carats="1.00",
        origins=["BW/Jwaneng"],
        parents=[{"number": "BW-1", "carats": "1.00"}],
    )
    message = kp.refused("issue", str(path), *AE)
    assert "drawing 1.00 carats from parent BW-1 exceeds what is left of it, 0.00" in message


def test_signing_a_re_export_off_line_needs_its_parents_origins(kp, merged, write_document):
    """No network when signing: the parents' origins must be in the document."""
    parents = [{"number": "BW-1", "carats": "1.00"}]
    bare = write_document("bare", number="AE-2", carats="1.00", origins=["BW/Jwaneng"], parents=parents)
    target = ("--dev", "1", "--chain-id", "31337", "--contract", "0x" + "11" * 20)
    line = kp.refused("sign", "issue", str(bare), *target)
    assert "document field 'parents': BW-1: its origins are not known" in line
    parents[0]["origins"] = ["BW/Jwaneng"]
    full = write_document("full", number="AE-2", carats="1.00", origins=["BW/Jwaneng"], parents=parents)
    kp.ok("sign", "issue", str(full), *target)
