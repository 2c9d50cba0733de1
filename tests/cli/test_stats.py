"""`kp stats`: figures per participant, period, direction, partner and HS code, checked against a
known set of certificates issued in two quarters (one voided, which counts for nothing)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kp_py.stats import period_of
from tests.cli.conftest import AE, BW, HOLDER
from tests.conftest import document_data

pytestmark = pytest.mark.anvil


def issue(kp, tmp_path, name, key, **changes):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document_data(holder=HOLDER.address, number=name, **changes)))
    kp.ok("issue", str(path), *key)
    return kp.ok("show", name, "--json").json()


def test_statistics_of_a_known_set(kp, tmp_path, advance):
    from datetime import datetime

    first = issue(kp, tmp_path, "AE-S-1", AE)  # AE -> BW, 7102.31, 1250.50 ct, US$ 3,125,000.00
    issue(kp, tmp_path, "AE-S-2", AE, hs_code="7102.10", carats="10.00", value_usd="100.00")
    issue(kp, tmp_path, "AE-S-3", AE, carats="7.00", value_usd="7.00")
    kp.ok("void", "AE-S-3", "--reason", "cancelled", *AE)
    advance(100 * 86_400)  # into the next quarter
    later = {"expires": "2099-01-01"}
    second = issue(
        kp,
        tmp_path,
        "AE-S-4",
        AE,
        importing="EU",
        hs_code="7102.21",
        carats="5.00",
        value_usd="50.00",
        **later,
    )
    issue(
        kp, tmp_path, "BW-S-5", BW, exporting="BW", importing="AE", carats="1.25", value_usd="1.50", **later
    )
    q1 = period_of(datetime.fromisoformat(first["issued_at"]), "quarter")
    q2 = period_of(datetime.fromisoformat(second["issued_at"]), "quarter")
    assert q1 != q2

    rows = kp.ok("stats", "--json").json()
    table = {(r["participant"], r["period"], r["direction"], r["partner"], r["hs_code"]): r for r in rows}
    expected = {
        ("AE", q1, "export", "BW", "7102.10"): (1, "10.00", "100.00"),
        ("AE", q1, "export", "BW", "7102.31"): (1, "1250.50", "3125000.00"),
        ("BW", q1, "import", "AE", "7102.10"): (1, "10.00", "100.00"),
        ("BW", q1, "import", "AE", "7102.31"): (1, "1250.50", "3125000.00"),
        ("AE", q2, "export", "EU", "7102.21"): (1, "5.00", "50.00"),
        ("EU", q2, "import", "AE", "7102.21"): (1, "5.00", "50.00"),
        ("BW", q2, "export", "AE", "7102.31"): (1, "1.25", "1.50"),
        ("AE", q2, "import", "BW", "7102.31"): (1, "1.25", "1.50"),
    }
    assert {key: (r["certificates"], r["carats"], r["value_usd"]) for key, r in table.items()} == expected

    years = kp.ok("stats", "--period", "year", "--participant", "AE", "--json").json()
    assert all(r["participant"] == "AE" for r in years)
    exported = sum(float(r["carats"]) for r in years if r["direction"] == "export")
    assert exported == pytest.approx(1265.50)

    out, png = tmp_path / "stats.csv", tmp_path / "stats.png"
    kp.ok("stats", "--csv", str(out), "--chart", str(png))
    parsed = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(parsed) == len(expected) and parsed[0].keys() >= {
        "participant",
        "period",
        "carats",
        "value_usd",
    }
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000


def test_bad_period(kp):
    assert "Invalid value for '--period'" in kp.refused("stats", "--period", "month")
