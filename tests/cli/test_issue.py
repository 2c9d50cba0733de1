"""`kp issue FILE.json...`: batches, the issued files, and re-runs that neither skip nor repeat."""

import json

import pytest

from kp_py import IssuedDocument
from kp_py.files import pending_path
from tests.cli.conftest import AE

pytestmark = pytest.mark.anvil


def test_issue_writes_the_issued_document_next_to_each_input(kp, write_document):
    paths = [write_document(f"c{i}", number=f"AE-2024-{i}") for i in range(3)]
    rows = kp.ok("issue", *map(str, paths), "--batch-size", "2", *AE, "--json").json()
    assert [(r["number"], r["outcome"]) for r in rows] == [(f"AE-2024-{i}", "issued") for i in range(3)]
    for i, path in enumerate(paths):
        issued = IssuedDocument.from_json((path.parent / f"c{i}.issued.json").read_text())
        assert issued.document.number == f"AE-2024-{i}"
        assert issued.chain_id == 31337
        assert not pending_path(path).exists()
    assert rows[0]["transaction"] == rows[1]["transaction"] != rows[2]["transaction"]  # batches of 2


def test_running_again_issues_nothing_twice(kp, write_document):
    first = write_document("first", number="AE-1")
    kp.ok("issue", str(first), *AE)
    second = write_document("second", number="AE-2")
    rows = kp.ok("issue", str(first), str(second), *AE, "--json").json()
    assert [(r["number"], r["outcome"]) for r in rows] == [("AE-1", "already issued"), ("AE-2", "issued")]


def test_a_crash_after_sending_is_recovered_from_the_pending_salts(kp, write_document):
    """The issued file was never written (a crash after the transaction): the re-run finds the
    certificate on chain with the commitment of the salts it kept, and writes the file."""
    path = write_document(number="AE-CRASH")
    kp.ok("issue", str(path), *AE)
    issued_file = path.parent / "cert.issued.json"
    salts = json.loads(issued_file.read_text())["salts"]
    issued_file.unlink()
    pending_path(path).write_text(json.dumps({"salts": salts}))
    rows = kp.ok("issue", str(path), *AE, "--json").json()
    assert rows[0]["outcome"] == "recovered"
    assert issued_file.exists() and not pending_path(path).exists()
    assert kp("verify", "AE-CRASH", "--document", str(issued_file)).code == 0


def test_a_number_taken_by_another_document_is_reported(kp, write_document):
    kp.ok("issue", str(write_document("a", number="AE-SAME")), *AE)
    line = kp.refused("issue", str(write_document("b", number="AE-SAME", carats="1.00")), *AE)
    assert line == "kp: certificate AE-SAME is already on chain for a different document"


def test_a_bad_document_stops_everything_before_anything_is_sent(kp, write_document, tmp_path):
    good = write_document("good", number="AE-GOOD")
    bad = write_document("bad", number="AE-BAD", hs_code="7102.39")
    line = kp.refused("issue", str(good), str(bad), *AE)
    assert line == f"kp: {bad}: document field 'hs_code': '7102.39' is not a rough-diamond code " + (
        "(7102.10, 7102.21, 7102.31)"
    )
    assert not pending_path(good).exists()
    assert kp("show", "AE-GOOD").code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"{",
            "document field '(file)': not JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        (b"\xff", "document field '(file)': not UTF-8 text (invalid start byte at byte 0)"),
        (b"[1]", "document field '(document)': must be a JSON object"),
    ],
)
def test_unreadable_files(kp, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    assert kp.refused("issue", str(path), *AE) == f"kp: {path}: {message}"


def test_the_same_number_twice_in_one_run(kp, write_document):
    a, b = write_document("a", number="AE-TWICE"), write_document("b", number="AE-TWICE")
    assert (
        kp.refused("issue", str(a), str(b), *AE)
        == f"kp: {b}: document field 'number': AE-TWICE is also in {a}"
    )


def test_refused_by_the_contract(kp, write_document):
    path = write_document(number="AE-1")
    line = kp.refused("issue", str(path), "--dev", "2")
    assert line == f"kp: {path}: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC is a key of BW, not of AE"
    usage = kp.refused("issue", "missing.json", *AE)
    assert usage == "kp: Invalid value for 'FILE.json...': File 'missing.json' does not exist."  # one line


def test_a_crash_between_writing_the_issued_file_and_removing_the_pending_one(kp, write_document):
    path = write_document(number="AE-BETWEEN")
    kp.ok("issue", str(path), *AE)
    salts = json.loads((path.parent / "cert.issued.json").read_text())["salts"]
    pending_path(path).write_text(json.dumps({"salts": salts}))  # the pending file outlived the crash
    rows = kp.ok("issue", str(path), *AE, "--json").json()
    assert rows[0]["outcome"] == "already issued"
    assert not pending_path(path).exists()


def test_confirmations_on_the_local_node_are_refused_not_waited_for(kp, write_document):
    """The local node mines only on transactions: waiting for 3 blocks would never end."""
    line = kp.refused("issue", str(write_document()), *AE, "--confirmations", "3")
    assert "--confirmations: the local node mines a block only for a transaction" in line
    assert not (write_document().parent / "cert.issued.json").exists()
