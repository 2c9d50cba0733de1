"""Questions over many certificates, with no key and no gas: ``kp list`` and ``kp stats``. From the
index alone when the chain has nothing after it, without importing web3 (most of a second);
else from the index and the chain, or the chain (:mod:`kp_py.listing`)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from kp_py import listing, stats
from kp_py._codes import STATUSES
from kp_py.cli._options import CHUNK, Options, Progress, emit, reads, table
from kp_py.cli._types import ADDRESS, CODE, TIME


@click.command("list")
@click.option("--exporting", type=CODE)
@click.option("--importing", type=CODE)
@click.option("--holder", type=ADDRESS, help="Only the certificates this wallet holds.")
@click.option("--status", type=click.Choice(STATUSES[1:]))
@click.option("--since", type=TIME, help="Issued at or after this time.")
@click.option("--until", type=TIME, help="Issued before this time.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write them to this CSV file as they are read, instead of printing them.")  # fmt: skip
@CHUNK
@reads
def list_(
    options: Options,
    exporting: str | None,
    importing: str | None,
    holder: str | None,
    status: str | None,
    since: int | None,
    until: int | None,
    csv_path: Path | None,
    chunk: int,
) -> None:
    """List certificates, from the index if there is one (`kp index`), else from the logs. With
    --json or --csv, each row is written as it is read (a JSON array, one certificate a line)."""
    source = options.lister()
    reading: dict[str, Any] = {"exporting": exporting, "importing": importing, "holder": holder}
    reading.update(status=status, since=since, until=until, chunk=chunk, progress=Progress("blocks scanned"))
    if options.json and csv_path is None:
        stream_json(listing.iter_json(source, **reading))
        return
    rows = (row.to_dict() for row in listing.iter_certificates(source, **reading))
    if csv_path is not None:
        count = write_csv(csv_path, rows)
        emit(
            options,
            {"csv": str(csv_path), "certificates": count},
            f"{count} certificates written to {csv_path}",
        )
    else:
        data = list(rows)
        click.echo(
            table(data, ["number", "status", "exporting", "importing", "carats", "hs_code", "issued_at"])
        )


def stream_json(parts: Iterable[list[str]]) -> None:
    """A JSON array written as it is read, one row a line, a part of rows a write (a list of 300,000
    never sits in memory; `make bench`: `kp list --json`)."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    before = b"[\n"
    for lines in parts:
        if lines:
            out.write(before + ",\n".join(lines).encode())
            before = b",\n"
    out.write(b"[]\n" if before == b"[\n" else b"\n]\n")
    out.flush()


def write_csv(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    """Rows to a CSV file as they are read (lists as ``;``-joined cells); how many."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            cells = {k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()}
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(cells), lineterminator="\n")
                writer.writeheader()
            writer.writerow(cells)
            count += 1
    return count


@click.command("stats")
@click.option("--period", type=click.Choice(stats.PERIODS), default="quarter", show_default=True)
@click.option("--participant", type=CODE, help="Only this participant's rows.")
@click.option("--since", type=TIME, help="Certificates issued at or after this time.")
@click.option("--until", type=TIME, help="Certificates issued before this time.")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write CSV here."
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw a chart (.png, .svg or .pdf, by its name).",
)
@CHUNK
@reads
def stats_command(
    options: Options,
    period: str,
    participant: str | None,
    since: int | None,
    until: int | None,
    csv_path: Path | None,
    chart_path: Path | None,
    chunk: int,
) -> None:
    """KP statistics from the certificates: per participant and period, exported and imported,
    per HS code and partner (voided certificates left out)."""
    rows = listing.statistics(
        options.lister(),
        period,
        participant,
        since=since,
        until=until,
        chunk=chunk,
        progress=Progress("blocks scanned"),
    )
    if csv_path:
        csv_path.write_text(stats.to_csv(rows), encoding="utf-8")
    if chart_path:
        stats.chart(rows, chart_path)
    data = [row.to_dict() for row in rows]
    columns = [
        "participant",
        "period",
        "direction",
        "partner",
        "hs_code",
        "certificates",
        "carats",
        "value_usd",
    ]
    emit(options, data, table(data, columns))
