"""The exceptions of kp: one root, ``KPError``, and one class per refusal the contracts can make.

Every revert, whether it comes from the in-process EVM (eth-tester) or from a node over HTTP, is
decoded into the class named after its Solidity custom error, carrying the decoded arguments and
reading as a sentence::

    try:
        kp.issue(document)
    except ExportsBarred as refusal:
        print(refusal)            # CF is barred from exporting since 2013-05-23
        refusal.values["code"]    # 'CF'
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

OPEN_END = 2**40 - 1
_EPOCH = datetime(1970, 1, 1)  # naive UTC, as kp's times read: adding seconds to it is 3x fromtimestamp


class KPError(Exception):
    """The root of every error kp raises on purpose."""


class DocumentError(KPError, ValueError):
    """A certificate document is malformed; the message names the field at fault."""

    def __init__(self, field: str, problem: str, source: str | None = None) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}document field {field!r}: {problem}")
        self.field = field
        self.problem = problem
        self.source = source


class ContractRevert(KPError):
    """A contract refused a call; subclasses name the refusal.

    ``values`` holds the error's decoded arguments, by their Solidity names, in readable form
    (codes as ``"BW"``, times as ``datetime``, token ids as certificate numbers); ``raw`` holds
    them as the ABI decoder returned them.
    """

    template: ClassVar[str] = "the contract refused the call ({error})"

    def __init__(self, error: str, values: dict[str, Any], raw: tuple[Any, ...] = ()) -> None:
        self.error = error
        self.values = values
        self.raw = raw
        shown = {key: _show(value) for key, value in values.items()}
        super().__init__(self.template.format(error=error, **shown))


class NotPermitted(ContractRevert, PermissionError):
    """The caller may not do this."""


class NotFound(ContractRevert, LookupError):
    """The certificate, participant or authority does not exist."""


class UnknownRecord(NotFound):
    """No certificate or root of this kind has this number or id (found without asking a contract)."""

    template = "{what}"

    def __init__(self, what: str) -> None:
        super().__init__("UnknownRecord", {"what": what})


class Refused(ContractRevert, ValueError):
    """The rules of the scheme, or the input, forbid this."""


class ReasonGiven(Refused):
    """A refusal with a plain reason (``Error(string)``), which wallets show: kp's contracts give one
    only where a wallet is the audience, a transfer or an approval of a certificate."""

    template = "{reason}"


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.isoformat(" ")
    return str(value)


# One class per Solidity custom error: (base, template). The template names the error's arguments.
_ERRORS: dict[str, tuple[type[ContractRevert], str]] = {
    # access control (OpenZeppelin)
    "AccessControlUnauthorizedAccount": (NotPermitted, "{account} does not hold the role {neededRole}"),
    "AccessControlBadConfirmation": (NotPermitted, "only an account itself can renounce its roles"),
    "AccessControlInvalidDefaultAdmin": (Refused, "{defaultAdmin} cannot be the admin"),
    "AccessControlEnforcedDefaultAdminRules": (
        Refused,
        "the admin role changes hands only in two steps (begin, then accept after the delay)",
    ),
    "AccessControlEnforcedDefaultAdminDelay": (
        Refused,
        "the admin role changes hands, or is given up, only after a delay begun beforehand "
        "(scheduled: {schedule})",
    ),
    # (block time as 48 bits, when the admin role or its delay changes: overflows in 8.9 million years)
    "SafeCastOverflowedUintDowncast": (Refused, "{value} does not fit in {bits} bits"),
    # registry
    "InvalidParticipantCode": (Refused, "{code!r} is not a two-letter ISO 3166-1 code"),
    "EmptyParticipantName": (Refused, "participant {code} needs a name"),
    "UnknownParticipant": (NotFound, "{code} is not a KP participant"),
    "InvalidStandingChange": (Refused, "{code} is {standing}: it cannot become {requested}"),
    "ParticipantNotAdmitted": (Refused, "{code} is not in good standing (it is {standing})"),
    "ExportsBarred": (Refused, "{code} is barred from exporting since {since}"),
    "ImportsBarred": (Refused, "{code} is barred from importing since {since}"),
    "SameParticipant": (Refused, "{code} cannot export to itself"),
    "InvalidOriginCount": (Refused, "a certificate names 1 to {max} origins, not {count}"),
    "InvalidOrigin": (Refused, "origin {origin!r} is not CODE or CODE/zone of a KP participant"),
    "DuplicateOrigin": (Refused, "origin {origin} is named twice"),
    "OriginEmbargoed": (Refused, "rough from {origin} is under an export embargo since {since}"),
    "ExportsLimitedToZones": (
        Refused,
        "{code} may export only rough from its compliant zones, and {origin} is not one of them",
    ),
    "InvalidScope": (Refused, "embargo scope {scope} is not 0 (exports) or 1 (imports)"),
    "NoEmbargo": (Refused, "{code} has no {scope} embargo to lift"),
    "InvalidZone": (Refused, "{zone!r} is not a distinct zone CODE/name of {code}, for an export embargo"),
    "TooManyZones": (Refused, "an embargo lists at most {max} compliant zones, not {count}"),
    "InvalidEmbargoPeriod": (
        Refused,
        "the embargo on {code} needs a start, and an end after it ({since} to {until})",
    ),
    "InvalidAuthorityAddress": (Refused, "{authority} cannot be an authority key"),
    "InvalidRoleHolder": (Refused, "role {role} cannot be given to the zero address"),
    "AuthorityExists": (Refused, "{authority} is already a key of {participant}; keys are never reused"),
    "UnknownAuthority": (NotPermitted, "{authority} is not a KP authority key"),
    "InvalidValidity": (Refused, "a validity window must end after it starts ({validFrom} to {validUntil})"),
    "NotAuthorityOf": (NotPermitted, "{authority} is a key of {actual}, not of {participant}"),
    "AuthorityLapsed": (NotPermitted, "{authority} lapsed when {participant} withdrew from the scheme"),
    "AuthorityNotValid": (
        NotPermitted,
        "{authority} of {participant} is valid only from {validFrom} until {validUntil}",
    ),
    "UnknownAuthorityIndex": (NotFound, "{participant} has no authority key number {index}"),
    "NoPendingAuthority": (NotFound, "no key is proposed as {authority}"),
    "DecisionNeedsProposal": (
        NotPermitted,
        "{selector} lets someone in: it is decided by the plenary, through a proposal and a notice "
        "period free of objection",
    ),
    "TooManyKeys": (Refused, "{participant} has registered as many keys as it can"),
    "InvalidValidityEnd": (
        Refused,
        "{authority}'s validity can only be shortened, to between {earliest} and {validUntil}, "
        "not to {requested}",
    ),
    # plenary
    "InvalidNoticePeriod": (Refused, "the notice period must be at least one second, not {noticePeriod}"),
    "EmptyProposal": (Refused, "a proposal needs at least one decision"),
    "NotProposable": (
        Refused,
        "{selector} is not a decision the plenary takes: it is immediate, or nobody may take it",
    ),
    "UnknownProposal": (NotFound, "there is no proposal {id}"),
    "ProposalCallMismatch": (Refused, "the decisions given are not those of proposal {id}"),
    "ProposalNotReady": (Refused, "proposal {id} is open to objection until {readyAt}"),
    "ProposalExpired": (Refused, "proposal {id} could be executed until {expiredAt}; propose it again"),
    "ProposalClosed": (Refused, "proposal {id} is {state}"),
    "ProposalBlocked": (Refused, "{objector} objected to proposal {id}: it will not take effect"),
    "ObjectionTooLate": (Refused, "objections to proposal {id} were heard until {readyAt}"),
    "NotInGoodStanding": (
        NotPermitted,
        "{participant} has been {standing} since {since}, since before the proposal's notice period, "
        "so it is not heard on it",
    ),
    "ProposerLostRole": (NotPermitted, "{proposer}, who made proposal {id}, no longer holds its role"),
    # OpenZeppelin's Address, through which the plenary calls the registry: never raised in practice
    # (the registry has code, no value is sent, and its errors come back as they are)
    "AddressEmptyCode": (Refused, "{target} has no code"),
    "FailedCall": (Refused, "the call failed without a reason"),
    "InsufficientBalance": (Refused, "a balance of {balance} wei cannot send {needed}"),
    # certificates
    "InvalidCertificateNumber": (
        Refused,
        "{number!r} is not a certificate number (CC-..., up to 32 characters)",
    ),
    "CertificateExists": (Refused, "certificate {tokenId} already exists"),
    "InvalidHolder": (Refused, "{holder} cannot hold a certificate"),
    "InvalidCarats": (Refused, "carats must be positive, not {carats}"),
    "InvalidParcels": (Refused, "a shipment has at least one parcel, not {parcels}"),
    "InvalidHsCode": (Refused, "7102.{hsCode} is not a rough-diamond HS code (7102.10, 7102.21, 7102.31)"),
    "InvalidExpiry": (Refused, "the expiry {expiresAt} is not after the time of issue {now}"),
    "MissingDocumentCommitment": (Refused, "certificate {tokenId} has no document commitment"),
    "UnknownCertificate": (NotFound, "there is no certificate {tokenId}"),
    "CertificateNotPending": (
        Refused,
        "certificate {tokenId} is {status}: only an issued one can be confirmed",
    ),
    "CertificateAlreadyVoided": (Refused, "certificate {tokenId} is already voided"),
    "InvalidVoidReason": (Refused, "{reason} is not a reason to void certificate {tokenId} (1 to 5)"),
    "OnlyCertificates": (
        NotPermitted,
        "only the certificate contract that deployed it can move its verification page, not {caller}",
    ),
    "TooManyParents": (Refused, "a certificate names at most {max} parents, not {count}"),
    "DuplicateParent": (Refused, "parent {parentId} is named twice"),
    "InvalidDraw": (Refused, "the carats drawn from parent {parentId} must be positive, not {carats}"),
    "ParentNotConfirmed": (
        Refused,
        "parent {parentId} is {status}: only a certificate whose receipt was confirmed, or registered "
        "production or paper, can be drawn on",
    ),
    "ParentNotHeld": (
        Refused,
        "parent {parentId} is held by {heldBy}, not by the exporter {exporting}: a parent is an import of "
        "the exporter, or production or a paper certificate it registered",
    ),
    "ParentIssuerNotValid": (Refused, "parent {parentId} was issued by a key not valid at the time"),
    "ParentOriginsMismatch": (
        Refused,
        "the origins given for parent {parentId} are not those it was issued with",
    ),
    "ParentOverdrawn": (
        Refused,
        "drawing {carats} carats from parent {parentId} exceeds what is left of it, {remaining}",
    ),
    "OriginNotCovered": (
        Refused,
        "origin {origin} comes from none of the parents: origins come from where the rough does",
    ),
    "OriginNotCarried": (
        Refused,
        "parent {parentId} carries origin {origin}, which the certificate leaves out: "
        "origins follow the rough",
    ),
    "CaratsNotDrawn": (
        Refused,
        "the parents give {drawn} carats for a certificate of {carats}: every carat is drawn from "
        "a confirmed import, registered production or a registered paper certificate",
    ),
    "InvalidLot": (Refused, "production lot {lot!r} is not 1 to 29 of A-Z 0-9 - . /"),
    "InvalidPeriod": (
        Refused,
        "a production period must start before it ends, and not in the future ({start} to {end})",
    ),
    "InvalidPaperDates": (
        Refused,
        "a paper certificate is issued before it expires, and not in the future ({issuedAt} to {expiresAt})",
    ),
    "AlreadyRegistered": (Refused, "{rootId} is already registered"),
    "EmptyBatch": (Refused, "the batch is empty"),
    "InvalidSignature": (
        NotPermitted,
        "the signature is not {authority}'s over this operation, contract and chain",
    ),
    "SignatureExpired": (Refused, "the signature was valid until {deadline}; it is now {now}"),
    "InvalidRegistry": (Refused, "{registry} is not a registry"),
    "ERC721NonexistentToken": (NotFound, "there is no certificate {tokenId}"),
    "ERC721InvalidOwner": (Refused, "{owner} cannot hold certificates"),
    # ERC-721 errors the certificate contract declares (OpenZeppelin's IERC721Errors) but never
    # raises: no certificate moves and nobody is approved
    "ERC721IncorrectOwner": (NotPermitted, "certificate {tokenId} is held by {owner}, not by {sender}"),
    "ERC721InsufficientApproval": (
        NotPermitted,
        "{operator} is not approved for certificate {tokenId}: certificates cannot be delegated",
    ),
    "ERC721InvalidApprover": (Refused, "{approver} cannot approve anyone: certificates cannot be delegated"),
    "ERC721InvalidOperator": (Refused, "{operator} cannot be an operator: certificates cannot be delegated"),
    "ERC721InvalidSender": (Refused, "{sender} cannot send certificates: they are bound to their holder"),
    "ERC721InvalidReceiver": (Refused, "{receiver} cannot receive certificates"),
    # the EIP-712 domain's name and version (OpenZeppelin's ShortStrings), fixed at deployment
    "StringTooLong": (Refused, "{str!r} is longer than the 31 bytes of an EIP-712 short string"),
    "InvalidShortString": (Refused, "the EIP-712 name or version is not a valid short string"),
}


def _make(name: str, base: type[ContractRevert], template: str) -> type[ContractRevert]:
    doc = template.replace("{", "").replace("}", "").replace("!r", "")
    return type(name, (base,), {"template": template, "__doc__": doc[0].upper() + doc[1:] + "."})


ERROR_CLASSES: dict[str, type[ContractRevert]] = {
    name: _make(name, base, template) for name, (base, template) in _ERRORS.items()
}
globals().update(ERROR_CLASSES)


def error_class(name: str) -> type[ContractRevert]:
    """The exception class of the Solidity custom error ``name``."""
    return ERROR_CLASSES.get(name, ContractRevert)


def timestamp(seconds: int) -> datetime | str:
    """A uint40 time as a UTC ``datetime``; the open end reads as 'no end'."""
    if seconds >= OPEN_END:
        return "no end"
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except (OverflowError, ValueError, OSError):  # past year 9999: only a hostile or mistaken value
        return f"{seconds} (Unix time)"


def __getattr__(name: str) -> type[ContractRevert]:  # for type checkers: the classes above
    try:
        return ERROR_CLASSES[name]
    except KeyError:
        raise AttributeError(name) from None
