"""Provenance: where a certificate's rough comes from, back to the roots where custody starts.

The chain enforces the rules at issue (a parent is held by the exporter, carats are conserved,
origins follow the carats); this module reads what they built. Each certificate's parents come from
its ``CaratsDrawn`` events, so the whole ancestry is read level by level, one query per level.
Following parents always ends at roots (:mod:`kp_py.roots`): registered production, or a paper
certificate registered on receipt. Three things can break a provenance after the fact, each
reported as a warning naming the ancestor: an ancestor (certificate or root) voided later, one
issued or registered by a key disabled retroactively, and a receipt confirmed by a key disabled
from a time at or before the confirmation (a stolen importer key can confirm what never arrived).

The origin mix is the share of a certificate's carats per origin, assuming each parcel's rough
was mixed evenly: what a certificate draws from a parent carries the parent's mix, and a root's
carats are its origins' (a paper certificate listing several countries is one share, ``BW+ZA``: the
paper does not say how they split). The origins a certificate lists on chain are exactly those of
its roots, by the contract's rule; :attr:`ProvenanceStatus.origins` is the set computed from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from kp_py._codes import number_to_token_id
from kp_py._text import day, hundredths, iso, last_day, record_name
from kp_py.errors import KPError
from kp_py.roots import Root

if TYPE_CHECKING:
    from kp_py.records import Certificate

Record = Union["Certificate", Root]
Fetch = Callable[[Sequence[int]], "list[Certificate | Root | None]"]
MAX_SHOWN = 500  # certificates a trace shows in full; the rest are counted (the page stays small)
MAX_ROOTS_SHOWN = 20  # roots a headline names; the rest are counted


@dataclass(frozen=True)
class Confirmation:
    """Who confirmed an ancestor's receipt, when, and until when that key is valid now."""

    authority: str
    at: datetime | str
    key_valid_until: datetime | str


@dataclass(frozen=True)
class ProvenanceStatus:
    """Whether a certificate's ancestry is intact back to its roots, and what breaks it."""

    complete: bool
    roots: tuple[str, ...]  # where custody starts, as people read it (see :func:`custody`)
    warnings: tuple[str, ...]  # one sentence per broken ancestor
    origin_mix: Mapping[str, Fraction]  # share of carats per origin country (or group, BW+ZA)
    origins: tuple[str, ...] = ()  # the union of its roots' origins: those it lists on chain

    def summary(self) -> str:
        return f"{self.headline()}; origin mix {format_mix(self.origin_mix)}"

    def headline(self) -> str:
        """Complete or broken, and where the chain of custody ends, without the origin mix."""
        if not self.complete:
            return f"provenance broken ({len(self.warnings)} ancestor(s) no longer valid)"
        shown = "; ".join(self.roots[:MAX_ROOTS_SHOWN])
        more = len(self.roots) - MAX_ROOTS_SHOWN
        return f"provenance complete back to: {shown}" + (f"; and {more} more roots" if more > 0 else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "complete" if self.complete else "broken",
            "roots": list(self.roots),
            "warnings": list(self.warnings),
            "origins": list(self.origins),
            "origin_mix": {country: _share(share) for country, share in self.origin_mix.items()},
        }


