"""Bad input, fuzzed: whatever a document file holds, parsing gives a Document or one clear line
naming the field (DocumentError), never another exception; and `kp issue` answers a bad file with
exit 2, that line, and nothing sent to the chain."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kp_py import Document, DocumentError
from kp_py.document import FIELDS, PAPER_FIELDS, PaperCertificate, Production
from kp_py.examples import example_paper
from tests.conftest import document_data

HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Values close to valid ones, where the validators' edges are.
near_values = st.sampled_from(
    [
        "", "AE", "ae", "A", "AE-", "AE-1", "BW-1", "0.00", "-1.00", "1.5", "99999999999999.99", "1e3",
        "7102.39", "2024-02-30", "2024-13-01", "2024-1-1", "0x" + "0" * 40, "0x1234", "CF/", "CF/ x",
        "\ud800", "\x00", "é" * 300, 0, -1, 2**32, 2**64, True, [], ["BW"] * 9,
        {"name": "", "address": ""}, {"name": "x"},
    ]
)  # fmt: skip


def check(data: object) -> None:
    try:
        document = Document.from_dict(data)
    except DocumentError as error:
        message = str(error)
        assert message.startswith("document field ") and "\n" not in message
        assert error.field in (*FIELDS, "(document)") or error.field.isprintable()
    else:
        assert isinstance(document, Document)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FIELDS), json_values | near_values)
def test_one_bad_field(field, value):
    check({**document_data(holder=HOLDER), field: value})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), json_values | near_values, max_size=14))
def test_arbitrary_objects(data):
    check(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(raw):
    with pytest.raises(DocumentError) as caught:
        Document.from_json(raw)
    assert "\n" not in str(caught.value)


# JSON that parses but must be refused before or while it is (audit issue 12, finding 5).
hostile_texts = st.one_of(
    st.integers(33, 5000).map(lambda n: "[" * n + "]" * n),
    st.integers(33, 5000).map(lambda n: '{"a":' * n + "0" + "}" * n),
    st.integers(79, 5000).map(lambda n: '{"parcels": -' + "9" * n + "}"),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]).map(lambda c: f'{{"parcels": {c}}}'),
    st.sampled_from(FIELDS).map(lambda f: json.dumps(document_data(holder=HOLDER))[:-1] + f', "{f}": null}}'),
)


@settings(max_examples=200, deadline=None)
@given(hostile_texts)
def test_hostile_json_is_refused_in_one_line(text):
    with pytest.raises(DocumentError) as caught:
        Document.from_json(text)
    assert caught.value.field == "(file)" and "\n" not in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}"\\,:0 a', max_size=300))
def test_brackets_and_quotes_in_any_order(text):
    """The depth scan counts brackets outside strings only; whatever the mix, one clear line."""
    try:
        Document.from_json(text)
    except DocumentError as error:
        assert "\n" not in str(error)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(FIELDS))
def test_a_missing_field_is_named(field):
    data = document_data(holder=HOLDER)
    del data[field]
    with pytest.raises(DocumentError) as caught:
        Document.from_dict(data)
    assert caught.value.field == field


@pytest.mark.anvil
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=near_values)
def test_the_cli_refuses_bad_documents_and_sends_nothing(kp, node_web3, tmp_path, field, value):
    data = {**document_data(holder=HOLDER, number="AE-FUZZ"), field: value}
    try:
        Document.from_dict(data)
        return  # this value happens to be valid here
    except DocumentError:
        pass
    path = tmp_path / "fuzz.json"
    path.write_text(
        json.dumps(data, ensure_ascii=False, allow_nan=False), encoding="utf-8", errors="surrogatepass"
    )
    block = node_web3.eth.block_number
    line = kp.refused("issue", str(path), "--dev", "1")
    assert line.startswith(f"kp: {path}: document field ")
    assert node_web3.eth.block_number == block  # nothing sent
    assert not (tmp_path / "fuzz.pending.json").exists()


@pytest.mark.anvil
def test_the_cli_refuses_a_huge_file(kp, node_web3, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({**document_data(holder=HOLDER), "padding": "x" * 2_000_000}))
    block = node_web3.eth.block_number
    assert "a certificate document is at most 1 MB" in kp.refused("issue", str(path), "--dev", "1")
    assert node_web3.eth.block_number == block


@pytest.mark.anvil
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"importing": "ZZ"}, "kp: ZZ is not in good standing (it is none)"),
        ({"origins": ["ZZ"]}, "kp: origin 'ZZ' is not CODE or CODE/zone of a KP participant"),
        (
            {"number": "TW-1", "exporting": "TW"},
            "kp: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is a key of AE, not of TW",
        ),
    ],
)
def test_unknown_codes_are_refused_before_anything_is_sent(kp, node_web3, tmp_path, changes, message):
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(document_data(holder=HOLDER, **changes)))
    block = node_web3.eth.block_number
    assert kp.refused("issue", str(path), "--dev", "1") == message.replace("kp: ", f"kp: {path}: ")  # named
    assert node_web3.eth.block_number == block  # simulated, refused, never sent


# The roots' parsers and a document's parents (issue 11), fuzzed the same way: every input is either
# valid or refused with one line naming the field; nothing else escapes.
def _one_line(parse, data: object) -> None:
    try:
        parse(data)
    except DocumentError as error:
        assert str(error).startswith("document field ") and "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PAPER_FIELDS), json_values | near_values)
def test_paper_certificates_one_bad_field(field, value):
    _one_line(PaperCertificate.from_dict, {**example_paper(), field: value})


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["lot", "origin", "carats", "from", "to"]), json_values | near_values)
def test_production_one_bad_field(field, value):
    good = {
        "lot": "JWANENG-2024-Q3",
        "origin": "BW/Jwaneng",
        "carats": "1.00",
        "from": "2024-07-01",
        "to": "2024-09-30",
    }
    _one_line(Production.from_dict, {**good, field: value})


parent_entries = st.dictionaries(
    st.sampled_from(["number", "production", "paper", "carats", "origins", "extra"]),
    json_values | near_values,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(parent_entries, max_size=3) | json_values)
def test_parents_of_any_shape(parents):
    _one_line(Document.from_dict, {**document_data(holder=HOLDER), "parents": parents})
