"""Register every paper KP certificate of a folder, as received (an authority of the importer).

    ape run register_paper --folder paper/ --key-env AE_AUTHORITY_KEY
    ape run register_paper --folder paper/ --test-account 1        # on the local node

Reads FOLDER/*.json (one paper certificate each, the fields of `kp template --paper`), validates
them all, then registers each on chain, so that the importer's re-exports can draw on the rough
that arrived on paper. Re-running skips those already registered. Network and key options: see
scripts/_ape.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from kp_py.files import register_paper_files
from scripts._ape import Session, kp_command


@kp_command
@click.option(
    "--folder",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of paper certificates (*.json).",
)
def cli(session: Session, folder: Path) -> None:
    """Register the paper certificates FOLDER/*.json received by the signer's participant."""
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise click.UsageError(f"no paper certificates (*.json) in {folder}")
    for paper, result in register_paper_files(session.kp(), paths):
        click.echo(f"{paper.number}  {result.outcome}  {paper.id}  {result.transaction}")
