"""Sending transactions fast and safely for one local account.

web3's ``build_transaction`` asks the node for the chain id, the nonce, the fees and a gas estimate
on every transaction: several times the cost of sending it. Here the chain id is read once, the
nonce is counted locally (and re-read if the node disagrees), the fees are refreshed every few
seconds, and the EIP-1559 transaction is signed by eth-account (``sign_transaction``). Signing
costs well under a millisecond with coincurve installed, a few per cent of a round trip to a node
(docs/gas.md, "Hand-written or library").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import TxReceipt

from kp_py._abi import decode_revert
from kp_py._revert import revert_data
from kp_py.errors import KPError

FEE_REFRESH_SECONDS = 5.0
GAS_MARGIN_PERCENT = 125


class Sender:
    """Signs locally and sends transactions for ``account``; refusals come back as ``KPError``s."""

    def __init__(self, w3: Web3, account: LocalAccount, *, confirmations: int = 1) -> None:
        self.w3 = w3
        self.account = account
        self.confirmations = confirmations
        self.address = account.address
        self._chain_id: int | None = None
        self._nonce: int | None = None
        self._fees: tuple[int, int] = (0, 0)
        self._fees_at = 0.0

    # ------------------------------------------------------------------ public

    def send(
        self,
        to: str,
        data: bytes,
        *,
        gas: int | None = None,
        preflight: bool = True,
        full_receipt: bool = True,
        on_signed: Callable[[str], None] | None = None,
    ) -> TxReceipt:
        """Send a call to ``to``. With ``preflight`` the call is first simulated, so a refusal costs
        nothing and no nonce; otherwise it is sent as is with ``gas`` (a fixed limit), and a refusal is
        decoded from the failed transaction. Without ``gas`` it is estimated, with a margin.

        The receipt is web3's, with decoded logs, unless ``full_receipt`` is False: then only its
        status, block, gas used, hash and contract address (formatting hundreds of logs of a large
        batch costs more than sending it)."""
        if preflight or gas is None:
            gas = self._estimate(to, data)
        receipt = self._submit(to, data, gas, on_signed)
        if full_receipt:
            return self.w3.eth.get_transaction_receipt(receipt["transactionHash"])
        return receipt

    def deploy(self, bytecode: bytes) -> TxReceipt:
        return self._submit(None, bytecode, self._estimate(None, bytecode))  # light receipt

    def sign(self, to: str | None, data: bytes, gas: int, nonce: int) -> bytes:
        """The raw signed EIP-1559 transaction (type 2); ``to`` None deploys ``data``."""
        priority, max_fee = self._current_fees()
        transaction: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "maxPriorityFeePerGas": priority,
            "maxFeePerGas": max_fee,
            "gas": gas,
            "value": 0,
            "data": data,
            "accessList": [],
        }
        if to:
            transaction["to"] = to
        return bytes(self.account.sign_transaction(transaction).raw_transaction)

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    # ------------------------------------------------------------------ internals

    def _estimate(self, to: str | None, data: bytes) -> int:
        call: dict[str, Any] = {"from": self.address, "data": data}
        if to:
            call["to"] = to
        try:
            estimate = self.w3.eth.estimate_gas(call)  # type: ignore[arg-type]
        except Exception as error:
            raise _refusal(error) from None
        return estimate * GAS_MARGIN_PERCENT // 100

    def _submit(
        self, to: str | None, data: bytes, gas: int, on_signed: Callable[[str], None] | None = None
    ) -> TxReceipt:
        """Sign with the next nonce and send. If sending fails, the transaction may still have reached
        the node (an answer lost on the way back, a retried request): then it is only waited for,
        never signed again with another nonce, so one operation is never sent twice.
        ``on_signed(hash)`` runs before each send, so a caller can journal what may reach the chain."""
        if self._nonce is None:
            self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        raw = self.sign(to, data, gas, self._nonce)
        tx_hash = keccak(raw)
        if on_signed:
            on_signed("0x" + tx_hash.hex())
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as error:  # nodes and eth-tester word these differently
            known = self._known(tx_hash)
            if known is None:
                self._nonce = None  # count again next time: this nonce may or may not be used
                raise KPError(
                    f"could not tell whether transaction 0x{tx_hash.hex()} reached the node "
                    f"({_message(error)}); look it up, or re-run: nothing is issued twice"
                ) from None
            if not known:
                if "nonce" not in str(error).lower():
                    if isinstance(error, Web3RPCError):
                        raise KPError(f"the node refused the transaction: {_message(error)}") from None
                    raise
                # Not there, and the nonce was used by another process with this key: count
                # again from the node and sign again, once.
                self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
                raw = self.sign(to, data, gas, self._nonce)
                tx_hash = keccak(raw)
                if on_signed:
                    on_signed("0x" + tx_hash.hex())
                self.w3.eth.send_raw_transaction(raw)
        self._nonce += 1
        receipt = self._wait(tx_hash)
        if receipt["status"] != 1:
            self._explain_failure(to, data, gas, receipt)
        if self.confirmations > 1:
            self._await_confirmations(receipt["blockNumber"])
        return receipt

    def _known(self, tx_hash: bytes, attempts: int = 3) -> bool | None:
        """Whether the node has the transaction, pending or mined; None if it would not say. Asked
        a few times: a load-balanced endpoint may answer from a backend that has not seen it yet."""
        for attempt in range(attempts):
            try:
                found = self.w3.provider.make_request("eth_getTransactionByHash", ["0x" + tx_hash.hex()])  # type: ignore[arg-type]
            except Exception:
                found = {"error": {"code": 0, "message": "unreachable"}}
            if found.get("result"):
                return True
            if attempt < attempts - 1:
                time.sleep(0.3)
        return None if "error" in found else False

    def _await_confirmations(self, block: int, timeout: float = 3600.0) -> None:
        """Wait until ``block`` is ``confirmations`` deep (1: mined)."""
        deadline = time.monotonic() + timeout
        while self.w3.eth.block_number < block + self.confirmations - 1:
            if time.monotonic() > deadline:
                raise KPError(f"block {block} did not reach {self.confirmations} confirmations in time")
            time.sleep(0.5)

    def _wait(self, tx_hash: bytes, timeout: float = 300.0) -> TxReceipt:
        """The receipt's status, block, gas used, hash and contract address, read raw."""
        deadline = time.monotonic() + timeout
        delay = 0.0
        text = "0x" + bytes(tx_hash).hex()
        while True:
            raw = self.w3.provider.make_request("eth_getTransactionReceipt", [text])  # type: ignore[arg-type]
            found = raw.get("result")
            if found:
                return _light(found, bytes(tx_hash))
            if time.monotonic() > deadline:
                raise KPError(f"transaction {text} not mined after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(max(delay * 2, 0.002), 0.5)

    def _explain_failure(self, to: str | None, data: bytes, gas: int, receipt: TxReceipt) -> None:
        """Replay a failed transaction as a call in the block it failed in (same time; its own effects
        were reverted), to learn why."""
        call: dict[str, Any] = {"from": self.address, "data": data, "gas": gas}
        if to:
            call["to"] = to
        try:
            self.w3.eth.call(call, receipt["blockNumber"])  # type: ignore[arg-type]
        except Exception as error:
            raise _refusal(error) from None
        ran_out = receipt["gasUsed"] >= gas
        tx = "0x" + bytes(receipt["transactionHash"]).hex()
        raise KPError(f"transaction {tx} failed" + (" (out of gas)" if ran_out else ""))

    def _current_fees(self) -> tuple[int, int]:
        now = time.monotonic()
        if now - self._fees_at > FEE_REFRESH_SECONDS:
            base = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
            try:
                priority = int(self.w3.eth.max_priority_fee)
            except (Web3RPCError, ValueError, NotImplementedError):
                priority = 10**9
            # Twice the base fee: stays valid through several blocks of rising fees.
            self._fees = (priority, 2 * base + priority)
            self._fees_at = now
        return self._fees


def _light(raw: dict[str, Any], tx_hash: bytes) -> TxReceipt:
    """The fields kp reads of a raw receipt (a node's camelCase hex, or eth-tester's snake_case)."""

    def number(camel: str, snake: str) -> int:
        value = raw.get(camel, raw.get(snake))
        return int(value, 16) if isinstance(value, str) else int(value or 0)

    address = raw.get("contractAddress", raw.get("contract_address"))
    receipt = {
        "transactionHash": tx_hash,
        "blockNumber": number("blockNumber", "block_number"),
        "gasUsed": number("gasUsed", "gas_used"),
        "status": number("status", "status"),
        "contractAddress": to_checksum_address(address) if address else None,
    }
    return cast(TxReceipt, receipt)


def _refusal(error: Exception) -> Exception:
    """The ``KPError`` of a revert from any backend; other errors pass through."""
    data = revert_data(error)
    if data is None:
        return error
    return decode_revert(data)


def _message(error: Exception) -> str:
    message = error.args[0] if error.args else error
    if isinstance(message, dict):
        return str(message.get("message", message))
    return str(message)
