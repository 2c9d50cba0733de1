"""keccak-256 through eth-hash's pysha3 backend, which runs safe-pysha3's C code.

A commitment hashes fourteen times per certificate, so the hash function shows in batch issuance:
this backend takes about 3 µs for a commitment's 430 bytes, eth-hash's automatic choice (and so
``eth_utils.keccak``: pycryptodome, first when installed, as web3 installs it) about 12. The
backend is named here rather than chosen by ``ETH_HASH_BACKEND``, so kp is fast whatever the
environment says; the package depends on ``eth-hash[pysha3]``, which installs safe-pysha3.
"""

from __future__ import annotations

from eth_hash.backends.pysha3 import keccak256


def keccak(data: bytes) -> bytes:
    """keccak-256 of ``data``.

    >>> keccak(b"").hex()
    'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
    """
    return keccak256(data)
