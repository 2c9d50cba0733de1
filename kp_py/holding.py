"""Proof of holding: a verifier asks whoever shows a certificate to sign a fresh challenge with the
wallet that holds it, and checks the answer. The challenge is a Sign-In with Ethereum message
(EIP-4361, read and checked by the ``siwe`` package) naming the verifier's domain, the chain, the
certificate and a one-time nonce, valid a few minutes.

* The verifier makes a :class:`Challenge` (:func:`make_challenge`), keeps its nonce in a
  :class:`NonceStore` and hands the challenge to the presenter (as a file, ``holding-challenge/v1``).
* The presenter signs it with the holding wallet (:func:`sign_challenge`): a :class:`Presentation`,
  the message and its signature (``holding-presentation/v1``). A contract wallet (ERC-1271) holding
  the certificate is named as the signer while one of its keys signs.
* The verifier checks it (:func:`check_presentation`): the challenge is one it issued and has not
  seen answered, the message is that challenge word for word, unexpired, signed for the wallet it
  names (an EOA, or a contract wallet asked through ERC-1271), that wallet is ``ownerOf`` the
  certificate now, and the certificate is GENUINE. The answer, :class:`Presented`, is either
  "presented by its holder" or refused with one code (:data:`REFUSALS`) and one line.

The refusal codes are about the presentation, not the certificate, so they are kept here rather
than in :data:`kp_py.verify.PROBLEMS`: a certificate that is not genuine is refused as
``not-genuine``, its own problems and verdict left in the :class:`~kp_py.verify.Verification`
carried along.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import is_address, to_checksum_address

from kp_py._codes import token_id_to_number
from kp_py._files import write_atomic
from kp_py._json import loads_strict
from kp_py.errors import DocumentError, KPError
from kp_py.records import token_id_of
from kp_py.verify import Verification

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from kp_py.client import KP

CHALLENGE_KIND, PRESENTATION_KIND = "holding-challenge/v1", "holding-presentation/v1"
LIFETIME = 300  # seconds a challenge may be answered in, by default
KEPT_AFTER = timedelta(days=1)  # how long a verifier's folder keeps a challenge past its expiry
RESOURCE = "urn:kp:certificate:"  # + the certificate number: the resource the message names
HELD, REFUSED = "presented by its holder", "refused"
REFUSALS = (
    "malformed",  # not an EIP-4361 message, or a file that is not a presentation
    "unknown-challenge",  # a nonce this verifier never issued
    "replayed",  # a challenge already answered once
    "wrong-domain",  # signed for another verifier's site
    "wrong-chain",  # signed for another chain, or the challenge is for another deployment
    "wrong-certificate",  # signed for another certificate than the one asked about
    "altered",  # another field differs from the challenge issued (uri, times, statement)
    "expired",  # answered after the challenge's expiration time
    "bad-signature",  # not signed by the wallet the message names (nor valid for it by ERC-1271)
    "not-holder",  # the signer is not ownerOf the certificate now
    "not-genuine",  # the certificate is not GENUINE (voided, expired, unknown, issuer disabled...)
)
NOBODY = "0x" + "00" * 20  # the address a challenge is checked with before anyone signs it
NONCE_LETTERS = string.ascii_letters + string.digits  # EIP-4361: at least 8 alphanumerics


class NotPresented(KPError, ValueError):
    """A presentation refused, with its code from :data:`REFUSALS`."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _siwe() -> Any:
    """The ``siwe`` package, imported when a message is made or read (its ABNF grammar warns
    about redefining core rules at import: not ours to show)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import siwe
    except ImportError:
        raise KPError("proof of holding needs siwe: pip install 'kp-certificates[holding]'") from None
    return siwe


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Challenge:
    """What a verifier asks a presenter to sign: every field of the EIP-4361 message but the
    signer's address, which the presenter adds."""

    number: str
    domain: str  # the verifier's site, as EIP-4361's authority (kp.example, or host:port)
    uri: str
    chain_id: int
    contract: str  # the certificate contract
    nonce: str
    issued_at: str  # ISO 8601, UTC
    expiration_time: str

    @property
    def token_id(self) -> int:
        return token_id_of(self.number)

    @property
    def expires(self) -> datetime:
        return _when(self.expiration_time)

    @property
    def statement(self) -> str:
        return (
            f"I hold Kimberley Process certificate {self.number} "
            f"(contract {self.contract} on chain {self.chain_id}) in this wallet."
        )

    @property
    def resources(self) -> list[str]:
        return [RESOURCE + self.number]

    def message(self, address: str) -> Any:
        """The ``siwe.SiweMessage`` that ``address`` signs."""
        return _siwe().SiweMessage(
            domain=self.domain,
            address=to_checksum_address(address),
            uri=self.uri,
            version="1",
            chain_id=self.chain_id,
            nonce=self.nonce,
            issued_at=self.issued_at,
            expiration_time=self.expiration_time,
            statement=self.statement,
            resources=self.resources,
        )

    def to_dict(self) -> dict[str, Any]:
        return {"kp": CHALLENGE_KIND, **{name: getattr(self, name) for name in _CHALLENGE_FIELDS}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, raw: str | bytes, source: str | None = None) -> Challenge:
        data = loads_strict(raw, source=source)
        if not isinstance(data, dict) or data.get("kp") != CHALLENGE_KIND:
            raise DocumentError("kp", f"not a proof-of-holding challenge ({CHALLENGE_KIND})", source)
        values: dict[str, Any] = {}
        for name, kind in _CHALLENGE_FIELDS.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise DocumentError(name, f"missing or not {'an integer' if kind is int else 'text'}", source)
            values[name] = value
        challenge = cls(**values)
        try:
            token_id_of(challenge.number)
            for moment in (challenge.issued_at, challenge.expiration_time):
                _when(moment)
            _check_nonce(challenge.nonce)
            challenge.message(NOBODY)  # the siwe model's own checks (domain, uri, times)
        except (KPError, ValueError) as error:
            raise DocumentError("challenge", _first_problem(error), source) from None
        return challenge


