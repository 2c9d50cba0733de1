"""Decisions of the plenary: proposals that let someone in, open to objection for a notice period.

An admission, a reinstatement, a lifted or loosened embargo, a key registered without the
participant's consent and a role grant take effect only through ``KPPlenary``: proposed (by the
Chair, or the secretariat for a key), published, executable by anyone once the notice period has
passed with no participant objecting, within 14 days after that::

    proposal = kp.with_account(chair).admit("UZ", "Uzbekistan")   # a Proposal, not yet in effect
    proposal.ready_at                                              # when it can take effect
    kp.with_account(bw_officer).object_to(proposal.id)             # Botswana objects: blocked
    kp.execute(proposal.id)                                        # anyone, once ready

:class:`Plenary` is the part of :class:`kp_py.client.KP` that proposes, objects, withdraws, executes
and reads proposals (from the chain's events, so nothing is kept off chain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import TxReceipt

from kp_py._abi import ROLE_NAMES, artifact, canonical_type, encode_call
from kp_py._codes import PROPOSAL_STATES, SCOPES, ascii_text
from kp_py._revert import reverts
from kp_py._tx import Sender
from kp_py.errors import KPError, error_class, timestamp
from kp_py.node import DEV_CHAIN_IDS
from kp_py.records import Deployment, code_bytes, seconds

DAY = 86_400
DEFAULT_NOTICE_PERIOD = 7 * DAY
EXECUTION_WINDOW = 14 * DAY
PROPOSE_GAS = 60_000  # plus CALL_GAS a decision: fixed, so a batch of 60 admissions needs no estimate
CALL_GAS = 40_000


@dataclass(frozen=True)
class Proposal:
    """One proposal of the plenary, as the chain holds it now.

    ``state``: ``pending`` (in its notice period), ``ready`` (executable now), ``expired`` (its
    window passed), ``withdrawn``, ``objected`` (``objector`` says who) or ``executed``.
    ``decisions`` are its calls in words; ``participants`` the codes they concern."""

    id: int
    proposer: str
    proposed_at: datetime | str
    ready_at: datetime | str
    expires_at: datetime | str
    state: str
    objector: str | None
    decisions: tuple[str, ...]
    participants: tuple[str, ...]
    calls: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "proposer": self.proposer,
            "proposed_at": _iso(self.proposed_at),
            "ready_at": _iso(self.ready_at),
            "expires_at": _iso(self.expires_at),
            "state": self.state,
            "objector": self.objector,
            "decisions": list(self.decisions),
            "participants": list(self.participants),
        }

    @property
    def open(self) -> bool:
        """Whether it can still take effect (pending or ready)."""
        return self.state in ("pending", "ready")


def _iso(moment: datetime | str) -> str:
    return moment.isoformat() + "Z" if isinstance(moment, datetime) else moment


@cache
def _registry_functions() -> dict[bytes, tuple[str, list[str]]]:
    table = {}
    for item in artifact("KPRegistry")["abi"]:
        if item["type"] == "function":
            types = [canonical_type(i) for i in item["inputs"]]
            table[function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")] = (
                item["name"],
                types,
            )
    return table


def decode_decision(call: bytes) -> tuple[str, tuple[Any, ...]]:
    """The registry function a proposed call names and its arguments."""
    found = _registry_functions().get(bytes(call[:4]))
    if found is None:
        return "0x" + bytes(call[:4]).hex(), ()
    name, types = found
    return name, tuple(decode(types, bytes(call[4:])))


def describe(call: bytes) -> str:
    """A proposed call in words: ``admit UZ (Uzbekistan)``."""
    name, args = decode_decision(call)
    if name == "admit":
        return f"admit {ascii_text(args[0])} ({args[1]})"
    if name == "reinstate":
        return f"reinstate {ascii_text(args[0])}"
    if name == "liftEmbargo":
        return f"lift {ascii_text(args[0])}'s {_scope(args[1])} embargo"
    if name == "setEmbargo":
        until = f" until {timestamp(args[3])}" if args[3] else ""
        zones = f", compliant zones {', '.join(ascii_text(z) for z in args[4])}" if args[4] else ""
        since = timestamp(args[2])
        return f"set {ascii_text(args[0])}'s {_scope(args[1])} embargo from {since}{until}{zones}"
    if name == "addAuthority":
        return f"register {to_checksum_address(args[0])} as an authority key of {ascii_text(args[1])}"
    if name == "grantRole":
        role = ROLE_NAMES.get(args[0], "0x" + args[0].hex())
        return f"give the {role} role to {to_checksum_address(args[1])}"
    if name == "beginDefaultAdminTransfer":
        return f"hand the admin role to {to_checksum_address(args[0])}"
    return name


def _scope(scope: int) -> str:
    return SCOPES[scope][:-1] if scope < len(SCOPES) else f"scope-{scope}"


def about(call: bytes) -> str | None:
    """The participant a proposed call concerns, if any."""
    name, args = decode_decision(call)
    if name in ("admit", "reinstate", "liftEmbargo", "setEmbargo"):
        return ascii_text(args[0])
    if name == "addAuthority":
        return ascii_text(args[1])
    return None


@cache
def _event_topic(name: str) -> str:
    (item,) = [i for i in artifact("KPPlenary")["abi"] if i["type"] == "event" and i["name"] == name]
    return "0x" + keccak(text=f"{name}({','.join(canonical_type(i) for i in item['inputs'])})").hex()


def _word(value: int | bytes) -> str:
    raw = value.to_bytes(32, "big") if isinstance(value, int) else bytes(value).ljust(32, b"\0")
    return "0x" + raw.hex()


class Plenary:
    """Proposals, objections, withdrawals and executions: the part of ``KP`` that talks to
    ``KPPlenary``."""

    w3: Web3
    deployment: Deployment
    registry: Contract
    certificates: Contract

    def _sender(self) -> Sender:  # pragma: no cover - KP provides it
        raise NotImplementedError

    @property
    def plenary(self) -> Contract:
        """The ``KPPlenary`` contract, found through the registry (``PLENARY``)."""
        found: Contract | None = getattr(self, "_plenary", None)
        if found is None:
            with reverts():
                address = self.registry.functions.PLENARY().call()
            found = self.w3.eth.contract(address=address, abi=artifact("KPPlenary")["abi"])
            self._plenary = found
        return found

    @property
    def notice_period(self) -> int:
        """How long, in seconds, a proposal is open to objection before it can take effect."""
        with reverts():
            return int(self.plenary.functions.NOTICE_PERIOD().call())

    def propose(self, calls: Sequence[bytes], *, check: bool = True) -> Proposal:
        """Propose registry calls (see :func:`decision`) as one decision of the plenary: all take
        effect together, or none. With ``check``, each call is first simulated as the plenary would
        make it on the chain as it is now, so a decision that could not take effect (a participant
        already admitted, no embargo to lift) is refused with the registry's error before anything
        is sent; a batch whose calls depend on one another (admit, then a first key) needs
        ``check=False``. (The in-process test chain cannot simulate a call from an account holding
        no ether: there a call that cannot take effect fails when the proposal is executed.)"""
        if not calls:
            raise KPError("a proposal needs at least one decision")
        data = encode_call("KPPlenary", "propose", [list(calls)])
        if check and isinstance(self.w3.provider, HTTPProvider):
            plenary, registry = self.plenary.address, self.registry.address
            with reverts():  # first who may propose it, then whether it could take effect
                self.w3.eth.call({"from": self._sender().address, "to": plenary, "data": data})
            for call in calls:
                with reverts():  # as the plenary, which holds no ether: no gas price given
                    self.w3.eth.call({"from": plenary, "to": registry, "data": bytes(call)})
        gas = PROPOSE_GAS + CALL_GAS * len(calls) + 16 * sum(len(c) for c in calls)
        receipt = self._sender().send(self.plenary.address, data, gas=gas)
        made = _event_topic("ProposalMade")
        (id,) = [int.from_bytes(bytes(log["topics"][1]), "big") for log in receipt["logs"]
                 if "0x" + bytes(log["topics"][0]).hex() == made]  # fmt: skip
        return self.proposal(id)

    def object_to(self, id: int, participant: str | None = None) -> TxReceipt:
        """Object to proposal ``id`` for ``participant`` (default: the one this account is a key of),
        signing with one of its valid authority keys: the proposal will not take effect."""
        code = participant or self._own_participant()
        return self._sender().send(
            self.plenary.address, encode_call("KPPlenary", "object", [id, code_bytes(code)])
        )

    def withdraw_proposal(self, id: int) -> TxReceipt:
        """Withdraw proposal ``id`` (its proposer, a Chair or the admin)."""
        return self._sender().send(self.plenary.address, encode_call("KPPlenary", "withdraw", [id]))

    def execute(self, id: int) -> TxReceipt:
        """Put proposal ``id`` into effect: anyone, once its notice period has passed free of objection."""
        calls = self.proposal(id).calls
        gas = PROPOSE_GAS + 2 * CALL_GAS * len(calls) + 16 * sum(len(c) for c in calls)
        data = encode_call("KPPlenary", "execute", [id, list(calls)])
        return self._sender().send(self.plenary.address, data, gas=gas)

    def enact_on_local_node(self, proposal: Proposal) -> TxReceipt:
        """On a development chain (anvil), move the node's clock past ``proposal``'s notice period
        and execute it: for demos and benchmarks, which cannot wait days. Refused on any other chain."""
        if self.deployment.chain_id not in DEV_CHAIN_IDS:
            raise KPError(
                f"chain {self.deployment.chain_id} is not a development chain: its clock cannot be moved"
            )
        now = int(self.w3.eth.get_block("latest")["timestamp"])
        ready = seconds(proposal.ready_at) if isinstance(proposal.ready_at, datetime) else 0
        if ready > now:
            self.w3.provider.make_request("evm_increaseTime", [ready - now])  # type: ignore[arg-type]
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        return self.execute(proposal.id)

    def proposal(self, id: int) -> Proposal:
        """Proposal ``id`` as the chain holds it now; ``UnknownProposal`` if there is none."""
        calls = self._calls(topics=[_event_topic("ProposalCall"), _word(id)]).get(id)
        proposal = self._read(id, calls or [])
        return proposal

    def proposals(self, participant: str | None = None, *, open_only: bool = False) -> list[Proposal]:
        """Every proposal, or those concerning ``participant``, oldest first; ``open_only``: pending
        or ready ones only."""
        topics: list[Any] = [_event_topic("ProposalCall")]
        if participant is not None:
            topics += [None, _word(code_bytes(participant))]
        found = [self._read(id, calls) for id, calls in sorted(self._calls(topics).items())]
        if participant is not None:  # a batch about several: its calls about others too
            found = [self.proposal(p.id) for p in found]
        return [p for p in found if p.open or not open_only]

    def _calls(self, topics: list[Any]) -> dict[int, list[bytes]]:
        logs = self.w3.eth.get_logs(
            {"address": self.plenary.address, "fromBlock": self.deployment.block, "topics": topics}
        )
        calls: dict[int, list[tuple[int, bytes]]] = {}
        for log in logs:
            index, call = decode(["uint256", "bytes"], bytes(log["data"]))
            calls.setdefault(int.from_bytes(bytes(log["topics"][1]), "big"), []).append((index, call))
        return {id: [c for _, c in sorted(items)] for id, items in calls.items()}

    def _read(self, id: int, calls: list[bytes]) -> Proposal:
        with reverts():
            stored, _, ready_at, expires_at = self.plenary.functions.proposal(id).call()
        proposer, proposed_at, state, objector, _ = stored
        if state == 0:
            raise error_class("UnknownProposal")("UnknownProposal", {"id": id}, (id,))
        name = PROPOSAL_STATES[state]
        if name == "pending":
            now = int(self.w3.eth.get_block("latest")["timestamp"])
            name = "pending" if now < ready_at else "ready" if now < expires_at else "expired"
        codes = [c for c in (about(call) for call in calls) if c]
        return Proposal(
            id=id,
            proposer=to_checksum_address(proposer),
            proposed_at=timestamp(proposed_at),
            ready_at=timestamp(ready_at),
            expires_at=timestamp(expires_at),
            state=name,
            objector=ascii_text(objector) if objector != bytes(2) else None,
            decisions=tuple(describe(c) for c in calls),
            participants=tuple(dict.fromkeys(codes)),
            calls=tuple(bytes(c) for c in calls),
        )

    def _own_participant(self) -> str:
        with reverts():
            participant = self.registry.functions.authority(self._sender().address).call()[0]
        if participant == bytes(2):
            raise KPError(f"{self._sender().address} is not an authority key: say which participant objects")
        return ascii_text(participant)


def decision(name: str, *args: Any) -> bytes:
    """A registry call to propose: ``decision("admit", b"UZ", "Uzbekistan")``."""
    return encode_call("KPRegistry", name, list(args))


__all__ = ["DEFAULT_NOTICE_PERIOD", "EXECUTION_WINDOW", "Plenary", "Proposal", "decision", "describe"]
