"""kp: Kimberley Process certificates on Ethereum.

The public API: :func:`connect` (a network and its deployment), :class:`KP` (deploy, registry,
issue, confirm, void, read, list, verify, trace),
:class:`Document` (validated certificate documents and their commitment), and the
exceptions in :mod:`kp_py.errors`, all rooted at :class:`KPError`.

Names are imported when first used (PEP 562), so that ``kp --version`` need not load web3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kp_py.client import KP
    from kp_py.document import Document, Parent, Party, commitment, new_salts
    from kp_py.errors import ContractRevert, DocumentError, KPError
    from kp_py.issued import IssuedDocument
    from kp_py.network import connect
    from kp_py.plenary import Proposal
    from kp_py.provenance import ProvenanceStatus, Trace
    from kp_py.records import Certificate, Deployment
    from kp_py.verify import Verification

_HOMES = {
    "KP": "client",
    "Certificate": "records",
    "ContractRevert": "errors",
    "Deployment": "records",
    "Document": "document",
    "DocumentError": "errors",
    "IssuedDocument": "issued",
    "KPError": "errors",
    "Parent": "document",
    "Party": "document",
    "Proposal": "plenary",
    "ProvenanceStatus": "provenance",
    "Trace": "provenance",
    "Verification": "verify",
    "commitment": "document",
    "connect": "network",
    "new_salts": "document",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'kp_py' has no attribute {name!r}")
    return getattr(importlib.import_module(f"kp_py.{_HOMES[name]}"), name)


__all__ = [
    "KP",
    "Certificate",
    "ContractRevert",
    "Deployment",
    "Document",
    "DocumentError",
    "IssuedDocument",
    "KPError",
    "Parent",
    "Party",
    "Proposal",
    "ProvenanceStatus",
    "Trace",
    "Verification",
    "commitment",
    "connect",
    "new_salts",
]
__version__ = "0.1.0"