def _first_problem(error: Exception) -> str:
    """One line for ``error``; for pydantic's (the siwe model's), its first field and problem."""
    found = getattr(error, "errors", None)
    if callable(found) and found():
        first = found()[0]
        return f"{'.'.join(str(part) for part in first.get('loc', ()))}: {first.get('msg', '')}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


_CHALLENGE_FIELDS: dict[str, type] = {
    "number": str,
    "domain": str,
    "uri": str,
    "chain_id": int,
    "contract": str,
    "nonce": str,
    "issued_at": str,
    "expiration_time": str,
}


def make_challenge(
    kp: KP,
    number: str | int,
    domain: str,
    *,
    uri: str | None = None,
    lifetime: int = LIFETIME,
    now: datetime | None = None,
) -> Challenge:
    """A fresh challenge for certificate ``number`` on ``kp``'s deployment, for the verifier at
    ``domain`` (its page ``uri``, ``https://DOMAIN/`` by default), to be answered within
    ``lifetime`` seconds. Keep it in a :class:`NonceStore` before handing it out."""
    if not domain or any(c in domain for c in "/?# \n") or not domain.isprintable():
        raise KPError(f"{domain!r} is not a domain (kp.example, or host:port)")
    if lifetime <= 0:
        raise KPError("a challenge's lifetime must be positive")
    start = now or datetime.now(timezone.utc)
    challenge = Challenge(
        number=token_id_to_number(token_id_of(number)),
        domain=domain,
        uri=uri or f"https://{domain}/",
        chain_id=kp.deployment.chain_id,
        contract=to_checksum_address(kp.certificates.address),
        nonce="".join(secrets.choice(NONCE_LETTERS) for _ in range(22)),  # 130 bits
        issued_at=_iso(start),
        expiration_time=_iso(start + timedelta(seconds=lifetime)),
    )
    challenge.message(NOBODY)  # the siwe model's checks (uri, domain), before it is kept
    return challenge


@dataclass(frozen=True)
class Presentation:
    """A presenter's answer: the EIP-4361 message text as signed, and the signature (EIP-191 by an
    EOA, or whatever the contract wallet named in the message accepts through ERC-1271)."""

    message: str
    signature: str  # 0x hex

    def to_json(self) -> str:
        data = {"kp": PRESENTATION_KIND, "message": self.message, "signature": self.signature}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, raw: str | bytes, source: str | None = None) -> Presentation:
        data = loads_strict(raw, source=source)
        if not isinstance(data, dict) or data.get("kp") != PRESENTATION_KIND:
            raise DocumentError("kp", f"not a proof-of-holding presentation ({PRESENTATION_KIND})", source)
        message, signature = data.get("message"), data.get("signature")
        if not isinstance(message, str) or not isinstance(signature, str):
            raise DocumentError("message", "the message and signature must be text", source)
        return cls(message, signature)


def sign_challenge(account: LocalAccount, challenge: Challenge, wallet: str | None = None) -> Presentation:
    """Answer ``challenge`` with ``account``: as the holding wallet itself, or, with ``wallet``, as
    a key of that contract wallet (ERC-1271), which is then the signer the message names."""
    if wallet is not None and not is_address(wallet):
        raise KPError(f"{wallet!r} is not a 0x address")
    text = challenge.message(wallet or account.address).prepare_message()
    signature = account.sign_message(encode_defunct(text=text)).signature
    return Presentation(text, "0x" + bytes(signature).hex())


