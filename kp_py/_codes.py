"""What the contracts' codes stand for: the words of their enums, their events' names, and a
certificate's number as its token id. Imports nothing heavier than ``re``: ``kp list`` and
``kp stats`` read an index without loading web3 or eth-abi (tests/cli/test_index_alone.py)."""

from __future__ import annotations

import re

STANDINGS = ("none", "admitted", "suspended", "withdrawn")
SCOPES = ("exports", "imports")
STATUSES = ("unknown", "issued", "receipt confirmed", "voided", "expired")
VOID_REASONS = ("none", "lost", "cancelled", "issued in error", "fraud", "other")
PROPOSAL_STATES = ("unknown", "pending", "withdrawn", "objected", "executed")

# Events: a root's registration, and the event of each change of a certificate's status.
REGISTRATIONS = ("ProductionRegistered", "PaperCertificateRegistered")
CHANGES = {"receipt confirmed": "ReceiptConfirmed", "voided": "CertificateVoided"}  # a status: its event
STATUS_OF = {event: status for status, event in CHANGES.items()}

# A certificate number: the participant's code, a dash, then up to 29 of A-Z 0-9 . / - (it is the
# token id's 32 ASCII bytes).
NUMBER = re.compile(r"[A-Z]{2}-[A-Z0-9./-]{1,29}")


def ascii_bytes(text: str, size: int) -> bytes:
    """``text`` in ASCII, left-aligned and zero-padded to ``size`` bytes."""
    raw = text.encode("ascii")
    if len(raw) > size:
        raise ValueError(f"{text!r} is longer than {size} bytes")
    return raw.ljust(size, b"\0")


def ascii_text(raw: bytes) -> str:
    """The inverse of :func:`ascii_bytes`."""
    return raw.rstrip(b"\0").decode("ascii", errors="replace")


def number_to_token_id(number: str) -> int:
    """The token id of certificate ``number``: its ASCII, left-aligned in 32 bytes."""
    return int.from_bytes(ascii_bytes(number, 32), "big")


def token_id_to_number(token_id: int) -> str:
    """The certificate number a token id encodes."""
    return ascii_text(token_id.to_bytes(32, "big"))
