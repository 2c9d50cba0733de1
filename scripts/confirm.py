"""Confirm receipt of certificates (an authority of the importing participant).

    ape run confirm AE-2024-000123 --key-env BW_AUTHORITY_KEY
    ape run confirm AE-2024-000123 AE-2024-000124 --test-account 2   # on the local node

Network and key options: see scripts/_ape.py.
"""

from __future__ import annotations

import click

from scripts._ape import Session, kp_command


@kp_command
@click.argument("numbers", metavar="NUMBER...", nargs=-1, required=True)
def cli(session: Session, numbers: tuple[str, ...]) -> None:
    """Confirm receipt of certificates NUMBER... (an authority of the importing participant)."""
    kp = session.kp()
    for number in numbers:
        receipt = kp.confirm_receipt(number)
        transaction = "0x" + bytes(receipt["transactionHash"]).hex()
        status = kp.certificate(number).status
        click.echo(f"{number}: {status} (block {receipt['blockNumber']}, transaction {transaction})")
