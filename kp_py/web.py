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

Proof of holding (:mod:`kp_py.holding`), for a verifier facing whoever shows a certificate:

    POST /holding                                a fresh challenge for ``number``: redirects to its page
    GET  /holding/<nonce>                        the verifier's view: a QR code and link for the holder,
                                                 turning to "presented by its holder" or "refused"
    GET  /holding/<nonce>/sign                   the holder's view: their wallet signs the challenge
    GET  /api/holding/<nonce>                    the challenge's state: waiting, presented, refused, expired
    GET  /api/holding/<nonce>/message?address=   the exact EIP-4361 text that wallet is asked to sign
    POST /api/holding/<nonce>                    the answer, ``{"message": ..., "signature": ...}``

    GET  /holders[?address=]                     "My certificates": a trader connects a wallet
    GET  /holders/<address>                      every certificate that wallet holds (``kp list --holder``)
    GET  /api/holders/<address>/certificates     the same, as JSON

The page's one script, ``/static/kp.js``, is kp's own (no third-party code): it finds the wallet
(EIP-6963, else the injected EIP-1193 ``window.ethereum``), asks it to sign, and polls for the answer.

The answer is one banner, GENUINE, NOT GENUINE, VOIDED, EXPIRED or UNKNOWN, with its reasons and
the certificate as the chain holds it. A link or document meant for another chain or contract is
NOT GENUINE here (problem ``wrong-network``), never looked up elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from eth_utils import is_address, to_checksum_address
from flask import Flask, Response, jsonify, redirect, render_template, request
from web3.exceptions import Web3Exception
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from kp_py._codes import token_id_to_number
from kp_py._text import printable
from kp_py.client import KP
from kp_py.errors import KPError
from kp_py.holding import (
    LIFETIME,
    Challenge,
    NonceStore,
    Presentation,
    Presented,
    check_presentation,
    make_challenge,
)
from kp_py.issued import read_shown
from kp_py.network import deployment_facts
from kp_py.plenary import Proposal
from kp_py.records import (
    Participant,
    certificate_rows,
    code_bytes,
    is_certificate_number,
    listed_rows,
    token_id_of,
    uint256_of,
)
from kp_py.verify import Link, Verification

MAX_UPLOAD = 256 * 1024  # an issued document is a few kB
OPEN_CHALLENGES = 10_000  # unanswered proof-of-holding challenges a page keeps at once
KEPT = 3600  # seconds a challenge and its answer stay readable after it expires
# Sent with every answer: nothing from elsewhere (the one script is kp's own, fetched from and
# talking to this server only), no framing, no caching of a verdict that can change.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class InputError(KPError, ValueError):
    """What the verifier typed, followed or uploaded cannot be read."""

    status = 400


class Gone(InputError):
    """A challenge this page does not hold (never issued, or forgotten an hour after it expired)."""

    status = 404


class Answered(InputError):
    """A challenge already answered: its first answer stands."""

    status = 409


class Busy(InputError):
    """Too many challenges open at once."""

    status = 503


@dataclass(frozen=True)
class Answer:
    """What the page shows: the verdict, its colour class, and the verification behind it."""

    result: Verification

    @property
    def banner(self) -> str:
        return self.result.verdict

    @property
    def tone(self) -> str:
        """The verdict's colour class: ``not-genuine`` for NOT GENUINE."""
        return self.banner.lower().replace(" ", "-")


def typed(text: str) -> int:
    """The token id of what a verifier typed or followed (:func:`kp_py.records.token_id_of`), which
    must read as a certificate number: the page verifies certificates."""
    try:
        token_id = token_id_of(text)
    except KPError as error:
        raise InputError(str(error)) from None
    if not is_certificate_number(token_id):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise InputError(f"{shown!r} is not a certificate number (like AE-2024-000123) or a token id")
    return token_id


def link_of(token_id: int, query: Mapping[str, str]) -> Link | None:
    """The QR link's claims (chain, contract, commitment), None for a bare certificate address."""
    if not any(key in query for key in ("chain", "contract", "commitment")):
        return None
    chain, contract, commitment = (query.get(key, "") for key in ("chain", "contract", "commitment"))
    try:
        claimed = bytes.fromhex(commitment.removeprefix("0x"))
    except ValueError:
        claimed = b""
    chain_id = uint256_of(chain)
    if chain_id is None or not is_address(contract) or len(claimed) != 32:
        raise InputError("the link is damaged: it needs chain, contract and a 32-byte commitment")
    return Link(chain_id, to_checksum_address(contract), token_id, claimed)


