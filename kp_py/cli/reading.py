"""Reading the chain, with no key and no gas: ``kp show``, ``kp verify``, ``kp trace``, ``kp render``
(a printable PDF) and ``kp serve`` (the verification page); ``kp list`` and ``kp stats`` are in
:mod:`kp_py.cli.listing`."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from kp_py import files
from kp_py.cli._options import Options, emit, reads, rows_text
from kp_py.cli._types import DURATION, FILES, NUMBER, UsageError
from kp_py.cli.roots import show_root
from kp_py.document import Document
from kp_py.errors import KPError
from kp_py.issued import IssuedDocument, read_shown
from kp_py.network import deployment_facts, describe
from kp_py.node import DEV_CHAIN_IDS
from kp_py.records import certificate_rows
from kp_py.roots import is_root
from kp_py.verify import LOCAL_PAGE, Link, public_page


@click.command()
@click.argument("number")
@reads
def show(options: Options, number: str) -> None:
    """Show certificate NUMBER (or a token id, or a root such as BW#JWANENG-2024-Q3) as the chain
    holds it, with when and by whom its receipt was confirmed or it was voided."""
    kp = options.reader()
    if is_root(number.strip().upper()):
        show_root(options, kp.root(number.strip().upper()))
        return
    certificate = kp.certificate(number)
    change = kp.status_change(certificate)
    data = certificate.to_dict()
    endpoint = getattr(kp.w3.provider, "endpoint_uri", None)
    data.update(
        status_change=change.to_dict() if change else None,
        chain_id=kp.deployment.chain_id,
        contract=kp.certificates.address,
        rpc_url=endpoint,
    )
    emit(options, data, rows_text(certificate_rows(certificate, change=change)))


@click.command()
@click.argument("number", type=NUMBER)
@click.option(
    "--graph",
    "graph_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the provenance tree to this file (.svg, .png or .pdf).",
)
@reads
def trace(options: Options, number: int, graph_path: Path | None) -> None:
    """Trace certificate NUMBER back to the roots where custody starts (registered production, paper
    certificates): each hop with its participants, dates and
    carats drawn, and the origin mix. Exit 0 if the provenance is complete, 1 if an ancestor broke it."""
    result = options.reader().trace(number)
    if graph_path is not None:
        result.graph(graph_path)
    emit(options, result.to_dict(), result.text())
    if not result.status.complete:
        sys.exit(1)


@click.command("render")
@click.argument("number")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the PDF.")  # fmt: skip
@click.option("--document", type=FILES,
              help="The issued document, for the names and addresses kept off chain.")  # fmt: skip
@click.option("--verify-url", metavar="URL",
              help="The verification page the QR code points to [default: the deployment's, or on the local "
              f"node {LOCAL_PAGE}].")  # fmt: skip
@reads
def render_command(
    options: Options, number: str, pdf_path: Path, document: Path | None, verify_url: str | None
) -> None:
    """Draw certificate NUMBER as a printable PDF, under its verdict, with a QR code to verify it."""
    from kp_py import render

    kp = options.reader()
    chain_id = kp.deployment.chain_id
    verify_url = verify_url or kp.verification_page() or (LOCAL_PAGE if chain_id in DEV_CHAIN_IDS else None)
    if verify_url is None:
        raise UsageError(
            f"--verify-url: on chain {chain_id} the QR code must lead to a public verification page "
            "(`kp serve` behind your address), and the deployment records none"
        )
    verify_url = public_page(verify_url, chain_id, DEV_CHAIN_IDS)
    certificate = kp.certificate(number)
    issued = IssuedDocument.from_json(files.read_bytes(document)) if document else None
    link = Link(kp.deployment.chain_id, kp.certificates.address, certificate.token_id, certificate.commitment)
    result = kp.verify(certificate.token_id)
    names = {code: kp.participant(code).name for code in (certificate.exporting, certificate.importing)}
    render.render_pdf(result, pdf_path, link=link, verify_url=verify_url, issued=issued, names=names)
    data = {
        "number": certificate.number,
        "verdict": result.verdict,
        "pdf": str(pdf_path),
        "link": link.url(verify_url),
    }
    told = f"{certificate.number} ({result.verdict}) drawn in {pdf_path}; its QR code: {data['link']}"
    emit(options, data, told)


@click.command()
@click.argument("number")
@click.option(
    "--document",
    type=FILES,
    help="The issued document (with salts) the holder shows, or a plain certificate document.",
)
@click.option("--presentation", type=FILES,
              help="Instead: the holder's answer to your `kp challenge` (`kp prove`): exit 0 if presented "
              "by its holder, 1 if refused.")  # fmt: skip
@click.option("--challenge", "handed", type=FILES,
              help="With --presentation: the challenge handed back, checked to be the one kept.")  # fmt: skip
@reads
def verify(
    options: Options, number: str, document: Path | None, presentation: Path | None, handed: Path | None
) -> None:
    """Verify certificate NUMBER (or a token id, or the link of its QR code): exit 0 if genuine, 1 if not."""
    if presentation is not None or handed is not None:
        from kp_py.cli.holding import verify_presentation

        if presentation is None or document is not None:
            raise UsageError("--presentation goes alone, or with --challenge (and no --document)")
        verify_presentation(options, number, presentation, handed)
        return
    shown: IssuedDocument | Document | None = None
    if document is not None:
        shown = read_shown(files.read_bytes(document), str(document))
    kp = options.reader()
    link = Link.parse(number) if "://" in number else None  # the link of a certificate's QR code
    result = kp.verify_link(link, shown) if link else kp.verify(number, shown)
    facts = deployment_facts(kp)
    emit(options, {**result.to_dict(), "network": facts}, f"{result.summary()}\n  ({describe(facts)})")
    if not result.genuine:
        sys.exit(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8417, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--lifetime", type=DURATION, default="5m", show_default=True,
              help="How long a holder has to answer the page's \"Ask the holder to prove it\".")  # fmt: skip
@reads
def serve(options: Options, host: str, port: int, lifetime: int) -> None:
    """Serve the verification page (number, QR link or document, proof of holding, My
    certificates; JSON under /api/) until Ctrl-C. It only reads the chain: no key, no account, no gas."""
    try:
        from kp_py import web
    except ImportError:
        raise KPError("kp serve needs flask and waitress: pip install 'kp-certificates[web]'") from None
    kp = options.reader()
    server, url = web.serve(web.create_app(kp, lifetime=lifetime), host, port)
    facts = deployment_facts(kp)
    click.echo(
        f"kp: verification page at {url}/ (chain {facts['chain_id']}, contract {facts['certificates']}, "
        f"registry {facts['registry']}, deployment: {facts['deployment']}); Ctrl-C stops it"
    )
    # A service manager's stop (SIGTERM) ends it as Ctrl-C does: waitress closes on either.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.run()
    click.echo("kp: stopped")
