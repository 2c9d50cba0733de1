"""How amounts, times and draws read in kp's output: one form everywhere (tables, JSON, the PDF,
the page, error messages); and text from the chain or a file made safe to show a person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

# What a terminal, a PDF viewer or a browser would act on rather than show: C0 controls (escape,
# bell, line breaks), DEL, C1 controls (a one-byte CSI), the bidirectional embeddings, overrides and
# isolates that reorder what follows, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


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


def day(moment: datetime | str) -> str:
    """A time's date, ``2024-07-01``; texts pass through cut to ten characters."""
    return moment.date().isoformat() if isinstance(moment, datetime) else moment[:10]


def last_day(end: datetime | str) -> str:
    """The last day of a period that ends (exclusive) at ``end``: the chain keeps the end of a day."""
    return day(end - timedelta(seconds=1)) if isinstance(end, datetime) else end


def iso(moment: datetime | str) -> str:
    """A time as ``2024-11-29 10:00:00``; texts such as "no end" pass through."""
    return moment.isoformat(" ") if isinstance(moment, datetime) else moment


# Roots, where the chain of custody starts, are named by an id like a certificate number: their
# participant, a kind character, their lot or paper number (IKPCertificates): "BW#JWANENG-2024-Q3" is
# Botswana's registered production JWANENG-2024-Q3; "AE:ZA-2024-012345" is paper certificate
# ZA-2024-012345, registered by the UAE on receipt. A certificate number has "-" third instead.
PRODUCTION = "#"
PAPER = ":"


def production_id(producer: str, lot: str) -> str:
    return f"{producer}{PRODUCTION}{lot}"


def paper_id(importer: str, number: str) -> str:
    return f"{importer}{PAPER}{number}"


def kind_of(number: str) -> str:
    """``"certificate"``, ``"production"`` or ``"paper"``: what an id in the provenance graph names."""
    return {PRODUCTION: "production", PAPER: "paper"}.get(number[2:3], "certificate")


def record_name(number: str) -> str:
    """How an id reads: ``production BW JWANENG-2024-Q3``, ``paper certificate ZA-2024-012345
    registered by AE``; a certificate number as it is."""
    kind = kind_of(number)
    if kind == "production":
        return f"production {number[:2]} {number[3:]}"
    if kind == "paper":
        return f"paper certificate {number[3:]} registered by {number[:2]}"
    return number


def drawn_from(parents: Iterable[_Draw]) -> str:
    """Where a certificate's rough was drawn from: ``BW-1 (600.00 ct), production BW JW-24
    (400.00 ct)``."""
    drawn = ", ".join(f"{record_name(p.number)} ({hundredths(p.carats)} ct)" for p in parents)
    return drawn or "none"


def printable(text: str) -> str:
    """``text`` as a person may be shown it: each control or bidi override replaced by U+FFFD, so a
    participant's name cannot retitle a terminal, reverse a line or forge one. JSON keeps the exact
    text (it escapes it)."""
    return _CONTROL.sub(REPLACEMENT, text)