class NonceStore:
    """The challenges a verifier issued and not yet saw answered: each is answered once. In a
    folder (``home/holding``: one file per nonce, taken by an atomic rename, so two verifiers
    sharing the folder cannot both accept it), or in memory (``folder`` None) for a server."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._issued: dict[str, Challenge] = {}
        self._taken: set[str] = set()
        self._lock = threading.Lock()

    def keep(self, challenge: Challenge) -> None:
        _check_nonce(challenge.nonce)
        if self.folder is None:
            with self._lock:
                self._issued[challenge.nonce] = challenge
            return
        (self.folder / "taken").mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(self._path(challenge.nonce), challenge.to_json(), replace=False)
        self._forget_expired()

    def _forget_expired(self) -> None:
        """Remove the files of challenges that expired more than :data:`KEPT_AFTER` ago, answered
        or not: they could only be refused now (``unknown-challenge`` rather than ``expired`` or
        ``replayed``), and the folder would otherwise grow with every challenge."""
        assert self.folder is not None
        cutoff = datetime.now(timezone.utc) - KEPT_AFTER
        for path in [*self.folder.glob("*.json"), *(self.folder / "taken").glob("*.json")]:
            try:
                expired = Challenge.from_json(path.read_bytes(), str(path)).expires < cutoff
            except (OSError, KPError):
                continue  # not ours to judge: left as it is
            if expired:
                path.unlink(missing_ok=True)

    def take(self, nonce: str) -> Challenge:
        """The challenge issued with ``nonce``, which can never be taken again."""
        try:
            _check_nonce(nonce)
        except KPError as error:
            raise NotPresented("malformed", str(error)) from None
        if self.folder is None:
            with self._lock:
                if nonce in self._taken:
                    raise _replayed(nonce)
                if nonce not in self._issued:
                    raise _unknown(nonce)
                self._taken.add(nonce)
                return self._issued.pop(nonce)
        path, taken = self._path(nonce), self.folder / "taken" / f"{nonce}.json"
        try:
            os.rename(path, taken)  # atomic: of two verifiers, one wins
        except FileNotFoundError:
            raise _replayed(nonce) if taken.exists() else _unknown(nonce) from None
        return Challenge.from_json(taken.read_bytes(), str(taken))

    def issued(self, nonce: str) -> Challenge | None:
        """The challenge issued with ``nonce`` and not yet taken, if any (in memory only): what a
        page shows the presenter before they sign."""
        with self._lock:
            return self._issued.get(nonce)

    def forget(self, nonces: set[str]) -> None:
        """Drop ``nonces`` from memory, answered or not (a server forgets challenges long
        expired): a forgotten nonce is then unknown, never accepted."""
        with self._lock:
            for nonce in nonces:
                self._issued.pop(nonce, None)
                self._taken.discard(nonce)

    def _path(self, nonce: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{nonce}.json"


def _check_nonce(nonce: str) -> None:
    """EIP-4361's nonce: 8 alphanumerics or more (and so a safe file name)."""
    if not (nonce.isascii() and nonce.isalnum() and len(nonce) >= 8):
        raise KPError(f"the nonce {nonce!r} is not 8 letters and digits or more")


def _replayed(nonce: str) -> NotPresented:
    return NotPresented("replayed", f"the challenge with nonce {nonce} was already answered: ask anew")


def _unknown(nonce: str) -> NotPresented:
    return NotPresented("unknown-challenge", f"no challenge with nonce {nonce} was issued here")


@dataclass(frozen=True)
class Presented:
    """The answer to "did the holder of this certificate present it?": ``held`` to branch on,
    ``refusal`` (a code of :data:`REFUSALS`) to branch on why not, ``reason`` to read."""

    number: str
    held: bool
    refusal: str | None
    reason: str
    signer: str | None = None
    verification: Verification | None = None

    @property
    def verdict(self) -> str:
        return HELD if self.held else REFUSED

    def summary(self) -> str:
        head = f"{self.number}: {self.verdict}" + ("" if self.held else f" ({self.refusal})")
        lines = [f"{head}: {self.reason}"]
        if self.verification is not None:
            lines += ["  " + line for line in self.verification.summary().split("\n")]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "held": self.held,
            "verdict": self.verdict,
            "refusal": self.refusal,
            "reason": self.reason,
            "signer": self.signer,
            "verification": self.verification.to_dict() if self.verification else None,
        }


