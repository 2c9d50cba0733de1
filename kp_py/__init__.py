"""kp: Kimberley Process certificates on Ethereum.

The public API: :func:`connect` (a network and its deployment), :class:`KP` (deploy, registry,
issue, confirm, void, read, list, verify, trace),
:class:`Document` (validated certificate documents and their commitment), and the
exceptions in :mod:`kp_py.errors`, all rooted at :class:`KPError`.
"""

from kp_py.client import KP
from kp_py.document import Document, Parent, Party, commitment, new_salts
from kp_py.errors import ContractRevert, DocumentError, KPError
from kp_py.issued import IssuedDocument
from kp_py.network import connect
from kp_py.provenance import ProvenanceStatus, Trace
from kp_py.records import Certificate, Deployment
from kp_py.verify import Verification

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
    "ProvenanceStatus",
    "Trace",
    "Verification",
    "commitment",
    "connect",
    "new_salts",
]
__version__ = "0.1.0"
