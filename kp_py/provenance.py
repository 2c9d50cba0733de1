"""Provenance: the certificates a certificate's rough was drawn from, back to first exports.

The chain enforces the rules at issue (a parent is a confirmed import of the exporter, carats are
conserved, origins are covered); this module reads what they built. Each certificate's parents come
from its ``CaratsDrawn`` events, so the whole ancestry is read level by level, a few round trips per
level. Two things can break a provenance after the fact, and are reported as warnings naming the
ancestor: an ancestor voided later, and an ancestor whose issuing key was disabled retroactively.

The origin mix is the share of a certificate's carats per origin country, assuming each parcel's
rough was mixed evenly: what a certificate draws from a parent carries the parent's own mix, and the
part no parent gave is the exporter's own production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kp_py._abi import number_to_token_id
from kp_py._text import hundredths, iso
from kp_py.errors import KPError

if TYPE_CHECKING:
    from kp_py.client import Certificate

Fetch = Callable[[Sequence[int]], "list[Certificate | None]"]


@dataclass(frozen=True)
class ProvenanceStatus:
    """Whether a certificate's ancestry is intact back to first exports, and what breaks it."""

    complete: bool
    first_exports: tuple[str, ...]  # the certificates with no parents it traces back to
    warnings: tuple[str, ...]  # one sentence per broken ancestor
    origin_mix: Mapping[str, Fraction]  # share of carats per origin country

    def summary(self) -> str:
        return f"{self.headline()}; origin mix {format_mix(self.origin_mix)}"

    def headline(self) -> str:
        """Complete or broken, in a few words, without the origin mix."""
        if not self.complete:
            return f"provenance broken ({len(self.warnings)} ancestor(s) no longer valid)"
        if self.first_exports:
            return f"provenance complete back to first exports {', '.join(self.first_exports)}"
        return "provenance complete: a first export"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "complete" if self.complete else "broken",
            "first_exports": list(self.first_exports),
            "warnings": list(self.warnings),
            "origin_mix": {country: _share(share) for country, share in self.origin_mix.items()},
        }


@dataclass(frozen=True)
class Trace:
    """A certificate's provenance tree: every certificate in it by number, when each receipt was
    confirmed, and the provenance status of the root."""

    number: str
    certificates: Mapping[str, Certificate]
    confirmed_at: Mapping[str, datetime | str]
    status: ProvenanceStatus
    _mixes: dict[str, dict[str, Fraction]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "provenance": self.status.to_dict(),
            "tree": self._node(self.number, None),
        }

    def _node(self, number: str, drawn: int | None) -> dict[str, Any]:
        cert = self.certificates[number]
        node = {
            "number": number,
            "exporting": cert.exporting,
            "importing": cert.importing,
            "status": cert.status,
            "issued_at": iso(cert.issued_at),
            "confirmed_at": iso(self.confirmed_at[number]) if number in self.confirmed_at else None,
            "carats": hundredths(cert.carats),
            "drawn_by_children": hundredths(cert.drawn),
            "origins": list(cert.origins),
            "origin_mix": {
                c: _share(s) for c, s in origin_mix(number, self.certificates, self._mixes).items()
            },
            "parents": [self._node(p.number, p.carats) for p in cert.parents],
        }
        return ({"carats_drawn": hundredths(drawn)} if drawn is not None else {}) | node

    def text(self) -> str:
        """The tree for people: one line per hop, first exports at the leaves."""
        lines = [self._line(self.number, None)]
        self._lines(self.number, "", lines)
        lines.append("")
        lines.append(f"Origin mix: {format_mix(self.status.origin_mix)}")
        headline = self.status.headline()
        lines.append(headline[0].upper() + headline[1:])
        lines += [f"WARNING: {warning}" for warning in self.status.warnings]
        return "\n".join(lines)

    def _lines(self, number: str, indent: str, lines: list[str]) -> None:
        parents = self.certificates[number].parents
        for i, parent in enumerate(parents):
            last = i == len(parents) - 1
            lines.append(indent + ("└─ " if last else "├─ ") + self._line(parent.number, parent.carats))
            self._lines(parent.number, indent + ("   " if last else "│  "), lines)

    def _line(self, number: str, drawn: int | None) -> str:
        cert = self.certificates[number]
        confirmed = self.confirmed_at.get(number)
        parts = [
            f"{hundredths(drawn)} ct from {number}" if drawn is not None else number,
            f"{cert.exporting} -> {cert.importing}",
            f"{hundredths(cert.carats)} ct",
            f"issued {_date(cert.issued_at)}",
            f"confirmed {_date(confirmed)}" if confirmed else "",
            cert.status,
            "first export of " + ", ".join(cert.origins) if not cert.parents else "",
        ]
        return "  ".join(part for part in parts if part)

    def graph(self, path: Path) -> None:
        """Draw the tree to ``path`` (SVG, PNG or PDF, by its suffix): first exports on the left,
        the certificate on the right, each arrow labelled with the carats drawn."""
        draw_graph(self, path)


