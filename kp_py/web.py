"""The verification page: a small read-only web app where a verifier, a customs officer on a phone,
learns in seconds whether a certificate is genuine, from its number, its QR code or the holder's
document. It reads the chain only: no key, no account, no gas, no writes.

    kp serve --port 8417

    server, url = serve(create_app(connect()), "127.0.0.1", 8417)      # the same from Python
    server.run()

    GET  /                                       the form: a number typed in, or a document uploaded
    GET  /verify?number=AE-2024-000123           the answer for a number
    POST /verify                                 the answer for an uploaded document (field ``document``)
    GET  /certificates/<token id>?chain=&contract=&commitment=     the link of the printed QR code
    GET  /api/certificates/<number or token id>[?chain=&contract=&commitment=]   the same, as JSON

The answer is one banner, GENUINE, NOT GENUINE, VOIDED, EXPIRED or UNKNOWN, with its reasons and
the certificate as the chain holds it. A link or document meant for another chain or contract is
NOT GENUINE here (problem ``wrong-network``), never looked up elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from eth_utils import is_address, to_checksum_address
from flask import Flask, Response, jsonify, render_template, request
from web3.exceptions import Web3Exception
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from kp_py import _logs
from kp_py._abi import VOID_REASONS, number_to_token_id, token_id_to_number
from kp_py._json import loads_strict
from kp_py._text import drawn_from, hundredths, iso, printable, usd
from kp_py.client import KP, Certificate, IssuedDocument, Verification
from kp_py.document import _NUMBER, Document
from kp_py.errors import KPError, timestamp
from kp_py.network import deployment_facts
from kp_py.render import Link, WrongNetwork, check_target, verify_link

MAX_UPLOAD = 256 * 1024  # an issued document is a few kB
WRONG_NETWORK = "wrong-network"  # a problem code beyond kp_py.client.PROBLEMS: a link for another chain
# Sent with every answer: nothing from elsewhere, no framing, no caching of a verdict that can change.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class InputError(KPError, ValueError):
    """What the verifier typed, followed or uploaded cannot be read."""


@dataclass(frozen=True)
class StatusChange:
    """The confirmation of receipt or the voiding of a certificate, from its event."""

    what: str  # "receipt confirmed" or "voided"
    at: datetime | str
    authority: str
    block: int
    transaction: str
    reason: str = ""  # why it was voided


@dataclass(frozen=True)
class Answer:
    """What the page shows: the banner, its colour class, and the verification behind it."""

    banner: str
    tone: str
    result: Verification
    change: StatusChange | None = None


def banner(result: Verification) -> tuple[str, str]:
    """The banner and its colour class: a forgery outranks a void, a void outranks an expiry."""
    problems = set(result.problems)
    if result.genuine:
        return "GENUINE", "genuine"
    if "unknown" in problems:
        return "UNKNOWN", "unknown"
    if problems & {WRONG_NETWORK, "document-mismatch", "issuer-disabled", "document-unproven"}:
        return "NOT GENUINE", "not-genuine"
    if "voided" in problems:
        return "VOIDED", "voided"
    if "expired" in problems:
        return "EXPIRED", "expired"
    return "NOT GENUINE", "not-genuine"


def token_id_of(text: str) -> int:
    """The token id of what a verifier typed: a certificate number (any case) or a decimal token id,
    which is a number's ASCII and must decode to one."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        token_id = uint256(text)
        if token_id is not None and _NUMBER.fullmatch(token_id_to_number(token_id)):
            return token_id
    elif _NUMBER.fullmatch(text.upper()):
        return number_to_token_id(text.upper())
    shown = text if len(text) <= 40 else text[:40] + "..."
    raise InputError(f"{shown!r} is not a certificate number (like AE-2024-000123) or a token id")


def uint256(text: str) -> int | None:
    """A uint256 written in decimal ASCII digits (a token id, a chain id), else None; the length is
    checked before ``int`` reads it."""
    if not (text.isascii() and text.isdigit() and len(text) <= 78) or int(text) >= 2**256:
        return None
    return int(text)


