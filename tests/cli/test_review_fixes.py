"""Edges found in review: times that look like dates, inputs that must fail in one line (exit 2),
re-runs over folders holding kp's own files, resumable submission, secrets readable by their
owner only, and participant loads that finish an interrupted suspension."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone

import pytest

from kp_py.cli._types import parse_time
from tests.cli.conftest import AE, HOLDER
from tests.conftest import document_data

pytestmark = pytest.mark.anvil


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("20241120", datetime(2024, 11, 20, tzinfo=timezone.utc)),
        ("2024-11-20", datetime(2024, 11, 20, tzinfo=timezone.utc)),
        ("2024-11-20T10:00Z", datetime(2024, 11, 20, 10, tzinfo=timezone.utc)),
        ("1732060800", datetime(2024, 11, 20, tzinfo=timezone.utc)),
        ("@1732060800", datetime(2024, 11, 20, tzinfo=timezone.utc)),
    ],
)
def test_eight_digits_are_a_date_not_seconds(text, moment):
    assert parse_time(text) == int(moment.timestamp())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("participant", "admit", "ABC", "x"), "'ABC' is not a two-letter ISO 3166-1 code"),
        (("participant", "show", "z1"), "'z1' is not a two-letter ISO 3166-1 code"),
        (("list", "--exporting", "A1"), "'A1' is not a two-letter ISO 3166-1 code"),
        (("show", "ÄE-1"), "is not a certificate number"),
        (("verify", "AE-" + "1" * 40), "is not a certificate number"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(kp, args, fragment):
    line = kp.refused(*args)
    assert fragment in line and "\n" not in line


def test_an_expiry_past_2105_is_a_document_error(kp, write_document):
    line = kp.refused("issue", str(write_document(expires="9999-12-31")), *AE)
    assert "after 2105, the last year the chain can store" in line


def test_a_rerun_over_a_folder_with_generated_files(kp, tmp_path, write_document):
    write_document("a", number="AE-1")
    write_document("b", number="AE-2")
    kp.ok("issue", *sorted(map(str, tmp_path.glob("*.json"))), *AE)
    rows = kp.ok(
        "issue", *sorted(map(str, tmp_path.glob("*.json"))), *AE, "--json"
    ).json()  # *.issued.json too
    assert sorted((r["number"], r["outcome"]) for r in rows) == [
        ("AE-1", "already issued"),
        ("AE-2", "already issued"),
    ]
    for name in ("a.issued.json", "b.issued.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600  # salts: the owner's only


def test_inputs_sharing_an_output_are_refused(kp, tmp_path):
    for name in ("c.json", "c.txt"):
        (tmp_path / name).write_text(
            json.dumps(document_data(holder=HOLDER.address, number=f"AE-{name[-3:].upper()}"))
        )
    assert "would both be issued to" in kp.refused(
        "issue", str(tmp_path / "c.json"), str(tmp_path / "c.txt"), *AE
    )


def test_submit_recovers_and_sign_keeps_its_salts(kp, tmp_path, write_document, node_web3):
    path = write_document(number="AE-SUB-1")
    kp.ok("sign", "issue", str(path), *AE)
    assert "exists: it may already be submitted" in kp.refused("sign", "issue", str(path), *AE)
    signed = tmp_path / "cert.signed.json"
    kp.ok("submit", str(signed), "--dev", "7")
    (tmp_path / "cert.issued.json").unlink()  # the crash came before the file was written
    block = node_web3.eth.block_number
    rows = kp.ok("submit", str(signed), "--dev", "7", "--json").json()
    assert rows[0]["outcome"] == "recovered" and node_web3.eth.block_number == block  # nothing sent
    assert (tmp_path / "cert.issued.json").exists()


def test_load_finishes_an_interrupted_suspension(kp, tmp_path, decide):
    decide(kp.ok("participant", "admit", "XA", "Atlantis", "--json").json())  # a run stopped after it
    path = tmp_path / "more.csv"
    path.write_text("code,name,status\nXA,Atlantis,suspended\nXB,Lemuria\n")  # no status: active
    loaded = kp.ok("participant", "load", str(path), "--json").json()
    assert loaded["proposed"] == ["XB"]
    decide(loaded["proposal"])
    assert kp.ok("participant", "show", "XA", "--json").json()["standing"] == "suspended"
    assert kp.ok("participant", "show", "XB", "--json").json()["standing"] == "admitted"


def test_keystores_are_the_owners_only(kp):
    env = {"KP_PASSWORD": "pw"}
    created = kp.ok("account", "new", "officer", "--json", env=env).json()
    from pathlib import Path

    try:
        assert stat.S_IMODE(Path(created["path"]).stat().st_mode) == 0o600
        assert "needs a password" in kp.refused("account", "new", "other", env={"KP_PASSWORD": ""})
    finally:
        Path(created["path"]).unlink()  # the home is shared by the tests of this process