def ancestry(fetch: Fetch, roots: Iterable[Certificate]) -> dict[str, Certificate]:
    """``roots`` and every certificate they descend from, by number, read level by level."""
    found = {cert.number: cert for cert in roots}
    wanted = {p.number for cert in found.values() for p in cert.parents} - set(found)
    while wanted:
        level = sorted(wanted)
        for number, cert in zip(level, fetch([number_to_token_id(n) for n in level]), strict=True):
            if cert is None:  # the contract refuses a parent that does not exist
                raise KPError(f"parent certificate {number} is not on chain")
            found[number] = cert
        wanted = {p.number for n in level for p in found[n].parents} - set(found)
    return found


def status(number: str, certificates: Mapping[str, Certificate]) -> ProvenanceStatus:
    """The provenance status of ``number``, whose ancestry ``certificates`` holds."""
    ancestors = _ancestors(number, certificates)
    warnings = []
    for ancestor in sorted(ancestors):
        cert = certificates[ancestor]
        if cert.status == "voided":
            warnings.append(
                f"ancestor {ancestor} ({cert.exporting} -> {cert.importing}) was voided after it was drawn on"
            )
        if not cert.issuer_valid_at_issue:
            warnings.append(f"ancestor {ancestor} was issued by a key disabled at the time ({cert.issuer})")
    firsts = sorted(a for a in ancestors if not certificates[a].parents)
    return ProvenanceStatus(not warnings, tuple(firsts), tuple(warnings), origin_mix(number, certificates))


def origin_mix(
    number: str, certificates: Mapping[str, Certificate], memo: dict[str, dict[str, Fraction]] | None = None
) -> dict[str, Fraction]:
    """Share of ``number``'s carats per origin country, through its ancestry; ``memo`` keeps the
    mixes already computed, for a caller asking about every certificate of one tree."""
    memo = {} if memo is None else memo

    def mix(n: str) -> dict[str, Fraction]:
        if n not in memo:
            cert = certificates[n]
            shares: dict[str, Fraction] = {}
            own = cert.carats - sum(p.carats for p in cert.parents)
            if own > 0:
                shares[cert.exporting] = Fraction(own, cert.carats)
            for parent in cert.parents:
                for country, share in mix(parent.number).items():
                    shares[country] = (
                        shares.get(country, Fraction(0)) + Fraction(parent.carats, cert.carats) * share
                    )
            memo[n] = dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))
        return memo[n]

    return mix(number)


def format_mix(mix: Mapping[str, Fraction]) -> str:
    return ", ".join(f"{country} {float(share) * 100:.1f}%" for country, share in mix.items())


def _ancestors(number: str, certificates: Mapping[str, Certificate]) -> set[str]:
    seen: set[str] = set()
    stack = [p.number for p in certificates[number].parents]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack += [p.number for p in certificates[n].parents]
    return seen


def _share(share: Fraction) -> float:
    return round(float(share), 6)


def _date(moment: datetime | str) -> str:
    return moment.date().isoformat() if isinstance(moment, datetime) else moment[:10]


# ---------------------------------------------------------------- drawing

_STATUS_COLOURS = {
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
        raise KPError("graphs need matplotlib: pip install 'kp[charts]'") from None
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
        label = f"{number}\n{cert.exporting} → {cert.importing}  {hundredths(cert.carats)} ct\n{cert.status}"
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


def _depths(root: str, certificates: Mapping[str, Certificate]) -> dict[str, int]:
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
