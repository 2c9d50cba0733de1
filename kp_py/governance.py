"""The registry's decisions, as the Chair and the secretariat take them: what shuts someone out
(a suspension, a withdrawal, a tighter embargo, a retired or disabled key) at once; what lets
someone in (an admission, a reinstatement, a lifted or loosened embargo, a participant's first
key) as a :class:`~kp_py.plenary.Proposal` of the plenary, which takes effect after its notice
period if no participant objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from web3.types import TxReceipt

from kp_py._abi import encode_call
from kp_py._codes import SCOPES, ascii_bytes, ascii_text
from kp_py._revert import reverts
from kp_py.errors import OPEN_END, KPError, error_class, timestamp
from kp_py.plenary import Plenary, Proposal, decision
from kp_py.records import code_bytes, read_participants, seconds

DecisionNeedsProposal = error_class("DecisionNeedsProposal")


class Governance(Plenary):
    """The Chair's and the secretariat's side of ``KP``."""

    # ------------------------------------------------------------------ Chair

    def admit(self, code: str, name: str) -> Proposal:
        """Propose admitting ``code``: it takes effect after the notice period."""
        return self.propose([decision("admit", code_bytes(code), name)])

    def suspend(self, code: str, *, self_suspension: bool = False) -> TxReceipt:
        return self._govern("suspend", code_bytes(code), self_suspension)

    def reinstate(self, code: str) -> Proposal:
        """Propose reinstating a suspended participant."""
        return self.propose([decision("reinstate", code_bytes(code))])

    def withdraw(self, code: str) -> TxReceipt:
        return self._govern("withdraw", code_bytes(code))

    def set_embargo(
        self,
        code: str,
        scope: str,
        since: datetime | int,
        zones: Iterable[str] = (),
        until: datetime | int | None = None,
    ) -> TxReceipt | Proposal:
        """Bar ``code``'s ``"exports"`` or ``"imports"`` from ``since`` until ``until`` (None: until
        lifted); rough from the compliant ``zones`` may still be exported. At once when it only
        tightens the embargo in force; proposed to the plenary when it loosens it."""
        end = 0 if until is None else seconds(until)
        args = (code_bytes(code), _scope(scope), seconds(since), end, [ascii_bytes(z, 32) for z in zones])
        try:
            return self._govern("setEmbargo", *args)  # simulated first: a refusal costs nothing
        except DecisionNeedsProposal:
            return self.propose([decision("setEmbargo", *args)])

    def lift_embargo(self, code: str, scope: str, *more: str) -> Proposal:
        """Propose lifting ``code``'s embargo in ``scope`` (and in ``more`` scopes, in the same
        proposal)."""
        return self.propose([decision("liftEmbargo", code_bytes(code), _scope(s)) for s in (scope, *more)])

    def grant_role(self, role: str, account: str) -> Proposal:
        """Propose giving the ``"chair"`` or ``"secretariat"`` role to ``account``."""
        roles = {"chair": "CHAIR_ROLE", "secretariat": "SECRETARIAT_ROLE"}
        if role not in roles:
            raise KPError(f"role {role!r} is not 'chair' or 'secretariat'")
        with reverts():
            role_id = getattr(self.registry.functions, roles[role])().call()
        return self.propose([decision("grantRole", role_id, account)])

    def load_participants(
        self, path: Path, progress: Callable[[int, int], None] | None = None
    ) -> tuple[Proposal | None, list[str]]:
        """Propose admitting, in one proposal, every participant of a CSV file (columns ``code``,
        ``name``, ``status``) neither admitted nor in an open proposal; suspend at once the admitted
        ones whose status says so (run again once the proposal is executed). Returns the proposal
        (None if there was nothing to admit) and the codes it admits; ``progress(done, total)``
        counts the file's rows."""
        rows = read_participants(path)
        proposed = {c for p in self.proposals(open_only=True) for c in p.participants}
        calls, codes = [], []
        for done, row in enumerate(rows, start=1):
            code, status = row["code"], row.get("status") or "active"
            standing = self.participant(code).standing  # type: ignore[attr-defined]
            if standing == "none" and code not in proposed:
                calls.append(decision("admit", code_bytes(code), row["name"]))
                codes.append(code)
            if standing == "admitted" and status in ("suspended", "self-suspended"):
                self.suspend(code, self_suspension=status == "self-suspended")
            if progress:
                progress(done, len(rows))
        return (self.propose(calls) if calls else None), codes

    # ------------------------------------------------------------------ secretariat

    def add_authority(
        self,
        address: str,
        code: str,
        valid_from: datetime | int | None = None,
        valid_until: datetime | int | None = None,
        *,
        by_proposal: bool | None = None,
    ) -> TxReceipt | Proposal:
        """Register an authority key, valid from ``valid_from`` (default: now) with no end by default.
        A participant's first key (or, with ``by_proposal``, a key for one left with no valid key) is
        proposed to the plenary and registered once the proposal is executed; any other key is
        proposed to the participant, which accepts it (:meth:`accept_authority`)."""
        start = 0 if valid_from is None else seconds(valid_from)  # the past counts as now
        end = OPEN_END if valid_until is None else seconds(valid_until)
        args = (address, code_bytes(code), start, end)
        if by_proposal is None:
            with reverts():
                by_proposal = self.registry.functions.participant(args[1]).call()[2] == 0
        if by_proposal:
            return self.propose([decision("addAuthority", *args)])
        return self._govern("addAuthority", *args)

    def accept_authority(self, address: str) -> TxReceipt:
        """Accept the key proposed as ``address`` for this account's participant (its consent)."""
        return self._govern("acceptAuthority", address)

    def pending_authority(self, address: str) -> tuple[str, datetime | str, datetime | str] | None:
        """The participant, start and end of the key proposed as ``address``; None if none is."""
        with reverts():
            participant, valid_from, valid_until = self.registry.functions.pendingAuthority(address).call()
        if participant == bytes(2):
            return None
        return ascii_text(participant), timestamp(valid_from), timestamp(valid_until)

    def rotate_authority(self, old: str, new: str, at: datetime | int | None = None) -> TxReceipt:
        at_ = 0 if at is None else seconds(at)  # 0: the next second
        return self._govern("rotateAuthority", old, new, at_)

    def retire_authority(self, address: str, at: datetime | int | None = None) -> TxReceipt:
        at_ = 0 if at is None else seconds(at)  # 0: the next second
        return self._govern("retireAuthority", address, at_)

    def disable_authority(self, address: str, since: datetime | int) -> TxReceipt:
        """Disable a compromised key from ``since``: what it issued from then on is invalid."""
        return self._govern("disableAuthority", address, seconds(since))

    def refresh_metadata(self) -> TxReceipt:
        """Tell wallets to read every certificate's metadata again (ERC-4906), as after disabling a
        key whose certificates now show as invalid (the secretariat)."""
        data = encode_call("KPCertificates", "refreshMetadata", [])
        return self._sender().send(self.certificates.address, data)

    def set_verification_page(self, page: str) -> TxReceipt:
        """Move the verification page the tokens link to (the secretariat)."""
        data = encode_call("KPCertificates", "setVerificationPage", [page])
        return self._sender().send(self.certificates.address, data)

    # ------------------------------------------------------------------ plumbing

    def _govern(self, name: str, *args: Any) -> TxReceipt:
        """A registry transaction: simulated first, so a refusal costs no gas."""
        return self._sender().send(self.registry.address, encode_call("KPRegistry", name, args))


def _scope(scope: str) -> int:
    if scope not in SCOPES:
        raise KPError(f"embargo scope {scope!r} is not 'exports' or 'imports'")
    return SCOPES.index(scope)
