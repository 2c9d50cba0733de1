"""Roots, where the chain of custody starts: ``kp production`` (mined production, registered by an
authority of the producer) and ``kp paper`` (paper KP certificates, registered on receipt by an
authority of the importer)."""

from __future__ import annotations

from pathlib import Path

import click

from kp_py import files
from kp_py._text import day, hundredths, last_day, paper_id, production_id, usd
from kp_py.cli._options import Options, Progress, emit, reads, report, signs, table, when
from kp_py.cli._types import AMOUNT, CODE, FILES
from kp_py.document import Production
from kp_py.roots import Root


@click.group()
def production() -> None:
    """Mined production, registered by an authority of the producer for its first exports to draw on."""


@production.command("register")
@click.argument("lot")
@click.option("--origin", required=True, metavar="CODE[/ZONE]", help="Where it was mined: BW or BW/Jwaneng.")
@click.option("--carats", required=True, type=AMOUNT, help="Carats mined, like 100000.00.")
@click.option("--from", "period_from", required=True, metavar="DATE", help="First day of the period.")
@click.option("--to", "period_to", required=True, metavar="DATE", help="Last day of the period.")
@signs
def production_register(
    options: Options, lot: str, origin: str, carats: str, period_from: str, period_to: str
) -> None:
    """Register production LOT (such as JWANENG-2024-Q3): its origin, carats and period. Its first
    exports name it as a parent: {"production": "LOT"}."""
    made = Production.from_dict(
        {"lot": lot, "origin": origin, "carats": carats, "from": period_from, "to": period_to}
    )
    receipt = options.writer().register_production(made)
    report(options, receipt, f"registered production {made.producer} {made.lot}", {"id": made.id})


@production.command("show")
@click.argument("producer", type=CODE)
@click.argument("lot")
@reads
def production_show(options: Options, producer: str, lot: str) -> None:
    """Show production LOT of PRODUCER as the chain holds it: carats, how much is drawn, period."""
    show_root(options, options.reader().root(production_id(producer, lot.strip().upper())))


@production.command("list")
@click.option("--participant", type=CODE, help="Only this producer's.")
@reads
def production_list(options: Options, participant: str | None) -> None:
    """List registered production."""
    _list_roots(options, "production", participant)


@click.group()
def paper() -> None:
    """Paper KP certificates, registered on receipt by an authority of the importer, so that its
    re-exports can draw on rough that arrived on paper."""


@paper.command("register")
@click.argument(
    "paths", metavar="FILE.json...", nargs=-1, required=True,
    type=FILES,
)  # fmt: skip
@signs
def paper_register(options: Options, paths: tuple[Path, ...]) -> None:
    """Register paper certificates received (`kp template --paper` gives a file to fill in). Every
    file is checked before the first is sent; re-running skips those already registered. Its
    re-exports name each: {"paper": "NUMBER"}."""
    results = files.register_paper_files(options.writer(), paths, progress=Progress("registered"))
    rows = [
        {"number": r.number, "outcome": r.outcome, "id": paper.id, "file": str(r.source),
         "transaction": r.transaction}
        for paper, r in results
    ]  # fmt: skip
    emit(options, rows, table(rows, ["number", "outcome", "file"]))


@paper.command("show")
@click.argument("importer", type=CODE)
@click.argument("number")
@reads
def paper_show(options: Options, importer: str, number: str) -> None:
    """Show paper certificate NUMBER as IMPORTER registered it."""
    show_root(options, options.reader().root(paper_id(importer, number.strip().upper())))


@paper.command("list")
@click.option("--participant", type=CODE, help="Only those this importer registered.")
@reads
def paper_list(options: Options, participant: str | None) -> None:
    """List registered paper certificates."""
    _list_roots(options, "paper", participant)


def show_root(options: Options, root: Root) -> None:
    lines = [f"{root.name}  ({root.status})", f"origins      {', '.join(root.origins)}"]
    if root.kind == "production":
        lines.append(f"period       {day(root.start)} to {last_day(root.end)}")
    else:
        lines += [
            f"route        {root.exporting} -> {root.importing}",
            f"goods        US$ {usd(root.value_usd)}, {root.parcels} parcel(s), HS {root.hs_code}",
            f"dates        issued {day(root.start)}, expires {last_day(root.end)}",
        ]
    lines += [
        f"carats       {hundredths(root.carats)} ct, {hundredths(root.drawn)} drawn by certificates",
        f"registered   {when(root.issued_at)} by {root.issuer}",
        f"             (block {root.block}, transaction {root.transaction})",
    ]
    if not root.issuer_valid_at_issue:
        lines.append("WARNING      registered by a key disabled at the time: nothing can be drawn from it")
    emit(options, root.to_dict(), "\n".join(lines))


def _list_roots(options: Options, kind: str, participant: str | None) -> None:
    roots = options.reader().list_roots(kind=kind, participant=participant)
    data = [root.to_dict() for root in roots]
    columns = ["name", "origins", "carats", "drawn", "status"]
    rows = [{**row, "origins": ", ".join(row["origins"])} for row in data]
    emit(options, data, table(rows, columns))
