"""KP statistics from the certificate events: per participant and period (quarter or year),
certificates, carats and US$ value exported and imported, per HS code and per partner, as the
scheme's participants report them. Voided certificates are left out (they certify no trade)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kp_py._text import hundredths
from kp_py.errors import KPError
from kp_py.records import Listed

PERIODS = ("quarter", "year")


@dataclass(frozen=True)
class Row:
    """Trade of one participant with one partner, in one period, direction and HS code."""

    participant: str
    period: str
    direction: str  # "export" or "import"
    partner: str
    hs_code: str
    certificates: int
    carats: int  # hundredths
    value_usd: int  # cents

    def to_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "period": self.period,
            "direction": self.direction,
            "partner": self.partner,
            "hs_code": self.hs_code,
            "certificates": self.certificates,
            "carats": hundredths(self.carats),
            "value_usd": hundredths(self.value_usd),
        }


def period_of(moment: datetime | str, period: str) -> str:
    """``2024-Q4`` or ``2024``."""
    if not isinstance(moment, datetime):
        raise KPError(f"no issue time for a certificate ({moment})")
    if period == "year":
        return str(moment.year)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


# Trade summed per route: (exporting, importing, HS code, period) -> [certificates, carats, value].
Totals = dict[tuple[str, str, str, str], list[int]]


def statistics(
    certificates: Iterable[Listed],
    period: str = "quarter",
    participant: str | None = None,
    summed: Totals | None = None,
) -> list[Row]:
    """Aggregate listed certificates; ``participant`` keeps only that participant's rows;
    ``summed``: more trade already summed by route, in the same periods (an index's SQL sums)."""
    if period not in PERIODS:
        raise KPError(f"period {period!r} is not one of: {', '.join(PERIODS)}")
    routes: Totals = defaultdict(lambda: [0, 0, 0])
    for key, values in (summed or {}).items():
        routes[key] = list(values)
    for cert in certificates:
        if cert.status == "voided":
            continue
        route = routes[(cert.exporting, cert.importing, cert.hs_code, period_of(cert.issued_at, period))]
        route[0] += 1
        route[1] += cert.carats
        route[2] += cert.value_usd
    totals: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (exporting, importing, hs_code, when), values in routes.items():
        for who, direction, partner in ((exporting, "export", importing), (importing, "import", exporting)):
            total = totals[(who, when, direction, partner, hs_code)]
            for i in range(3):
                total[i] += values[i]
    rows = [Row(*key, *values) for key, values in sorted(totals.items())]
    return [row for row in rows if participant is None or row.participant == participant]


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(Row.__dataclass_fields__), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.to_dict())
    return out.getvalue()


CHART_FORMATS = ("png", "svg", "pdf")


def chart(rows: list[Row], path: Path) -> None:
    """A bar chart of carats exported and imported per participant and period, in the format its
    name says: ``.png``, ``.svg`` or ``.pdf``."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in CHART_FORMATS:
        raise KPError(f"--chart {path}: name a .png, .svg or .pdf file")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise KPError("charts need matplotlib: pip install 'kp-certificates[charts]'") from None
    sums: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"export": 0.0, "import": 0.0})
    for row in rows:
        sums[(row.participant, row.period)][row.direction] += row.carats / 100
    labels = [f"{who} {when}" for who, when in sums]
    exports = [value["export"] for value in sums.values()]
    imports = [value["import"] for value in sums.values()]
    figure, axes = plt.subplots(figsize=(max(6, len(labels) * 0.8), 4))
    positions = range(len(labels))
    axes.bar([p - 0.2 for p in positions], exports, width=0.4, label="exported", color="#1f5f9a")
    axes.bar([p + 0.2 for p in positions], imports, width=0.4, label="imported", color="#1f7a3a")
    axes.set_xticks(list(positions), labels, rotation=45, ha="right")
    axes.set_ylabel("carats")
    axes.set_title("Kimberley Process certificates:\ncarats by participant and period")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, format=kind, dpi=100)
    plt.close(figure)