def check_presentation(
    kp: KP,
    presentation: Presentation,
    nonces: NonceStore,
    *,
    number: str | int | None = None,
    challenge: Challenge | None = None,
    now: datetime | None = None,
) -> Presented:
    """Whether ``presentation`` answers a challenge ``nonces`` holds (taken: never accepted again),
    for certificate ``number`` if given, on ``kp``'s deployment, signed by the wallet that holds the
    certificate now, and the certificate is genuine. ``challenge``: the file the verifier was handed
    back, which must be the one issued. ``now``: the time to judge expiry at (the clock's)."""
    asked = token_id_to_number(token_id_of(number)) if number is not None else None
    shown = asked or (challenge.number if challenge else "?")
    try:
        siwe = _siwe()
        try:
            message = siwe.SiweMessage.from_message(presentation.message)
        except ValueError:
            raise NotPresented("malformed", "the presentation's message is not an EIP-4361 message") from None
        issued = nonces.take(message.nonce)
        shown = asked or issued.number
        _compare(kp, issued, message, asked, challenge)
        _check_signature(kp, siwe, message, presentation.signature, issued, now)
        signer = to_checksum_address(message.address)
        verification = kp.verify(issued.token_id)
        if verification.certificate is not None:  # ownerOf reverts for a number never issued
            holder = to_checksum_address(kp.certificates.functions.ownerOf(issued.token_id).call())
            if holder != signer:
                raise NotPresented("not-holder", f"{signer} signed, but {issued.number} is held by {holder}")
    except NotPresented as refusal:
        return Presented(shown, False, refusal.code, refusal.reason)
    if not verification.genuine:
        why = verification.reasons[0] if verification.reasons else verification.status
        reason = f"{issued.number} is {verification.verdict}: {why}"
        return Presented(shown, False, "not-genuine", reason, signer, verification)
    reason = (
        f"{signer} holds it and signed the challenge for {issued.domain} (nonce {issued.nonce}, "
        f"valid until {issued.expiration_time}); the certificate is {verification.verdict}"
    )
    return Presented(shown, True, None, reason, signer, verification)


def _compare(kp: KP, issued: Challenge, message: Any, asked: str | None, handed: Challenge | None) -> None:
    """The message is the challenge issued, for this deployment and the certificate asked about."""
    here = (kp.deployment.chain_id, to_checksum_address(kp.certificates.address))
    if handed is not None and handed != issued:
        raise NotPresented("altered", f"the challenge file is not the one issued with nonce {issued.nonce}")
    if (issued.chain_id, to_checksum_address(issued.contract)) != here:
        raise NotPresented(
            "wrong-chain",
            f"the challenge is for contract {issued.contract} on chain {issued.chain_id}, not this "
            f"deployment ({here[1]} on chain {here[0]})",
        )
    if asked is not None and issued.number != asked:
        raise NotPresented("wrong-certificate", f"the challenge is for {issued.number}, not {asked}")
    if message.domain != issued.domain:
        raise NotPresented(
            "wrong-domain", f"the message was signed for {message.domain}, not {issued.domain}"
        )
    if message.chain_id != issued.chain_id:
        raise NotPresented(
            "wrong-chain", f"the message was signed for chain {message.chain_id}, not {issued.chain_id}"
        )
    if list(message.resources or []) != issued.resources or message.statement != issued.statement:
        raise NotPresented(
            "wrong-certificate",
            f"the message names another certificate than {issued.number}: "
            f"{', '.join(message.resources or []) or 'none'}",
        )
    expected = issued.message(message.address)
    for name in ("uri", "version", "issued_at", "expiration_time", "not_before", "request_id", "scheme"):
        if str(getattr(message, name)) != str(getattr(expected, name)):
            raise NotPresented("altered", f"the message's {name} differs from the challenge issued")


def _check_signature(
    kp: KP, siwe: Any, message: Any, signature: str, issued: Challenge, now: datetime | None
) -> None:
    """siwe's own checks: domain, nonce, times, and the signature (ERC-1271 through the node)."""
    if not signature.startswith("0x"):
        raise NotPresented("bad-signature", "the signature is not 0x hex")
    try:
        message.verify(
            signature,
            domain=issued.domain,
            nonce=issued.nonce,
            timestamp=now or datetime.now(timezone.utc),
            provider=kp.w3.provider,
        )
    except siwe.ExpiredMessage:
        raise NotPresented("expired", f"the challenge expired at {issued.expiration_time}") from None
    except siwe.DomainMismatch:
        raise NotPresented("wrong-domain", f"the message was not signed for {issued.domain}") from None
    except siwe.NonceMismatch:
        raise NotPresented("replayed", f"the message does not carry nonce {issued.nonce}") from None
    except (siwe.InvalidSignature, siwe.VerificationError, ValueError, BadSignature):
        raise NotPresented(
            "bad-signature", f"the signature is not {message.address}'s (nor valid for it by ERC-1271)"
        ) from None
