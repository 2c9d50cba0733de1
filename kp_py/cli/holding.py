"""Proof of holding (:mod:`kp_py.holding`): ``kp challenge`` (the verifier asks), ``kp prove`` (the
holder signs with the holding wallet) and :func:`verify_presentation`, which ``kp verify NUMBER
--presentation FILE`` runs (the verifier checks, once)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kp_py import files
from kp_py.cli._options import Options, emit, reads, signs
from kp_py.cli._types import ADDRESS, DURATION, FILES, NUMBER, UsageError
from kp_py.errors import KPError
from kp_py.network import deployment_facts, describe

if TYPE_CHECKING:
    from kp_py.holding import NonceStore

OUT = click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Where to write it."
)


def nonce_store(options: Options) -> NonceStore:
    """The challenges this home issued and not yet saw answered: ``HOME/holding/``."""
    from kp_py.holding import NonceStore

    return NonceStore(options.home / "holding")


@click.command()
@click.argument("number", type=NUMBER)
@click.option("--domain", required=True,
              help="Your site, as the holder's wallet shows it (kp.example, or host:port).")  # fmt: skip
@click.option("--uri", help="Your page the holder signs in to [default: https://DOMAIN/].")
@click.option("--lifetime", type=DURATION, default="5m", show_default=True,
              help="How long the holder has to answer (300, 5m, 1h).")  # fmt: skip
@OUT
@reads
def challenge(options: Options, number: int, domain: str, uri: str | None, lifetime: int, out: Path) -> None:
    """Ask whoever presents certificate NUMBER to prove they hold it: write a challenge for them to
    sign with the holding wallet (`kp prove`), answerable once, within LIFETIME. Its nonce is kept
    in HOME/holding until `kp verify NUMBER --presentation FILE` takes it."""
    from kp_py.holding import make_challenge

    kp = options.reader()
    certificate = kp.certificate(number)  # a mistyped number is told now, not by the holder
    made = make_challenge(kp, number, domain, uri=uri, lifetime=lifetime)
    nonce_store(options).keep(made)
    out.write_text(made.to_json(), encoding="utf-8")
    told = (
        f"challenge for {certificate.number} written to {out}: nonce {made.nonce}, for {made.domain}, "
        f"to be answered before {made.expiration_time}; the holder runs "
        f"`kp prove {certificate.number} --challenge {out.name} --out presentation.json`"
    )
    emit(options, {**made.to_dict(), "file": str(out)}, told)


@click.command()
@click.argument("number", type=NUMBER)
@click.option("--challenge", "challenge_path", type=FILES, required=True,
              help="The challenge the verifier gave you (`kp challenge`).")  # fmt: skip
@OUT
@click.option("--wallet", type=ADDRESS,
              help="The contract wallet (ERC-1271) holding it, when your key signs for it.")  # fmt: skip
@signs
def prove(options: Options, number: int, challenge_path: Path, out: Path, wallet: str | None) -> None:
    """Prove you hold certificate NUMBER: sign the verifier's challenge with the wallet that holds
    it, and write the presentation to hand back. Refused before signing if the challenge is for
    another certificate or deployment, has expired, or the wallet does not hold the certificate."""
    from kp_py.holding import Challenge, sign_challenge

    asked = Challenge.from_json(files.read_bytes(challenge_path), str(challenge_path))
    signer = options.signer()  # usage errors before any network access
    kp = options.reader()
    certificate = kp.certificate(number)
    if asked.token_id != certificate.token_id:
        raise KPError(f"{challenge_path} asks about {asked.number}, not {certificate.number}")
    here = (kp.deployment.chain_id, kp.certificates.address.lower())
    if (asked.chain_id, asked.contract.lower()) != here:
        raise KPError(
            f"{challenge_path} is for contract {asked.contract} on chain {asked.chain_id}, not this "
            f"deployment ({kp.certificates.address} on chain {kp.deployment.chain_id})"
        )
    if datetime.fromisoformat(asked.expiration_time.replace("Z", "+00:00")) <= datetime.now(timezone.utc):
        raise KPError(f"{challenge_path} expired at {asked.expiration_time}: ask the verifier for a new one")
    holding = wallet or signer.address
    holder = kp.certificates.functions.ownerOf(certificate.token_id).call()
    if holder.lower() != holding.lower():
        raise KPError(f"{holding} does not hold {certificate.number}: its holder is {holder}")
    presentation = sign_challenge(signer, asked, wallet)
    out.write_text(presentation.to_json(), encoding="utf-8")
    data = {"number": certificate.number, "signer": holding, "nonce": asked.nonce, "file": str(out)}
    told = (
        f"{certificate.number}: presentation signed for {holding} written to {out}; hand it to "
        f"{asked.domain} before {asked.expiration_time}"
    )
    emit(options, data, told)


def verify_presentation(options: Options, number: str, presentation: Path, handed: Path | None) -> None:
    """``kp verify NUMBER --presentation FILE [--challenge FILE]``: exit 0 if presented by its
    holder, 1 if refused (the reason on the first line)."""
    from kp_py.holding import Challenge, Presentation, check_presentation

    if "://" in number:
        raise UsageError("--presentation: give the certificate's number, not a link")
    shown = Presentation.from_json(files.read_bytes(presentation), str(presentation))
    expected = Challenge.from_json(files.read_bytes(handed), str(handed)) if handed else None
    kp = options.reader()
    result = check_presentation(kp, shown, nonce_store(options), number=number, challenge=expected)
    facts = deployment_facts(kp)
    emit(options, {**result.to_dict(), "network": facts}, f"{result.summary()}\n  ({describe(facts)})")
    if not result.held:
        sys.exit(1)