class Verifier:
    """The checks behind the pages, on one deployment; participant names are read once."""

    def __init__(self, kp: KP) -> None:
        self.kp = kp
        self._names: dict[str, str] = {}

    def number(self, text: str) -> Verification:
        """Verify a typed number or token id."""
        return self.kp.verify(typed(text))

    def link(self, token_id: int, link: Link | None) -> Verification:
        """Verify what a QR link names, on this deployment only."""
        return self.kp.verify(token_id) if link is None else self.kp.verify_link(link)

    def document(self, raw: bytes, number: str = "") -> Verification:
        """Verify an uploaded document against its certificate (or against ``number`` if given)."""
        try:
            shown = read_shown(raw)
        except KPError as error:
            raise InputError(f"the file cannot be read: {error}") from None
        return self.kp.verify(typed(number if number.strip() else str(shown.token_id)), shown)

    def names(self, *codes: str) -> dict[str, str]:
        """Participants' names by code, each read once."""
        for code in codes:
            if code not in self._names:
                self._names[code] = self.kp.participant(code).name
        return {code: self._names[code] for code in codes}

    def participant(self, code: str) -> tuple[Participant, list[Proposal]]:
        """A participant's standing and the proposals about it that can still take effect."""
        code = code.strip().upper()
        try:
            code_bytes(code)
        except KPError as error:
            raise InputError(str(error)) from None
        found, pending = self.kp.participant(code), self.kp.proposals(code, open_only=True)
        if found.standing == "none" and not pending:
            raise InputError(f"{code} is not a KP participant")
        return found, pending

    def holdings(self, address: str) -> list[list[tuple[str, str]]]:
        """Every certificate ``address`` holds, as rows, with its token id for the link."""
        return [
            [("Token id", str(row.token_id)), *listed_rows(row)]
            for row in self.kp.list_certificates(holder=address)
        ]

    def details(self, result: Verification) -> list[tuple[str, str]]:
        """The certificate as the chain holds it, as label and value rows for the page."""
        cert = result.certificate
        if cert is None:
            return []
        names = self.names(cert.exporting, cert.importing)
        return certificate_rows(cert, names=names, change=result.change)


def wallet(text: str) -> str:
    """A wallet address typed or sent by a browser, checksummed."""
    text = text.strip()
    if not is_address(text):
        shown = text if len(text) <= 50 else text[:50] + "..."
        raise InputError(f"{shown!r} is not a wallet address (0x and 40 hexadecimal digits)")
    return to_checksum_address(text)


class Desk:
    """The page's proof-of-holding challenges: issued to a verifier, answered once by the holder's
    wallet, forgotten :data:`KEPT` seconds after they expire. In memory: a restart forgets them
    (their answers then come back ``unknown-challenge``)."""

    def __init__(self, kp: KP, lifetime: int = LIFETIME) -> None:
        if lifetime <= 0:
            raise KPError(f"a holder needs time to answer: a lifetime of {lifetime} s is none")
        self.kp, self.lifetime = kp, lifetime
        self.nonces = NonceStore()
        self.challenges: dict[str, Challenge] = {}
        self.answers: dict[str, Presented] = {}
        self._lock = threading.Lock()

    def ask(self, number: str, host: str, url: str) -> Challenge:
        """A fresh challenge for the certificate ``number`` names, signed for this site."""
        self._forget_old()
        token_id = typed(number)
        if self.kp.verify(token_id).certificate is None:
            raise InputError(f"{token_id_to_number(token_id)}: no certificate has this number")
        with self._lock:
            if len(self.challenges) >= OPEN_CHALLENGES:
                raise Busy("too many challenges are open: try again in a few minutes")
            challenge = make_challenge(self.kp, token_id, host, uri=url, lifetime=self.lifetime)
            self.nonces.keep(challenge)
            self.challenges[challenge.nonce] = challenge
        return challenge

    def find(self, nonce: str) -> tuple[Challenge, Presented | None]:
        with self._lock:
            challenge, answer = self.challenges.get(nonce), self.answers.get(nonce)
        if challenge is None:
            raise Gone("this page holds no such challenge (or it expired an hour ago): ask the holder anew")
        return challenge, answer

    def state(self, nonce: str, now: datetime | None = None) -> str:
        """``waiting``, ``presented``, ``refused`` or ``expired`` (unanswered in time)."""
        challenge, answer = self.find(nonce)
        if answer is not None:
            return "presented" if answer.held else "refused"
        return "expired" if (now or datetime.now(timezone.utc)) >= challenge.expires else "waiting"

    def answer(self, nonce: str, presentation: Presentation) -> Presented:
        """Check ``presentation`` as the answer to challenge ``nonce``: the first answer stands."""
        challenge, answer = self.find(nonce)
        if answer is not None:
            raise Answered(f"challenge {nonce} was already answered: {answer.verdict}")
        if f"\nNonce: {nonce}\n" not in presentation.message:
            raise InputError(f"the message does not answer challenge {nonce}")
        result = check_presentation(self.kp, presentation, self.nonces, challenge=challenge)
        with self._lock:
            return self.answers.setdefault(nonce, result)  # of two answers at once, the first taken

    def _forget_old(self) -> None:
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=KEPT)
        with self._lock:
            old = {nonce for nonce, c in self.challenges.items() if c.expires < cutoff}
            for nonce in old:
                del self.challenges[nonce]
                self.answers.pop(nonce, None)
        self.nonces.forget(old)


def presentation_of(body: Any) -> Presentation:
    """The answer a browser posts: ``{"message": text, "signature": 0x hex}``."""
    if not isinstance(body, dict):
        raise InputError('send the answer as JSON: {"message": ..., "signature": ...}')
    message, signature = body.get("message"), body.get("signature")
    if not isinstance(message, str) or not isinstance(signature, str):
        raise InputError("the answer needs a message and a signature, as text")
    return Presentation(message, signature)