@dataclass(frozen=True)
class Trace:
    """A certificate's provenance graph: every certificate and root in it by number, when each
    receipt was confirmed, and the provenance status of the certificate traced."""

    number: str
    certificates: Mapping[str, Record]
    confirmed_at: Mapping[str, datetime | str]
    status: ProvenanceStatus
    _mixes: dict[str, dict[str, Fraction]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def order(self) -> list[str]:
        """Every number in the graph once, the certificate first, each before its parents
        (depth first, parents in the order drawn): linear in the graph's size, never recursive."""
        seen, order, stack = set(), [], [self.number]
        while stack:
            number = stack.pop()
            if number in seen:
                continue
            seen.add(number)
            order.append(number)
            stack += [p.number for p in reversed(self.certificates[number].parents) if p.number not in seen]
        return order

    def to_dict(self) -> dict[str, Any]:
        """The graph as a flat list, each certificate or root once, naming its parents by number:
        a shared ancestor is written once however many paths lead to it."""
        return {
            "number": self.number,
            "provenance": self.status.to_dict(),
            "records": [self._node(number) for number in self.order()],
        }

    def _node(self, number: str) -> dict[str, Any]:
        record = self.certificates[number]
        mix = origin_mix(number, self.certificates, self._mixes)
        node: dict[str, Any] = {
            "number": number,
            "kind": "certificate" if not isinstance(record, Root) else record.kind,
            "name": record_name(number),
            "exporting": record.exporting,
            "importing": record.importing,
            "status": record.status,
            "issued_at": iso(record.issued_at),
            "confirmed_at": iso(self.confirmed_at[number]) if number in self.confirmed_at else None,
            "carats": hundredths(record.carats),
            "drawn_by_children": hundredths(record.drawn),
            "origins": list(record.origins),
            "origin_mix": {c: _share(s) for c, s in mix.items()},
            "parents": [{"number": p.number, "carats_drawn": hundredths(p.carats)} for p in record.parents],
        }
        return node

    def text(self) -> str:
        """The graph for people: one line per hop, roots at the leaves. A shared ancestor is shown
        once; later paths to it say "(shown above)". Iterative, and bounded to :data:`MAX_SHOWN`."""
        lines = [self._line(self.number, None)]
        shown = {self.number}
        # (number, carats drawn, indent, last among its siblings), depth first
        stack = [
            (p.number, p.carats, "", i == 0)
            for i, p in enumerate(reversed(self.certificates[self.number].parents))
        ]
        while stack:
            number, drawn, indent, last = stack.pop()
            branch = indent + ("└─ " if last else "├─ ")
            if number in shown:
                lines.append(branch + f"{hundredths(drawn)} ct from {record_name(number)} (shown above)")
                continue
            if len(shown) >= MAX_SHOWN:
                lines.append(
                    branch + f"... {len(self.certificates) - len(shown)} more not shown (see --json)"
                )
                break
            shown.add(number)
            lines.append(branch + self._line(number, drawn))
            parents = self.certificates[number].parents
            inner = indent + ("   " if last else "│  ")
            stack += [(p.number, p.carats, inner, i == 0) for i, p in enumerate(reversed(parents))]
        lines.append("")
        lines.append(f"Origin mix: {format_mix(self.status.origin_mix)}")
        headline = self.status.headline()
        lines.append(headline[0].upper() + headline[1:])
        lines += [f"WARNING: {warning}" for warning in self.status.warnings]
        return "\n".join(lines)

    def _line(self, number: str, drawn: int | None) -> str:
        record = self.certificates[number]
        taken = f"{hundredths(drawn)} ct from " if drawn is not None else ""
        if isinstance(record, Root):
            return "  ".join(
                part
                for part in (
                    taken + record.name,
                    ", ".join(record.origins),
                    f"{hundredths(record.carats)} ct",
                    f"registered {day(record.issued_at)}",
                    "voided" if record.status == "voided" else "",
                )
                if part
            )
        confirmed = self.confirmed_at.get(number)
        parts = [
            taken + number,
            f"{record.exporting} -> {record.importing}",
            f"{hundredths(record.carats)} ct",
            f"issued {day(record.issued_at)}",
            f"confirmed {day(confirmed)}" if confirmed else "",
            record.status,
        ]
        return "  ".join(part for part in parts if part)

    def graph(self, path: Path) -> None:
        """Draw the graph to ``path`` (SVG, PNG or PDF, by its suffix): roots on the left, the
        certificate on the right, each arrow labelled with the carats drawn."""
        draw_graph(self, path)


def ancestry(fetch: Fetch, start: Iterable[Certificate]) -> dict[str, Record]:
    """``start`` and every certificate and root they descend from, by number, a level at a time."""
    found: dict[str, Record] = {cert.number: cert for cert in start}
    wanted = {p.number for cert in found.values() for p in cert.parents} - set(found)
    while wanted:
        level = sorted(wanted)
        for number, record in zip(level, fetch([number_to_token_id(n) for n in level]), strict=True):
            if record is None:  # the contract refuses a parent that does not exist
                raise KPError(f"parent {record_name(number)} is not on chain")
            found[number] = record
        wanted = {p.number for n in level for p in found[n].parents} - set(found)
    return found


def status(
    number: str,
    records: Mapping[str, Record],
    confirmations: Mapping[str, Confirmation] | None = None,
    entered_twice: Iterable[str] = (),
) -> ProvenanceStatus:
    """The provenance status of ``number``, whose ancestry ``records`` holds; ``confirmations``
    (by number) say who confirmed each ancestor's receipt, for the stolen-confirmation check;
    ``entered_twice`` names certificates whose number their importer also registered as paper."""
    ancestors = _ancestors(number, records)
    twice = set(entered_twice)
    warnings = []
    for ancestor in sorted(ancestors):
        record = records[ancestor]
        name = record_name(ancestor)
        produced = isinstance(record, Root) and record.kind == "production"
        route = "" if produced else f" ({record.exporting} -> {record.importing})"
        if record.status == "voided":
            warnings.append(f"ancestor {name}{route} was voided after it was drawn on")
        if ancestor in twice:
            warnings.append(
                f"ancestor {name} was also registered as a paper certificate by {record.importing}: "
                "one shipment entered twice"
            )
        if not record.issuer_valid_at_issue:
            done = "registered" if isinstance(record, Root) else "issued"
            warnings.append(f"ancestor {name} was {done} by a key disabled at the time ({record.issuer})")
        confirmed = (confirmations or {}).get(ancestor)
        if confirmed and _not_after(confirmed.key_valid_until, confirmed.at):
            warnings.append(
                f"ancestor {name}'s receipt was confirmed by {confirmed.authority} on {iso(confirmed.at)}, "
                f"a key disabled from {iso(confirmed.key_valid_until)}"
            )
    roots = sorted(a for a in ancestors if isinstance(records[a], Root))
    return ProvenanceStatus(
        complete=not warnings,
        roots=tuple(custody(records[r]) for r in roots),  # type: ignore[arg-type]
        warnings=tuple(warnings),
        origin_mix=origin_mix(number, records),
        origins=tuple(sorted({o for r in roots for o in records[r].origins})),
    )


def custody(root: Root) -> str:
    """Where a chain of custody starts, as people read it: ``production BW JWANENG-2024-Q3
    (BW/Jwaneng, 2024-07-01 to 2024-09-30)`` or ``paper certificate ZA-2024-012345 registered by AE
    on 2026-11-29``."""
    if root.kind == "production":
        return f"{root.name} ({', '.join(root.origins)}, {day(root.start)} to {last_day(root.end)})"
    return f"{root.name} on {day(root.issued_at)}"


def origin_mix(
    number: str, records: Mapping[str, Record], memo: dict[str, dict[str, Fraction]] | None = None
) -> dict[str, Fraction]:
    """Share of ``number``'s carats per origin country (a root listing several countries is one
    group, ``BW+ZA``), through its ancestry; ``memo`` keeps the mixes already computed. Iterative:
    each record's mix is computed once, after its parents'."""
    memo = {} if memo is None else memo
    stack = [number]
    while stack:
        n = stack[-1]
        if n in memo:
            stack.pop()
            continue
        record = records[n]
        missing = [p.number for p in record.parents if p.number not in memo]
        if missing:
            stack += missing
            continue
        stack.pop()
        shares: dict[str, Fraction] = {}
        if isinstance(record, Root):
            shares["+".join(sorted({o[:2] for o in record.origins}))] = Fraction(1)
        for parent in record.parents:
            for country, share in memo[parent.number].items():
                shares[country] = (
                    shares.get(country, Fraction(0)) + Fraction(parent.carats, record.carats) * share
                )
        memo[n] = dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))
    return memo[number]


