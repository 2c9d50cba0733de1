"""Issue every certificate document of a folder (an authority of the exporting participant).

    ape run issue_folder --folder certs/ --key-env AE_AUTHORITY_KEY
    ape run issue_folder --folder certs/ --test-account 1        # on the local node

Reads FOLDER/*.json (not the *.issued.json and *.pending.json that kp writes), validates them all,
then issues them in batches; each X.json gets X.issued.json (document, salts, token id,
transaction) next to it. Re-running never issues one twice. Network and key options: see
scripts/_ape.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from kp_py.files import issue_files
from scripts._ape import Session, kp_command

KP_OUTPUTS = (".issued.json", ".pending.json")


@kp_command
@click.option(
    "--folder",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of certificate documents (*.json).",
)
@click.option("--batch-size", type=click.IntRange(1, 500), default=50, show_default=True)
def cli(session: Session, folder: Path, batch_size: int) -> None:
    """Issue the certificate documents FOLDER/*.json; writes X.issued.json next to each."""
    paths = sorted(p for p in folder.glob("*.json") if not p.name.endswith(KP_OUTPUTS))
    if not paths:
        raise click.UsageError(f"no certificate documents (*.json) in {folder}")
    for result in issue_files(session.kp(), paths, batch_size=batch_size):
        click.echo(f"{result.number}  {result.outcome}  {result.output}  {result.transaction}")