def link_of(token_id: int, query: Mapping[str, str]) -> Link | None:
    """The QR link's claims (chain, contract, commitment), None for a bare certificate address."""
    if not any(key in query for key in ("chain", "contract", "commitment")):
        return None
    chain, contract, commitment = (query.get(key, "") for key in ("chain", "contract", "commitment"))
    try:
        claimed = bytes.fromhex(commitment.removeprefix("0x"))
    except ValueError:
        claimed = b""
    chain_id = uint256(chain)
    if chain_id is None or not is_address(contract) or len(claimed) != 32:
        raise InputError("the link is damaged: it needs chain, contract and a 32-byte commitment")
    return Link(chain_id, to_checksum_address(contract), token_id, claimed)


def read_upload(raw: bytes) -> IssuedDocument | Document:
    """The holder's document as uploaded: an issued document (with salts) or a plain one."""
    try:
        data = loads_strict(raw)
        if isinstance(data, dict) and data.get("kp") == "issued-document/v1":
            return IssuedDocument.from_json(raw)
        return Document.from_dict(data)
    except (KPError, ValueError, KeyError, TypeError, AttributeError) as error:
        detail = str(error) if isinstance(error, KPError) else "it is not a certificate document"
        raise InputError(f"the file cannot be read: {detail}") from None


def wrong_network(token_id: int, error: WrongNetwork) -> Verification:
    """The answer for a link or document meant for another deployment: not looked up here."""
    reasons = (str(error), "it was not looked up: a certificate is genuine only where it was issued")
    return Verification(token_id_to_number(token_id), False, "not checked", (WRONG_NETWORK,), reasons, None)


def status_change(kp: KP, cert: Certificate) -> StatusChange | None:
    """When and by whom ``cert`` was confirmed or voided: the chain keeps that time in its event only."""
    name = {"receipt confirmed": "ReceiptConfirmed", "voided": "CertificateVoided"}.get(cert.status)
    if name is None:
        return None
    head = kp.w3.eth.block_number
    found = _logs.logs_of_tokens(
        kp.w3, kp.certificates.address, [_logs.topic(name)], [cert.token_id], cert.block, head
    )
    if not found:
        return None
    log = found[-1]
    block = _logs.block_of(log)
    reason = VOID_REASONS[_logs._bytes(log["data"])[-1]] if name == "CertificateVoided" else ""
    return StatusChange(
        what=cert.status,
        at=timestamp(int(kp.w3.eth.get_block(block)["timestamp"])),
        authority=_logs.address_of(log, 3),
        block=block,
        transaction="0x" + _logs._bytes(log["transactionHash"]).hex(),
        reason=reason,
    )


class Verifier:
    """The checks behind the pages, on one deployment; participant names are read once."""

    def __init__(self, kp: KP) -> None:
        self.kp = kp
        self._names: dict[str, str] = {}

    def number(self, text: str) -> Verification:
        """Verify a typed number or token id."""
        return self.kp.verify(token_id_of(text))

    def link(self, token_id: int, link: Link | None) -> Verification:
        """Verify what a QR link names, on this deployment only."""
        if link is None:
            return self.kp.verify(token_id)
        try:
            return verify_link(self.kp, link)
        except WrongNetwork as error:
            return wrong_network(token_id, error)

    def document(self, raw: bytes, number: str = "") -> Verification:
        """Verify an uploaded document against its certificate (or against ``number`` if given)."""
        shown = read_upload(raw)
        token_id = token_id_of(number if number.strip() else str(shown.token_id))  # the file's may be any
        if isinstance(shown, IssuedDocument):
            try:
                check_target(self.kp, shown.chain_id, shown.contract, "document")
            except WrongNetwork as error:
                return wrong_network(token_id, error)
        return self.kp.verify(token_id, shown)

    def answer(self, result: Verification) -> Answer:
        """The banner for ``result``, and when its certificate was confirmed or voided."""
        text, tone = banner(result)
        change = status_change(self.kp, result.certificate) if result.certificate else None
        return Answer(text, tone, result, change)

    def name(self, code: str) -> str:
        """``AE United Arab Emirates``: a participant's code and name."""
        if code not in self._names:
            self._names[code] = f"{code} {self.kp.participant(code).name}".strip()
        return self._names[code]

    def details(self, answer: Answer) -> list[tuple[str, str]]:
        """The certificate as the chain holds it, as label and value rows for the page."""
        cert = answer.result.certificate
        if cert is None:
            return []
        rows = [
            ("Certificate number", cert.number),
            ("Status", cert.status),
            ("Route", f"{cert.exporting} → {cert.importing}"),
            ("Exporting participant", self.name(cert.exporting)),
            ("Importing participant", self.name(cert.importing)),
            ("Issuing authority (key)", cert.issuer),
            ("Origin(s)", ", ".join(cert.origins)),
            ("Drawn from", drawn_from(cert.parents)),
            ("Carats", f"{hundredths(cert.carats)} ct"),
            ("Value", f"US$ {usd(cert.value_usd)}"),
            ("Parcels", str(cert.parcels)),
            ("HS code", cert.hs_code),
            ("Issued", f"{iso(cert.issued_at)} UTC"),
            ("Expires", f"{iso(timestamp(cert.expires_at))} UTC"),
        ]
        change = answer.change
        if change is not None and change.what == "voided":
            rows.append(("Voided", f"{iso(change.at)} UTC, {change.reason}, by {change.authority}"))
        elif change is not None:
            rows.append(("Receipt confirmed", f"{iso(change.at)} UTC, by {change.authority}"))
        else:
            rows.append(("Receipt confirmed", "not yet"))
        rows += [
            ("Holder (wallet)", cert.holder),
            ("Transaction", cert.transaction),
            ("Block", str(cert.block)),
            ("Document commitment", "0x" + cert.commitment.hex()),
        ]
        return rows


