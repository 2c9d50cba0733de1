"""kp_py.document: validation at the edge, canonical form, salted commitment."""

import json

import pytest
from eth_utils import keccak

from kp_py import Document, DocumentError
from kp_py.document import commitment, leaf, leaves, new_salts
from tests.conftest import document_data

HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def valid(**changes):
    return document_data(**{"holder": HOLDER, **changes})


def test_a_valid_document_parses_into_integers_and_dates():
    document = Document.from_json(json.dumps(valid(carats="0012.05", holder=HOLDER.lower())))
    assert (document.carats, document.value_usd, document.parcels) == (1205, 312500000, 3)
    assert document.holder == HOLDER  # checksummed
    assert document.canonical()["carats"] == "12.05"
    assert document.token_id == int.from_bytes(b"AE-2024-000123".ljust(32, b"\0"), "big")


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"number": "BW-2024-1"}, "number", "must start with the exporting code AE-"),
        ({"number": "AE 2024"}, "number", "is not CC-..."),
        ({"number": "AE-" + "1" * 30}, "number", "is not CC-..."),
        ({"number": 12}, "number", "must be a string, not an integer"),
        ({"exporting": "ae"}, "exporting", "not a two-letter"),
        ({"importing": "AE"}, "importing", "must differ"),
        ({"origins": []}, "origins", "1 to 8"),
        ({"origins": "BW"}, "origins", "must be a list"),
        ({"origins": ["BW", "BW"]}, "origins", "twice"),
        ({"origins": ["bw"]}, "origins", "is not CODE or CODE/zone"),
        ({"origins": ["CF/" + "x" * 30]}, "origins", "is not CODE or CODE/zone"),
        ({"exporter": {"name": "X"}}, "exporter", "exactly 'name' and 'address'"),
        ({"importer": {"name": " ", "address": "A"}}, "importer", "name must be a non-empty string"),
        ({"carats": "12.5"}, "carats", "2 places"),
        ({"carats": 12.5}, "carats", "2 places"),
        ({"carats": "-1.00"}, "carats", "2 places"),
        ({"carats": "0.00"}, "carats", "more than 0.00"),
        ({"carats": "99999999999.99"}, "carats", "more than the largest amount"),
        ({"value_usd": "1e6"}, "value_usd", "2 places"),
        ({"parcels": 0}, "parcels", "between 1 and"),
        ({"parcels": True}, "parcels", "must be an integer, not a boolean"),
        ({"parcels": "3"}, "parcels", "must be an integer, not a string"),
        ({"hs_code": "7102.39"}, "hs_code", "not a rough-diamond code"),
        ({"issued": "20/11/2024"}, "issued", "not a date"),
        ({"expires": "2024-11-20", "issued": "2024-11-20"}, "expires", "is not after the issue date"),
        ({"holder": "0x1234"}, "holder", "not a 0x wallet address"),
        ({"holder": "0x70997970c51812dc3a010c7d01b50e0d17dc79C8"}, "holder", "wrong EIP-55 checksum"),
        ({"holder": "0x" + "00" * 20}, "holder", "zero address"),
        ({"colour": "D"}, "colour", "is not a certificate field"),
    ],
)
def test_bad_fields_are_named_in_one_line(changes, field, fragment):
    with pytest.raises(DocumentError) as caught:
        Document.from_dict(valid(**changes))
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_field_is_named():
    data = valid()
    del data["parcels"]
    with pytest.raises(DocumentError, match="'parcels': is missing"):
        Document.from_dict(data)


@pytest.mark.parametrize(
    ("text", "fragment"), [(b"{", "not JSON"), (b"\xff\xfe", "not UTF-8"), (b"[]", "must be a JSON object")]
)
def test_unreadable_files(text, fragment):
    with pytest.raises(DocumentError, match=fragment):
        Document.from_json(text)


def test_document_error_is_a_value_error():
    assert issubclass(DocumentError, ValueError)


def test_salts_hide_the_names():
    """Two commitments to the same document differ, so a guessed name cannot be confirmed."""
    document = Document.from_dict(valid())
    assert commitment(document, new_salts()) != commitment(document, new_salts())


def test_every_field_is_committed():
    salts = new_salts()
    base = Document.from_dict(valid())
    changed = {
        "exporter": {"name": "Someone Else", "address": "Almas Tower, Dubai"},
        "carats": "1250.51",
        "issued": "2024-11-21",
        "origins": ["BW", "ZA"],
    }
    for field, value in changed.items():
        other = Document.from_dict(valid(**{field: value}))
        differing = [f for f, v in leaves(other, salts).items() if v != leaves(base, salts)[f]]
        assert differing == [field]
        assert commitment(other, salts) != commitment(base, salts)


@pytest.mark.parametrize(
    ("field", "value", "jcs"),
    [
        ("parcels", 70000, r'["parcels",70000]'),
        ("origins", ["BW", "CF/Berberati"], r'["origins",["BW","CF/Berberati"]]'),
        (
            "exporter",
            {"name": 'Société "Ngoy"\u0001\t💎', "address": "Rue 1/2 \\ B"},
            r'["exporter",{"address":"Rue 1/2 \\ B","name":"Société \"Ngoy\"\u0001\t💎"}]',
        ),
    ],
    ids=["integer", "list", "object"],
)
def test_a_leaf_hashes_the_jcs_bytes_rfc_8785_prescribes(field, value, jcs):
    """Written by hand from the RFC, not by an implementation: no whitespace, keys sorted, UTF-8 as
    is, only the quote, the backslash and controls escaped (lowercase ``\\u00xx`` but for the short
    forms), ``/`` not escaped. docs/test-vectors checks whole documents."""
    salt = bytes(range(32))
    assert leaf(field, value, salt) == keccak(salt + jcs.encode())


def test_a_lone_surrogate_is_refused():
    with pytest.raises(DocumentError, match="not valid Unicode text"):
        Document.from_dict(valid(exporter={"name": "\ud800", "address": "x"}))
