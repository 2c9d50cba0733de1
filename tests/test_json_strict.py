"""Hostile JSON, read by the library: every reader of JSON from a user or a file refuses deep
nesting, huge integers, NaN and Infinity, and duplicate keys with one line naming the problem,
before the parser can exhaust the stack. Audit issue 12, finding 5."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kp_py import Document, DocumentError, IssuedDocument, KPError
from kp_py._json import MAX_DEPTH, loads_strict
from kp_py.files import read_document
from kp_py.offline import SignedConfirmation, SignedIssue
from tests.conftest import document_data

HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
GOOD = json.dumps(document_data(holder=HOLDER))


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# Each hostile shape of a document, and the problem the refusal names.
HOSTILE = {
    "deep list": ("[" * 3000 + "]" * 3000, "nests deeper than 32 levels"),
    "deep object": ('{"a":' * 3000 + "1" + "}" * 3000, "nests deeper than 32 levels"),
    "200 kB of nesting": ("[" * 100_000 + "]" * 100_000, "nests deeper than 32 levels"),
    "huge integer": (_with(GOOD, '"parcels": 3', '"parcels": ' + "9" * 5000), "integer of 5,000 digits"),
    "integer past uint256": (_with(GOOD, '"parcels": 3', '"parcels": ' + "1" * 79), "integer of 79 digits"),
    "NaN": (_with(GOOD, '"parcels": 3', '"parcels": NaN'), "NaN is not a JSON number"),
    "Infinity": (_with(GOOD, '"parcels": 3', '"parcels": -Infinity'), "-Infinity is not a JSON number"),
    "float overflow": (_with(GOOD, '"parcels": 3', '"parcels": 1e999'), "1e999 is out of range"),
    "duplicate key": (
        _with(GOOD, '"carats": "1250.50"', '"carats": "1.00", "carats": "1250.50"'),
        "key 'carats' is given twice",
    ),
    "too large": (GOOD[:-1] + ', "padding": "' + "x" * 1_100_000 + '"}', "at most 1 MB"),
}


@pytest.fixture(params=sorted(HOSTILE))
def hostile(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A hostile document text and the problem its refusal must name."""
    return HOSTILE[request.param]


def test_a_document_refuses_it_in_one_line(hostile):
    text, problem = hostile
    with pytest.raises(DocumentError) as caught:
        Document.from_json(text)
    assert problem in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.field == "(file)"


def test_a_document_file_refuses_it_naming_the_file(hostile, tmp_path):
    text, problem = hostile
    path = tmp_path / "cert.json"
    path.write_text(text)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value)


def _issued(document: str) -> str:
    """An issued document file around a document's text (the hostile part stays as written)."""
    salts = json.dumps({f: "0x" + "00" * 32 for f in json.loads(GOOD)})
    return (
        f'{{"kp": "issued-document/v1", "salts": {salts}, "chain_id": 31337, "contract": "0x{"1" * 40}",'
        f' "token_id": "1", "transaction": "0x", "document": {document}}}'
    )


@pytest.mark.parametrize("name", ["deep list", "huge integer", "NaN", "duplicate key"])
def test_an_issued_document_refuses_it(name):
    text, problem = HOSTILE[name]
    with pytest.raises(DocumentError, match=problem):
        IssuedDocument.from_json(_issued(text))


@pytest.mark.parametrize("reader", [SignedIssue.from_json, SignedConfirmation.from_json])
@pytest.mark.parametrize("name", ["deep list", "huge integer", "Infinity", "duplicate key"])
def test_a_signed_file_refuses_it(reader, name):
    text, problem = HOSTILE[name]
    with pytest.raises(KPError, match=problem) as caught:
        reader(text)
    assert "\n" not in str(caught.value)


def test_a_duplicate_key_anywhere_is_named():
    with pytest.raises(DocumentError, match="key 'name' is given twice"):
        loads_strict('{"exporter": {"name": "a", "name": "b"}}')


def test_nesting_is_counted_outside_strings_only():
    inside = json.dumps({"a": "[" * 1000 + "{" * 1000 + '\\"' + "]" * 5})
    assert loads_strict(inside) == json.loads(inside)
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_strict(deepest) == json.loads(deepest)
    with pytest.raises(DocumentError, match="nests deeper than 32 levels"):
        loads_strict("[" + deepest + "]")


def test_bad_text_is_still_named():
    with pytest.raises(DocumentError, match="not JSON: Expecting value at line 1"):
        loads_strict("not json")
    with pytest.raises(DocumentError, match="not UTF-8 text"):
        loads_strict(b"\xff\xfe\x00")


def test_a_process_that_imported_py_evm_does_not_crash(tmp_path: Path):
    """py-evm raises the recursion limit to 100,000: a 200 kB nested document used to crash the
    interpreter (SIGSEGV) in the parser. Run in a subprocess so that a crash shows as one."""
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code = (
        "import sys, eth; from kp_py import Document, DocumentError\n"
        "assert sys.getrecursionlimit() >= 100_000\n"
        "try:\n    Document.from_json(open(sys.argv[1]).read())\n"
        "except DocumentError as error:\n    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "document field '(file)': nests deeper than 32 levels"
