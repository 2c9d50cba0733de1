"""keccak-256, as fast as this environment allows.

A commitment hashes fourteen times per certificate, so the hash function shows in batch issuance:
safe-pysha3's C implementation takes about 1 µs a call, eth-utils' default (pycryptodome) about 10.
"""

from __future__ import annotations

try:
    from sha3 import keccak_256  # type: ignore[import-untyped]  # safe-pysha3

    def keccak(data: bytes) -> bytes:
        """keccak-256 of ``data``."""
        return keccak_256(data).digest()  # type: ignore[no-any-return]

except ImportError:  # pragma: no cover - the package depends on safe-pysha3
    from eth_utils import keccak as _slow

    def keccak(data: bytes) -> bytes:
        """keccak-256 of ``data``."""
        return _slow(data)