def format_mix(mix: Mapping[str, Fraction]) -> str:
    return ", ".join(f"{country} {float(share) * 100:.1f}%" for country, share in mix.items())


def _ancestors(number: str, records: Mapping[str, Record]) -> set[str]:
    seen: set[str] = set()
    stack = [p.number for p in records[number].parents]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack += [p.number for p in records[n].parents]
    return seen


def _not_after(until: datetime | str, moment: datetime | str) -> bool:
    """Whether a key valid until ``until`` was no longer valid at ``moment``."""
    return isinstance(until, datetime) and isinstance(moment, datetime) and until <= moment


def _share(share: Fraction) -> float:
    return round(float(share), 6)


# ---------------------------------------------------------------- drawing

_STATUS_COLOURS = {
    "registered": "#5a4a8a",
    "issued": "#1f5f9a",
    "receipt confirmed": "#1f7a3a",
    "voided": "#a11d1d",
    "expired": "#6b6b6b",
}


def draw_graph(trace: Trace, path: Path) -> None:
    """The provenance graph with matplotlib: one box per certificate (shared ancestors once), in
    columns by distance from the certificate, arrows from parent to child labelled with carats."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is in the dev and charts extras
        raise KPError("graphs need matplotlib: pip install 'kp-certificates[charts]'") from None
    if path.suffix.lower() not in (".svg", ".png", ".pdf"):
        raise KPError(f"graph file {path.name}: use .svg, .png or .pdf")
    certs = trace.certificates
    depth = _depths(trace.number, certs)
    columns: dict[int, list[str]] = {}
    for number in sorted(depth, key=lambda n: (depth[n], n)):
        columns.setdefault(depth[number], []).append(number)
    deepest, tallest = max(columns), max(len(c) for c in columns.values())
    position = {
        number: ((deepest - d) * 3.2, (len(column) - 1) / 2 - i)
        for d, column in columns.items()
        for i, number in enumerate(column)
    }
    figure, axes = plt.subplots(figsize=(2.6 * (deepest + 1) + 0.6, 1.1 * tallest + 1.4))
    boxes = {}
    for number, (x, y) in position.items():
        cert = certs[number]
        if isinstance(cert, Root):
            head = f"{cert.kind} {cert.reference}\n{', '.join(cert.origins)} at {cert.importing}"
            label = f"{head}  {hundredths(cert.carats)} ct\n{cert.status}"
        else:
            label = (
                f"{number}\n{cert.exporting} → {cert.importing}  {hundredths(cert.carats)} ct\n{cert.status}"
            )
        colour = _STATUS_COLOURS.get(cert.status, "#444")
        if not cert.issuer_valid_at_issue:
            colour = _STATUS_COLOURS["voided"]
        box = {"boxstyle": "round", "facecolor": "white", "edgecolor": colour, "linewidth": 1.6}
        boxes[number] = axes.text(x, y, label, ha="center", va="center", fontsize=7.5, bbox=box)
    for number, (x, y) in position.items():
        for parent in certs[number].parents:
            px, py = position[parent.number]
            # From the right edge of the parent's box to the left edge of the child's.
            arrow = {"arrowstyle": "->", "color": "#444", "shrinkA": 4, "shrinkB": 4}
            axes.annotate("", xy=(0, 0.5), xycoords=boxes[number], xytext=(1, 0.5),
                          textcoords=boxes[parent.number], arrowprops=arrow)  # fmt: skip
            label = f"{hundredths(parent.carats)} ct"
            axes.text(
                (x + px) / 2, (y + py) / 2 + 0.08, label, ha="center", va="bottom", fontsize=7, color="#333"
            )
    axes.set_xlim(-1.6, deepest * 3.2 + 1.6)
    axes.set_ylim(-tallest / 2 - 0.3, tallest / 2 + 0.3)
    axes.axis("off")
    axes.set_title(f"Provenance of {trace.number}: {format_mix(trace.status.origin_mix)}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _depths(root: str, certificates: Mapping[str, Record]) -> dict[str, int]:
    """Each certificate's longest distance from ``root``, so parents sit left of all their children."""
    depth = {root: 0}
    frontier = [root]
    while frontier:
        following = []
        for number in frontier:
            for parent in certificates[number].parents:
                if depth.get(parent.number, -1) < depth[number] + 1:
                    depth[parent.number] = depth[number] + 1
                    following.append(parent.number)
        frontier = following
    return depth
