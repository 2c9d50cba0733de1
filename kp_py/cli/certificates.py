"""Certificates by their exporting and importing authorities: ``kp issue``, ``kp confirm``,
``kp void``, and ``kp template``, a document to start from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kp_py import files
from kp_py._codes import VOID_REASONS, token_id_to_number
from kp_py.cli._options import Options, Progress, emit, report, signs, table
from kp_py.cli._types import ADDRESS, FILES, NUMBER
from kp_py.examples import example_paper, example_re_export


@click.command()
@click.argument("paths", metavar="FILE.json...", nargs=-1, required=True, type=FILES)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 500),
    default=50,
    show_default=True,
    help="Certificates per transaction.",
)
@signs
def issue(options: Options, paths: tuple[Path, ...], batch_size: int) -> None:
    """Issue certificate documents; writes FILE.issued.json (document, salts, token id,
    transaction) next to each. Every file is checked, and each route against the registry, before
    the first is sent; re-running never issues one twice."""
    kp = options.writer()
    results = files.issue_files(
        kp, paths, batch_size=batch_size, progress=Progress("issued"), checked=Progress("checked")
    )
    rows = [
        {"number": r.number, "outcome": r.outcome, "output": str(r.output), "transaction": r.transaction}
        for r in results
    ]
    emit(options, rows, table(rows, ["number", "outcome", "output"]))


@click.command()
@click.argument("number", type=NUMBER)
@signs
def confirm(options: Options, number: int) -> None:
    """Confirm receipt of certificate NUMBER (an authority of the importing participant)."""
    sent = options.writer().confirm_receipt(number)
    report(options, sent, f"receipt of {token_id_to_number(number)} confirmed")


@click.command()
@click.argument("number", type=NUMBER)
@click.option("--reason", required=True, type=click.Choice(VOID_REASONS[1:]), help="Why it is voided.")
@signs
def void(options: Options, number: int, reason: str) -> None:
    """Void certificate NUMBER (an authority of the exporting participant)."""
    sent = options.writer().void(number, reason)
    report(options, sent, f"{token_id_to_number(number)} voided ({reason})")


@click.command()
@click.option("--holder", type=ADDRESS, default="0x90F79bf6EB2c4f870365E785982E1f101E93b906",
              show_default=True, help="The trader's wallet the certificate will be bound to.")  # fmt: skip
@click.option("--number", default="AE-2024-000123", show_default=True, help="The certificate number.")
@click.option("--paper", is_flag=True, help="Print the paper certificate it draws on instead.")
def template(holder: str, number: str, paper: bool) -> None:
    """Print an example certificate document to edit (`kp template > cert.json`): a re-export of
    rough that arrived on a paper certificate; `--paper` prints that paper certificate, to register
    first (`kp template --paper > paper.json`, `kp paper register paper.json`)."""
    number = number.strip().upper()
    data = example_paper(importing=number[:2]) if paper else example_re_export(holder, number=number)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
