"""How amounts, times and draws read in kp's output: one form everywhere (tables, JSON, the PDF,
the page, error messages); and text from the chain or a file made safe to show a person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
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


def iso(moment: datetime | str) -> str:
    """A time as ``2024-11-29 10:00:00``; texts such as "no end" pass through."""
    return moment.isoformat(" ") if isinstance(moment, datetime) else moment


def drawn_from(parents: Iterable[_Draw]) -> str:
    """The certificates a re-export drew on: ``BW-1 (600.00 ct), ZA-1 (400.00 ct)``."""
    drawn = ", ".join(f"{p.number} ({hundredths(p.carats)} ct)" for p in parents)
    return drawn or "none: a first export of the exporter's own rough"


def printable(text: str) -> str:
    """``text`` as a person may be shown it: each control or bidi override replaced by U+FFFD, so a
    participant's name cannot retitle a terminal, reverse a line or forge one. JSON keeps the exact
    text (it escapes it)."""
    return _CONTROL.sub(REPLACEMENT, text)