def qr_svg(url: str) -> str:
    """``url`` as a QR code, an inline SVG a phone's camera reads from the verifier's screen."""
    import segno

    svg: str = segno.make(url, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title="QR code for the holder"
    )
    return svg


def shown(value: Any) -> Any:
    """A value as the page shows it: text without the controls and bidi overrides that text from
    the chain or a file may carry (autoescaping stops markup; this stops the rest)."""
    return type(value)(printable(value)) if isinstance(value, str) else value


def create_app(kp: KP, *, max_upload: int = MAX_UPLOAD, lifetime: int = LIFETIME) -> Flask:
    """The verification app for ``kp``'s deployment (read only; ``kp.account`` is never used);
    ``lifetime``: the seconds a holder has to answer a proof-of-holding challenge."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_upload
    app.jinja_env.finalize = shown  # every {{ value }} of every page
    verifier, desk = Verifier(kp), Desk(kp, lifetime)
    network = deployment_facts(kp)  # named on every page and in every JSON answer

    def page(result: Verification) -> str:
        return render_template(
            "result.html", answer=Answer(result), details=verifier.details(result), network=network
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
        token_id = typed(number)
        return page(verifier.link(token_id, link_of(token_id, request.args)))

    @app.get("/participants/<code>")
    def participant(code: str) -> str:
        standing, pending = verifier.participant(code)
        return render_template("participant.html", p=standing, pending=pending, network=network)

    @app.get("/api/participants/<code>")
    def api_participant(code: str) -> Response:
        p, pending = verifier.participant(code)
        facts = {
            "code": p.code,
            "name": p.name,
            "standing": p.standing,
            "standing_since": str(p.standing_since),
        }
        return jsonify({**facts, "pending_proposals": [x.to_dict() for x in pending], "network": network})

    @app.post("/holding")
    def ask_holder() -> WerkzeugResponse:
        challenge = desk.ask(request.form.get("number", ""), request.host, request.host_url)
        return redirect(f"/holding/{challenge.nonce}", 303)

    @app.get("/holding/<nonce>")
    def holding(nonce: str) -> str:
        challenge, answer = desk.find(nonce)
        sign = f"{request.host_url}holding/{nonce}/sign"
        return render_template(
            "holding.html",
            challenge=challenge,
            answer=answer,
            state=desk.state(nonce),
            sign=sign,
            qr=qr_svg(sign),
            network=network,
        )

    @app.get("/holding/<nonce>/sign")
    def holding_sign(nonce: str) -> str:
        challenge, answer = desk.find(nonce)
        return render_template(
            "sign.html", challenge=challenge, answer=answer, state=desk.state(nonce), network=network
        )

    @app.get("/api/holding/<nonce>")
    def api_holding(nonce: str) -> Response:
        challenge, answer = desk.find(nonce)
        facts = {"nonce": nonce, "number": challenge.number, "domain": challenge.domain}
        return jsonify(
            {
                **facts,
                "expires": challenge.expiration_time,
                "state": desk.state(nonce),
                "answer": answer.to_dict() if answer else None,
                "network": network,
            }
        )

    @app.get("/api/holding/<nonce>/message")
    def api_holding_message(nonce: str) -> Response:
        challenge, _ = desk.find(nonce)
        address = wallet(request.args.get("address", ""))
        return jsonify({"message": challenge.message(address).prepare_message()})

    @app.post("/api/holding/<nonce>")
    def api_holding_answer(nonce: str) -> Response:
        result = desk.answer(nonce, presentation_of(request.get_json(silent=True)))
        return jsonify({**result.to_dict(), "network": network})

    @app.get("/holders")
    def holders() -> WerkzeugResponse | str:
        if request.args.get("address", "").strip():
            return redirect(f"/holders/{wallet(request.args['address'])}", 303)
        return render_template("holders.html", address=None, held=None, network=network)

    @app.get("/holders/<address>")
    def holder(address: str) -> str:
        address = wallet(address)
        held = verifier.holdings(address)
        return render_template("holders.html", address=address, held=held, network=network)

    @app.get("/api/holders/<address>/certificates")
    def api_holder(address: str) -> Response:
        rows = verifier.kp.list_certificates(holder=wallet(address))
        return jsonify(
            {"holder": wallet(address), "certificates": [row.to_dict() for row in rows], "network": network}
        )

    @app.get("/api/certificates/<path:number>")
    def api_certificate(number: str) -> Response:
        token_id = typed(number)
        result = verifier.link(token_id, link_of(token_id, request.args))
        return jsonify({**result.to_dict(), "network": network})

    def failure(message: str, status: int) -> tuple[Response | str, int]:
        """One line, no traceback: JSON under /api/, a page elsewhere."""
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), status
        return render_template("error.html", message=message, status=status, network=network), status

    @app.errorhandler(InputError)
    def bad_input(error: InputError) -> tuple[Response | str, int]:
        return failure(str(error), error.status)

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
