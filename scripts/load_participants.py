"""Propose admitting the KP participants of a CSV file (the Chair): those not yet admitted nor
proposed, in one proposal of the plenary (executed after its notice period: `kp proposal execute`);
the admitted ones suspended as listed.

    ape run load_participants                          # kp_py/data/kp-participants.csv
    ape run load_participants --csv my.csv --key-env CHAIR_KEY

Columns code, name, status. Re-running proposes only the missing ones. Network and key options:
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
    """Propose admitting the participants of a CSV file not yet admitted nor proposed (the Chair), in
    one proposal of the plenary; suspend the admitted ones the file says are suspended."""
    kp = session.kp()
    proposal, codes = kp.load_participants(csv_file)
    if proposal is None:
        click.echo(f"no participant left to propose ({len(kp.participant_codes())} on chain)")
        return
    click.echo(f"proposal {proposal.id}: admit {len(codes)} participants: {' '.join(codes)}")
    click.echo(f"open to objection until {proposal.ready_at}; then `kp proposal execute {proposal.id}`")
