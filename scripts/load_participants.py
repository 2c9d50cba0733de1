"""Admit the KP participants of a CSV file (the Chair): those not yet admitted, suspended as listed.

    ape run load_participants                          # kp_py/data/kp-participants.csv
    ape run load_participants --csv my.csv --key-env CHAIR_KEY

Columns code, name, status. Re-running admits only the missing ones. Network and key options:
see scripts/_ape.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from kp_py.records import PARTICIPANTS_FILE as DATA
from scripts._ape import Session, kp_command


@kp_command
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DATA,
    show_default="the KP participants shipped with kp",
    help="Participants file (columns code, name, status).",
)
def cli(session: Session, csv_file: Path) -> None:
    """Admit the participants of a CSV file not yet admitted (the Chair)."""
    kp = session.kp()
    admitted = kp.load_participants(csv_file)
    click.echo(f"{len(admitted)} participants admitted ({len(kp.participant_codes())} on chain)")
    if admitted:
        click.echo(" ".join(admitted))
