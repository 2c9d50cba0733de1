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
    exporting, importing = changes.get("exporting", "AE"), changes.get("importing", "BW")
    data: dict[str, Any] = {
        "number": "AE-2024-000123",
        "exporting": "AE",
        "importing": "BW",
        "origins": [changes.get("exporting", "AE")],
        "exporter": party(exporting),
        "importer": party(importing),
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


# Traders of the example shipment; a participant without one gets a placeholder to fill in.
TRADERS = {
    "AE": {"name": "Gulf Rough Trading DMCC", "address": "Almas Tower, Dubai"},
    "BW": {"name": "Okavango Diamond Company", "address": "Plot 63, Gaborone"},
}


def party(code: str) -> dict[str, str]:
    """An example exporter or importer in participant ``code``."""
    return dict(
        TRADERS.get(code, {"name": f"Example Rough Trading ({code})", "address": f"Street, City, {code}"})
    )


EXAMPLE_PAPER = "ZA-2024-012345"


def example_paper(importing: str = "AE", **changes: Any) -> dict[str, Any]:
    """A paper KP certificate from South Africa received by ``importing`` this week, as its authority
    registers it on receipt (``kp paper register``): the rough a hub re-exports in the template
    certificate."""
    data: dict[str, Any] = {
        "number": EXAMPLE_PAPER,
        "importing": importing,
        "origins": ["ZA"],
        "carats": "1250.50",
        "value_usd": "2900000.00",
        "parcels": 3,
        "hs_code": "7102.31",
        "issued": (date.today() - timedelta(days=5)).isoformat(),
        "expires": (date.today() + timedelta(days=55)).isoformat(),
    }
    data.update(changes)
    return data


def example_re_export(holder: str, **changes: Any) -> dict[str, Any]:
    """The template certificate: the example paper certificate's rough, re-exported by the hub that
    registered it (its origins are the paper's: origins follow the rough)."""
    number = changes.get("number", "AE-2024-000123")
    paper = example_paper(importing=number[:2])
    importing = "BW" if number[:2] != "BW" else "AE"
    data = example_document(
        holder,
        exporting=number[:2],
        importing=importing,
        origins=paper["origins"],
        parents=[{"paper": paper["number"]}],
    )
    data.update(changes)
    return data
