"""`kp verify NUMBER [--document FILE]`: exit 0 when genuine, 1 when not, with the reason."""

import json

import pytest

from tests.cli.conftest import AE

pytestmark = pytest.mark.anvil


@pytest.fixture
def issued(kp, write_document):
    path = write_document(number="AE-2024-000123")
    kp.ok("issue", str(path), *AE)
    return path.parent / "cert.issued.json"


def test_genuine(kp, issued):
    report = kp.ok("verify", "AE-2024-000123", "--document", str(issued), "--json").json()
    assert report["genuine"] is True and report["problems"] == [] and report["document_matches"] is True
    assert report["certificate"]["issuer"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert report["certificate"]["transaction"].startswith("0x")
    human = kp.ok("verify", "AE-2024-000123", "--document", str(issued)).out
    assert human.startswith("AE-2024-000123: GENUINE (issued)")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("carats", "1251.50", "carats"),
        ("holder", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "holder"),
        ("exporter", {"name": "Someone Else", "address": "Almas Tower, Dubai"}, "exporter"),
        ("issued", "2020-01-01", "issued"),
    ],
)
def test_an_altered_document_names_the_field(kp, issued, tmp_path, field, value, named):
    data = json.loads(issued.read_text())
    data["document"][field] = value
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    result = kp("verify", "AE-2024-000123", "--document", str(forged), "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["problems"] == ["document-mismatch"] and report["differing_fields"] == [named]


def test_a_plain_document_with_forged_names_is_never_genuine(kp, issued, tmp_path):
    """Audit finding: a plain document (no salts) with a forged exporter, importer and issue date
    verified GENUINE, and anyone can write one, since the other fields are public on chain. Now it
    is never genuine (exit 1), and each field says how it was checked."""
    data = json.loads((issued.parent / "cert.json").read_text())
    data |= {"exporter": {"name": "Front Company", "address": "Nowhere"}, "issued": "2020-01-01",
             "importer": {"name": "Another Front", "address": "Elsewhere"}}  # fmt: skip
    forged = tmp_path / "forged-names.json"
    forged.write_text(json.dumps(data))
    result = kp("verify", "AE-2024-000123", "--document", str(forged), "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["genuine"] is False and report["problems"] == ["document-unproven"]
    assert {name for name, state in report["fields"].items() if state == "not checked"} == {
        "exporter", "importer", "issued"
    }  # fmt: skip
    assert report["fields"]["carats"] == "matches public data"
    human = kp("verify", "AE-2024-000123", "--document", str(forged))
    assert human.code == 1 and human.out.startswith("AE-2024-000123: NOT GENUINE")
    assert "not checked: exporter, importer, issued" in human.out
    proven = kp.ok("verify", "AE-2024-000123", "--document", str(issued), "--json").json()
    assert set(proven["fields"].values()) == {"proven"}


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (("void", "AE-2024-000123", "--reason", "lost", *AE), "voided"),
        (None, "unknown"),
    ],
)
def test_not_genuine(kp, issued, setup, problem):
    number = "AE-2024-000123" if setup else "AE-404"
    if setup:
        kp.ok(*setup)
    result = kp("verify", number, "--json")
    assert result.code == 1 and json.loads(result.out)["problems"] == [problem]
