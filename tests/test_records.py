"""Records as JSON: the hand-written ``Listed.to_dict`` (fast, for ``kp list --json`` over hundreds of
thousands) says exactly what the general ``record_json`` says, and so does the row the index keeps
without its status once its status is put back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from kp_py._codes import STATUSES
from kp_py.records import Listed, listed_json, record_json, with_status


def listed_certificate(expires_at: int) -> Listed:
    return Listed(
        number="AE-2024-000123",
        token_id=123456789,
        status="receipt confirmed",
        exporting="AE",
        importing="BW",
        holder="0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        issuer="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        origins=("AE", "BW"),
        carats=125050,
        value_usd=312500000,
        parcels=3,
        hs_code="7102.31",
        expires_at=expires_at,
        block=42,
        transaction="0x" + "ab" * 32,
        issued_at=datetime(2024, 11, 29, 10, 0, 0),
    )


@pytest.mark.parametrize("expires_at", [1_767_225_600, 2**40 - 1], ids=["a day", "no end"])
def test_listed_to_dict_is_record_json(expires_at):
    listed = listed_certificate(expires_at)
    assert listed.to_dict() == record_json(listed)
    assert list(listed.to_dict()) == list(record_json(listed))


@pytest.mark.parametrize("status", STATUSES[1:])
def test_the_kept_row_with_its_status_is_the_listed_certificates_json(status):
    listed = listed_certificate(1_767_225_600)
    kept = listed_json(listed)
    assert "status" not in json.loads(kept)
    assert json.loads(with_status(kept, status)) == replace(listed, status=status).to_dict()
