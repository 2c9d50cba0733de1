"""An example certificate document: the Dubai-to-Gaborone shipment of the demo, the README, the
benchmarks and the tests, and the template `kp template` prints for a newcomer to edit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def example_document(holder: str, **changes: Any) -> dict[str, Any]:
    """A valid AE -> BW certificate document issued today for 60 days, with ``changes`` applied.
    Its origin is the exporter's own unless ``changes`` says otherwise: with no parents, a
    certificate is a first export of the exporter's own rough."""
    today = date.today()
    data: dict[str, Any] = {
        "number": "AE-2024-000123",
        "exporting": "AE",
        "importing": "BW",
        "origins": [changes.get("exporting", "AE")],
        "exporter": {"name": "Gulf Rough Trading DMCC", "address": "Almas Tower, Dubai"},
        "importer": {"name": "Okavango Diamond Company", "address": "Plot 63, Gaborone"},
        "carats": "1250.50",
        "value_usd": "3125000.00",
        "parcels": 3,
        "hs_code": "7102.31",
        "issued": today.isoformat(),
        "expires": (today + timedelta(days=60)).isoformat(),
        "holder": holder,
    }
    data.update(changes)
    return data
