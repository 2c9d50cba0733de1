"""Slither's High and Medium findings are each explained in docs/slither-triage.md.

`make slither` writes .build/slither.json (make test runs it before pytest); without that file
(pytest run on its own) the test is skipped.
"""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / ".build" / "slither.json"
TRIAGE = REPO / "docs" / "slither-triage.md"


def findings():
    if not REPORT.is_file():
        pytest.skip("no slither report: run `make slither`")
    results = json.loads(REPORT.read_text())["results"]["detectors"]
    for result in results:
        functions = [e["name"] for e in result["elements"] if e["type"] == "function"]
        yield result["check"], result["impact"], functions[0] if functions else "(contract)"


def test_the_analysis_ran_on_both_contracts():
    if not REPORT.is_file():
        pytest.skip("no slither report: run `make slither`")
    report = json.loads(REPORT.read_text())
    assert report["success"] is True, report.get("error")


def test_every_high_medium_or_informational_finding_is_explained():
    explained = set(re.findall(r"^## (\S+) in (\S+)$", TRIAGE.read_text(), re.MULTILINE))
    unexplained = [
        (check, function) for check, impact, function in findings()
        if impact not in ("Low",) and (check, function) not in explained
    ]  # fmt: skip
    assert unexplained == [], f"explain these in {TRIAGE.relative_to(REPO)}: {unexplained}"


def test_the_triage_counts_are_the_reports():
    """The triage's "Last run" and "By detector" lines say what the report says, so it stays true."""
    found = list(findings())
    text = TRIAGE.read_text()
    (last,) = re.findall(r"^Last run: (.*)$", text, re.MULTILINE)
    by_impact = re.findall(r"(\d+) (High|Medium|Low|Informational|Optimization)", last)
    assert {impact: int(n) for n, impact in by_impact} == {
        impact: sum(1 for _, i, _ in found if i == impact)
        for impact in ("High", "Medium", "Low", "Informational", "Optimization")
    }
    (line,) = re.findall(r"^By detector: (.*)$", text, re.MULTILINE)
    stated = {name: int(n) for name, n in re.findall(r"([a-z-]+) (\d+)", line)}
    counted: dict[str, int] = {}
    for check, _, _ in found:
        counted[check] = counted.get(check, 0) + 1
    assert stated == counted
