"""Keys kept off line: ``kp sign issue|confirm`` signs an EIP-712 message on a machine that may have
no network; ``kp submit`` sends it from another, whose account only relays and pays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kp_py import files, offline
from kp_py._codes import token_id_to_number
from kp_py.cli._options import Options, emit, fail, signs, table, when
from kp_py.cli._types import ADDRESS, DURATION, FILES, NUMBER, UsageError, utc
from kp_py.issued import issued_path

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def sign() -> None:
    """Sign an issue or a confirmation of receipt off line (EIP-712), for another machine to submit
    with `kp submit`. With --chain-id and --contract it needs no network at all."""


def _target(options: Options, chain_id: int | None, contract: str | None) -> tuple[int, str]:
    if (chain_id is None) != (contract is None):
        raise UsageError("give both --chain-id and --contract, or neither (then they are looked up)")
    if chain_id is not None and contract is not None:
        return chain_id, contract
    kp = options.reader()
    return kp.deployment.chain_id, kp.certificates.address


signing_options = [
    click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the signed file."
    ),
    click.option(
        "--valid-for",
        type=DURATION,
        default="7d",
        show_default=True,
        help="How long the signature may be used.",
    ),
    click.option(
        "--chain-id", type=int, help="Chain of the deployment (with --contract: no network needed)."
    ),
    click.option("--contract", type=ADDRESS, help="Address of the certificate contract."),
]


def _signing(fn: F) -> F:
    for option in reversed(signing_options):
        fn = option(fn)
    return fn


@sign.command("issue")
@click.argument("path", metavar="FILE.json", type=FILES)
@_signing
@signs
def sign_issue(
    options: Options, path: Path, out: Path | None, valid_for: int, chain_id: int | None, contract: str | None
) -> None:
    """Sign the issue of the certificate document FILE.json; writes FILE.signed.json."""
    signer = options.signer(explicit=True)
    document = files.read_document(path)
    planned = out or path.with_name(path.stem + ".signed.json")
    if planned.exists():
        fail(f"{planned} exists: it may already be submitted, and its salts would be lost; remove it first")
    chain, address = _target(options, chain_id, contract)
    signed = offline.sign_issue(signer, document, chain_id=chain, contract=address, valid_for=valid_for)
    target = out or path.with_name(path.stem + ".signed.json")
    files.write_secret(target, signed.to_json())
    data = {
        "number": document.number,
        "authority": signer.address,
        "deadline": signed.deadline,
        "file": str(target),
    }
    emit(
        options,
        data,
        f"{document.number} signed by {signer.address}, valid until {when(utc(signed.deadline))}: {target}",
    )


@sign.command("confirm")
@click.argument("number", type=NUMBER)
@_signing
@signs
def sign_confirm(
    options: Options,
    number: int,
    out: Path | None,
    valid_for: int,
    chain_id: int | None,
    contract: str | None,
) -> None:
    """Sign the confirmation of receipt of certificate NUMBER; writes NUMBER.confirmation.json."""
    signer = options.signer(explicit=True)
    chain, address = _target(options, chain_id, contract)
    token_id = number
    signed = offline.sign_confirmation(
        signer, token_id, chain_id=chain, contract=address, valid_for=valid_for
    )
    target = out or Path(f"{token_id_to_number(token_id).replace('/', '_')}.confirmation.json")
    target.write_text(signed.to_json() + "\n", encoding="utf-8")
    data = {"number": token_id_to_number(token_id), "authority": signer.address, "deadline": signed.deadline,
            "file": str(target)}  # fmt: skip
    emit(options, data, f"receipt of {data['number']} signed by {signer.address}: {target}")


@click.command()
@click.argument("paths", metavar="FILE.json...", nargs=-1, required=True, type=FILES)
@signs
def submit(options: Options, paths: tuple[Path, ...]) -> None:
    """Submit signed issues and confirmations (from `kp sign`); this account relays and pays. An
    issue writes FILE.issued.json beside its FILE.signed.json."""
    kp = options.writer()
    rows = []
    for path in paths:
        kind = _kind(path)
        text = path.read_bytes()
        if kind == "signed-issue/v1":
            signed_issue = offline.SignedIssue.from_json(text)
            recovered = kp.issued_document(signed_issue.document, signed_issue.salts)  # submitted before?
            issued = recovered or kp.submit_issue(signed_issue)
            output = issued_path(path)
            files.write_secret(output, issued.to_json())
            number, written, transaction = issued.document.number, str(output), issued.transaction
            outcome = "recovered" if recovered else "issued"
        elif kind == "signed-confirmation/v1":
            signed = offline.SignedConfirmation.from_json(text)
            receipt = kp.submit_confirmation(signed)
            number, outcome, written = token_id_to_number(signed.token_id), "confirmed", ""
            transaction = "0x" + bytes(receipt["transactionHash"]).hex()
        else:
            fail(f"{path}: not a file from `kp sign` (kp: {kind!r})")
        row = {
            "file": str(path),
            "number": number,
            "outcome": outcome,
            "output": written,
            "transaction": transaction,
        }
        rows.append(row)
    emit(options, rows, table(rows, ["number", "outcome", "file", "output"]))


def _kind(path: Path) -> str | None:
    """The ``kp`` field of a file kp wrote (``issued-document/v1``...); one line, exit 2, for a
    file that is not JSON kp reads."""
    data = files.read_json(path)
    return data.get("kp") if isinstance(data, dict) else None
