"""One place that turns an RPC or EVM error into the ``KPError`` of the contract's custom error,
whatever the backend (eth-tester in process, a node over HTTP), as web3.py keeps its
``contract_error_handling`` in one module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager

from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

from kp_py._abi import decode_revert


@contextmanager
def reverts() -> Iterator[None]:
    """Turn a revert from any backend (eth-tester or a node over HTTP) into its ``KPError``."""
    try:
        yield
    except Exception as error:
        data = revert_data(error)
        if data is None:
            raise
        raise decode_revert(data) from None


def revert_data(error: BaseException) -> bytes | None:
    """The revert data carried by ``error``, or None if it is not a revert."""
    if isinstance(error, (ContractCustomError, ContractPanicError, ContractLogicError)):
        data = error.data if isinstance(error.data, str) else None
        return bytes.fromhex(data.removeprefix("0x")) if data else b""
    if type(error).__name__ == "TransactionFailed":  # eth-tester, without importing it
        return _tester_revert_data(error)
    return None


def _tester_revert_data(error: BaseException | None) -> bytes:
    """The raw revert data of an eth-tester failure. Its transactions keep the bytes on the original
    exception (web3's provider re-raises it as text, with the original as ``__context__``); its calls
    only keep their ``repr``, which is read back as a bytes literal."""
    while error is not None:
        for arg in error.args[:1]:
            if isinstance(arg, Exception) and arg.args:
                arg = arg.args[0]
            if isinstance(arg, bytes):
                return arg
            if isinstance(arg, str):
                text = arg.removeprefix("execution reverted: ")
                if text[:2] in ("b'", 'b"'):
                    value = ast.literal_eval(text)
                    if isinstance(value, bytes):
                        return value
        error = error.__context__
    return b""
