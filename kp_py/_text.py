"""How amounts, times and draws read in kp's output: one form everywhere (tables, JSON, the PDF,
the page, error messages)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class _Draw(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def carats(self) -> int: ...


def hundredths(value: int) -> str:
    """Carats in hundredths (or US cents) as a decimal: ``125050`` reads ``1250.50``."""
    return f"{value // 100}.{value % 100:02d}"


def usd(cents: int) -> str:
    """US cents with thousands grouped: ``312500000`` reads ``3,125,000.00``."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def iso(moment: datetime | str) -> str:
    """A time as ``2024-11-29 10:00:00``; texts such as "no end" pass through."""
    return moment.isoformat(" ") if isinstance(moment, datetime) else moment


def drawn_from(parents: Iterable[_Draw]) -> str:
    """The certificates a re-export drew on: ``BW-1 (600.00 ct), ZA-1 (400.00 ct)``."""
    drawn = ", ".join(f"{p.number} ({hundredths(p.carats)} ct)" for p in parents)
    return drawn or "none: a first export of the exporter's own rough"
