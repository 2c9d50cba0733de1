"""Roots of provenance: where the chain of custody of every carat starts.

Every certificate draws its carats from parents, and following parents back always ends at a root:

* **production**, registered on chain by an authority of the producing participant (its origin, the
  carats, the period and a lot such as ``JWANENG-2024-Q3``), drawn on by its first exports;
* **a paper KP certificate**, registered on receipt by an authority of the importing participant
  (its number, exporter, origins and figures), drawn on by its re-exports: how rough that arrived on
  paper enters the digital system, while most of the world still trades on paper.

A :class:`Root` reads like a certificate where the two share a meaning (``number``, ``origins``,
``carats``, ``drawn``, ``status``, ``issuer``, ``issued_at``, ``exporting``, ``importing``,
``parents``), so provenance walks one graph of both.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from kp_py._text import hundredths, iso, kind_of, record_name


@dataclass(frozen=True)
class Root:
    """A registered root as the chain has it: its record and its registration event."""

    number: str  # its id: "BW#JWANENG-2024-Q3" or "AE:ZA-2024-012345"
    kind: str  # "production" or "paper"
    reference: str  # the production lot, or the paper certificate's number
    exporting: str  # the producer, or the paper certificate's exporting participant
    importing: str  # the participant that registered it and alone can draw on it
    origins: tuple[str, ...]
    carats: int  # hundredths of a carat
    drawn: int  # hundredths of a carat certificates drew from it
    status: str  # "registered" or "voided"
    issuer: str  # the registering authority key
    issuer_valid_at_issue: bool  # whether that key was valid when it registered
    issued_at: datetime | str  # when it was registered
    start: datetime | str  # production: start of the period; paper: its date of issue
    end: datetime | str  # production: end of the period; paper: its date of expiry
    value_usd: int  # paper only: US cents
    parcels: int  # paper only
    hs_code: str  # paper only: "7102.31"; production: ""
    block: int
    transaction: str
    parents: tuple[Any, ...] = ()  # a root draws on nothing

    @property
    def name(self) -> str:
        """``production BW JWANENG-2024-Q3`` or ``paper certificate ZA-2024-012345 registered by AE``."""
        return record_name(self.number)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as decimal strings, times as ISO 8601."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("carats", "drawn", "value_usd"):
                value = hundredths(value)
            elif isinstance(value, datetime):
                value = iso(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[item.name] = value
        out["name"] = self.name
        return out


def is_root(number: str) -> bool:
    """Whether ``number`` is a root's id rather than a certificate number."""
    return kind_of(number) != "certificate"


__all__ = ["Root", "is_root"]