def shown(value: Any) -> Any:
    """A value as the page shows it: text without the controls and bidi overrides that text from
    the chain or a file may carry (autoescaping stops markup; this stops the rest)."""
    return type(value)(printable(value)) if isinstance(value, str) else value


def create_app(kp: KP, *, max_upload: int = MAX_UPLOAD) -> Flask:
    """The verification app for ``kp``'s deployment (read only; ``kp.account`` is never used)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_upload
    app.jinja_env.finalize = shown  # every {{ value }} of every page
    verifier = Verifier(kp)
    network = deployment_facts(kp)  # named on every page and in every JSON answer

    def page(result: Verification) -> str:
        answer = verifier.answer(result)
        return render_template(
            "result.html", answer=answer, details=verifier.details(answer), network=network
        )

    @app.get("/")
    def index() -> str:
        return render_template("index.html", network=network)

    @app.get("/verify")
    def verify_number() -> str:
        number = request.args.get("number", "")
        if not number.strip():
            raise InputError("type a certificate number, like AE-2024-000123")
        return page(verifier.number(number))

    @app.post("/verify")
    def verify_document() -> str:
        upload = request.files.get("document")
        raw = upload.read() if upload is not None else b""
        if not raw:
            raise InputError("choose the certificate document file (.json) to check")
        return page(verifier.document(raw, request.form.get("number", "")))

    @app.get("/certificates/<path:number>")
    def certificate(number: str) -> str:
        token_id = token_id_of(number)
        return page(verifier.link(token_id, link_of(token_id, request.args)))

    @app.get("/api/certificates/<path:number>")
    def api_certificate(number: str) -> Response:
        token_id = token_id_of(number)
        result = verifier.link(token_id, link_of(token_id, request.args))
        return jsonify({**result.to_dict(), "network": network})

    def failure(message: str, status: int) -> tuple[Response | str, int]:
        """One line, no traceback: JSON under /api/, a page elsewhere."""
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), status
        return render_template("error.html", message=message, status=status, network=network), status

    @app.errorhandler(InputError)
    def bad_input(error: InputError) -> tuple[Response | str, int]:
        return failure(str(error), 400)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[Response | str, int]:
        limit = f"{max_upload // 1024} kB"
        return failure(f"the file is too large: a certificate document is at most {limit}", 413)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int]:
        return failure(error.description or error.name, error.code or 500)

    @app.errorhandler(KPError)
    def refused(error: KPError) -> tuple[Response | str, int]:
        return failure(str(error), 400)

    @app.errorhandler(Web3Exception)
    @app.errorhandler(requests.RequestException)
    def node_down(error: Exception) -> tuple[Response | str, int]:
        return failure("the node cannot answer now: try again in a moment", 503)

    @app.errorhandler(Exception)
    def bug(error: Exception) -> tuple[Response | str, int]:
        app.logger.exception("unexpected error")
        return failure("an internal error stopped the check; it is logged for the operator", 500)

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response

    return app


def serve(app: Flask, host: str, port: int) -> tuple[Any, str]:
    """A waitress server for ``app`` on ``host``:``port`` (0: a free port), bound but not yet running,
    and its URL. Its ``run()`` serves until an interrupt or ``close()``."""
    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=8, ident="kp")
    return server, f"http://{_host(host)}:{server.effective_port}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
