"""Records as JSON: the hand-written ``Listed.to_dict`` (fast, for ``kp list --json`` over hundreds of
thousands) says exactly what the general ``record_json`` says."""

from __future__ import annotations

from datetime import datetime

import pytest

from kp_py.records import Listed, record_json


@pytest.mark.parametrize("expires_at", [1_767_225_600, 2**40 - 1], ids=["a day", "no end"])
def test_listed_to_dict_is_record_json(expires_at):
    listed = Listed(
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
    assert listed.to_dict() == record_json(listed)
    assert list(listed.to_dict()) == list(record_json(listed))
