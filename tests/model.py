"""A plain-Python model of the registry and certificate rules: what the contracts should do, written
without looking at storage, so a stateful test can drive both and compare (tests/contracts/test_model.py).

Each operation returns the name of the custom error the contracts must refuse it with, in the same
order of checks, or None and applies its effect. Times are Unix seconds of the block it runs in.

Provenance: a certificate's ``parents`` are (number, carats drawn) pairs; the model keeps what was
drawn from each certificate and root, so the stateful test can check conservation along every path.
Roots (registered production, ``BW#LOT``, and paper certificates, ``AE:ZA-1``) are kept beside the
certificates, as the contract keeps them: confirmed records that are not tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPEN_END = 2**40 - 1
NOTICE = 3600  # the notice period of the model's deployment
WINDOW = 14 * 86_400  # how long a ready proposal can be executed
NONE, ADMITTED, SUSPENDED, WITHDRAWN = 0, 1, 2, 3
ISSUED, CONFIRMED, VOIDED, EXPIRED = 1, 2, 3, 4


@dataclass
class Participant:
    standing: int = NONE
    admissions: int = 0
    key_count: int = 0
    exports: tuple[int, int] = (0, 0)  # since, until (0: open)
    imports: tuple[int, int] = (0, 0)
    zones: tuple[str, ...] = ()
    since: int = 0  # when its standing last changed


@dataclass
class Proposal:
    """A proposal of the plenary: one registry call (``kind``, ``args``), by the Chair or the
    secretariat. ``state``: pending (or ready, by time), withdrawn, objected or executed."""

    kind: str
    args: tuple[object, ...]
    proposed_at: int
    state: str = "pending"
    objector: str | None = None


@dataclass
class Key:
    participant: str
    index: int
    admission: int
    valid_from: int
    valid_until: int


@dataclass
class Cert:
    holder: str
    issuer: str
    exporting: str
    importing: str
    issued_at: int
    expires_at: int
    carats: int = 1
    origins: tuple[str, ...] = ()
    parents: tuple[tuple[str, int], ...] = ()
    drawn: int = 0  # carats later certificates drew from this one
    status: int = ISSUED
    root: bool = False  # registered production or a paper certificate, not a token


@dataclass
class Model:
    participants: dict[str, Participant] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    certs: dict[str, Cert] = field(default_factory=dict)
    pending: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # key -> code, from, until
    proposals: dict[int, Proposal] = field(default_factory=dict)

    # ------------------------------------------------------------------ registry

    def participant(self, code: str) -> Participant:
        return self.participants.setdefault(code, Participant())

    def admit(self, code: str, now: int = 0) -> str | None:
        p = self.participant(code)
        if p.standing not in (NONE, WITHDRAWN):
            return "InvalidStandingChange"
        p.admissions += 1
        p.standing, p.since = ADMITTED, now
        return None

    def change(self, code: str, before: int, after: int, now: int = 0) -> str | None:
        p = self.participant(code)
        if p.standing == NONE:
            return "UnknownParticipant"
        if p.standing != before:
            return "InvalidStandingChange"
        p.standing, p.since = after, now
        return None

    def withdraw(self, code: str, now: int = 0) -> str | None:
        p = self.participant(code)
        if p.standing == NONE:
            return "UnknownParticipant"
        if p.standing == WITHDRAWN:
            return "InvalidStandingChange"
        p.standing, p.since = WITHDRAWN, now
        return None

    def loosens(
        self, code: str, scope: str, since: int, until: int, zones: tuple[str, ...], now: int
    ) -> bool:
        """Whether the Chair's embargo would let more through than the one in force or to come:
        then it needs the plenary (the registry's ``_loosens``)."""
        p = self.participant(code)
        old_since, old_until = p.exports if scope == "exports" else p.imports
        if p.standing == NONE or old_since == 0 or (old_until != 0 and old_until <= now):
            return False
        if max(since, now) > max(old_since, now):
            return True
        if until != 0 and (old_until == 0 or until < old_until):
            return True
        return any(z not in p.zones for z in zones)

    # ------------------------------------------------------------------ plenary

    def propose(self, kind: str, args: tuple[object, ...], now: int) -> int:
        """A proposal of the Chair or the secretariat (never refused: the call is checked when it is
        executed); returns its id."""
        id = len(self.proposals) + 1
        self.proposals[id] = Proposal(kind, args, now)
        return id

    def _open(self, id: int) -> str | None:
        proposal = self.proposals.get(id)
        if proposal is None:
            return "UnknownProposal"
        if proposal.state == "objected":
            return "ProposalBlocked"
        if proposal.state != "pending":
            return "ProposalClosed"
        return None

    def object(self, id: int, key: str, code: str, now: int) -> str | None:
        """``key`` objects for ``code``: blocks the proposal for good."""
        refused = self._open(id)
        if refused:
            return refused
        proposal = self.proposals[id]
        if now >= proposal.proposed_at + NOTICE:
            return "ObjectionTooLate"
        k = self.keys.get(key)
        if k is None:
            return "UnknownAuthority"
        if k.participant != code:
            return "NotAuthorityOf"
        p = self.participant(code)
        if k.admission != p.admissions:
            return "AuthorityLapsed"
        if not k.valid_from <= now < k.valid_until:
            return "AuthorityNotValid"
        if p.standing != ADMITTED and p.since + NOTICE <= proposal.proposed_at:
            return "NotInGoodStanding"
        proposal.state, proposal.objector = "objected", code
        return None

    def withdraw_proposal(self, id: int) -> str | None:
        refused = self._open(id)
        if refused:
            return refused
        self.proposals[id].state = "withdrawn"
        return None

    def execute(self, id: int, now: int) -> str | None:
        """Anyone executes: only once its notice period has passed free of objection, within its
        window; the call's own refusal leaves it pending."""
        refused = self._open(id)
        if refused:
            return refused
        proposal = self.proposals[id]
        ready = proposal.proposed_at + NOTICE
        if now < ready:
            return "ProposalNotReady"
        if now >= ready + WINDOW:
            return "ProposalExpired"
        kind, args = proposal.kind, proposal.args
        if kind == "admit":
            refused = self.admit(args[0], now)  # type: ignore[arg-type]
        elif kind == "reinstate":
            refused = self.change(args[0], SUSPENDED, ADMITTED, now)  # type: ignore[arg-type]
        elif kind == "lift":
            refused = self.lift(*args)  # type: ignore[arg-type]
        elif kind == "embargo":
            refused = self.set_embargo(*args)  # type: ignore[arg-type]
        else:  # a key registered at once
            refused = self.add_key_at_once(*args, now=now)  # type: ignore[arg-type, misc]
        if refused is None:
            proposal.state = "executed"
        return refused

    def add_key_at_once(self, key: str, code: str, now: int) -> str | None:
        """A key from the plenary: registered at once, no consent."""
        if self.participant(code).standing == NONE:
            return "UnknownParticipant"
        return self._addable(key, code, now, 0, OPEN_END) or self._register(key, code, now, 0, OPEN_END)

    def set_embargo(
        self, code: str, scope: str, since: int, until: int, zones: tuple[str, ...]
    ) -> str | None:
        p = self.participant(code)
        if p.standing == NONE:
            return "UnknownParticipant"
        if since == 0 or (until != 0 and until <= since):
            return "InvalidEmbargoPeriod"
        if scope == "exports":
            if any(not z.startswith(code + "/") for z in zones) or len(set(zones)) != len(zones):
                return "InvalidZone"
            p.exports, p.zones = (since, until), zones
        else:
            if zones:
                return "InvalidZone"
            p.imports = (since, until)
        return None

    def lift(self, code: str, scope: str) -> str | None:
        p = self.participant(code)
        if p.standing == NONE:
            return "UnknownParticipant"
        if (p.exports if scope == "exports" else p.imports)[0] == 0:
            return "NoEmbargo"
        if scope == "exports":
            p.exports, p.zones = (0, 0), ()
        else:
            p.imports = (0, 0)
        return None

    def add_key(
        self, key: str, code: str, now: int, valid_from: int = 0, valid_until: int = OPEN_END
    ) -> str | None:
        """The secretariat's addition: pending until the participant consents."""
        if self.participant(code).standing == NONE:
            return "UnknownParticipant"
        refused = self._addable(key, code, now, valid_from, valid_until)
        if refused:
            return refused
        self.pending[key] = (code, valid_from, valid_until)
        return None

    def _addable(self, key: str, code: str, now: int, valid_from: int, valid_until: int) -> str | None:
        """The registry's ``_requireAddable``, at a proposal and again at its acceptance."""
        if self.participant(code).standing == WITHDRAWN:
            return "ParticipantNotAdmitted"
        if key in self.keys:
            return "AuthorityExists"
        if max(valid_from, now) >= valid_until:
            return "InvalidValidity"
        return None

    def _register(self, key: str, code: str, now: int, valid_from: int, valid_until: int) -> None:
        p = self.participant(code)
        self.keys[key] = Key(code, p.key_count, p.admissions, max(valid_from, now), valid_until)
        p.key_count += 1
        return None

    def accept(self, caller: str | None, key: str, now: int) -> str | None:
        """``caller`` None: the Chair (never an authority key here), which no longer stands in."""
        if key not in self.pending:
            return "NoPendingAuthority"
        code, valid_from, valid_until = self.pending[key]
        if caller is None:
            return "UnknownAuthority"
        refused = self.check_key(caller, code, now)
        if refused:
            return refused
        refused = self._addable(key, code, now, valid_from, valid_until)
        if refused:
            return refused
        del self.pending[key]
        return self._register(key, code, now, valid_from, valid_until)

    def retire(self, key: str, now: int) -> str | None:
        k = self.keys.get(key)
        if k is None:
            return "UnknownAuthority"
        if now + 1 > k.valid_until:
            return "InvalidValidityEnd"
        k.valid_until = now + 1
        return None

    def disable(self, key: str, since: int) -> str | None:
        k = self.keys.get(key)
        if k is None:
            return "UnknownAuthority"
        if since > k.valid_until:
            return "InvalidValidityEnd"
        k.valid_until = since
        return None

    def check_key(self, key: str, code: str, now: int) -> str | None:
        k = self.keys.get(key)
        if k is None:
            return "UnknownAuthority"
        if k.participant != code:
            return "NotAuthorityOf"
        p = self.participant(code)
        if p.standing == WITHDRAWN:
            return "ParticipantNotAdmitted"
        if k.admission != p.admissions:
            return "AuthorityLapsed"
        if not k.valid_from <= now < k.valid_until:
            return "AuthorityNotValid"
        return None

    @staticmethod
    def in_force(period: tuple[int, int], now: int) -> bool:
        since, until = period
        return since != 0 and since <= now and (until == 0 or now < until)

    # ------------------------------------------------------------------ certificates

    def issue(
        self,
        key: str,
        number: str,
        importing: str,
        origins: tuple[str, ...],
        holder: str,
        expires: int,
        now: int,
        carats: int = 1,
        parents: tuple[tuple[str, int], ...] = (),
    ) -> str | None:
        exporting = number[:2]
        if number in self.certs:
            return "CertificateExists"
        if expires <= now:
            return "InvalidExpiry"
        refused = self.check_key(key, exporting, now)
        if refused:
            return refused
        refused = self.check_trade(exporting, importing, origins, now) or self.check_parents(
            exporting, origins, carats, parents
        )
        if refused:
            return refused
        for parent, drawn in parents:
            self.certs[parent].drawn += drawn
        self.certs[number] = Cert(holder, key, exporting, importing, now, expires, carats, origins, parents)
        return None

    def check_trade(self, exporting: str, importing: str, origins: tuple[str, ...], now: int) -> str | None:
        """The rule of trade, for an issue and for a paper certificate registered on receipt."""
        if exporting == importing:
            return "SameParticipant"
        exporter, importer = self.participant(exporting), self.participant(importing)
        if exporter.standing != ADMITTED:
            return "ParticipantNotAdmitted"
        only_zones = self.in_force(exporter.exports, now)
        if only_zones and not exporter.zones:
            return "ExportsBarred"
        if importer.standing != ADMITTED:
            return "ParticipantNotAdmitted"
        if self.in_force(importer.imports, now):
            return "ImportsBarred"
        for i, origin in enumerate(origins):
            if origin in origins[:i]:
                return "DuplicateOrigin"
            source = self.participant(origin[:2])
            if source.standing == NONE:
                return "InvalidOrigin"
            if self.in_force(source.exports, now) and origin not in source.zones:
                return "OriginEmbargoed"
            if only_zones and origin not in exporter.zones:
                return "ExportsLimitedToZones"
        return None

    def register_production(self, key: str, lot: str, origin: str, carats: int, now: int) -> str | None:
        code = origin[:2]
        refused = self.check_key(key, code, now)
        if refused:
            return refused
        if self.participant(code).standing != ADMITTED:
            return "ParticipantNotAdmitted"
        number = f"{code}#{lot}"
        if number in self.certs:
            return "AlreadyRegistered"
        self.certs[number] = Cert("", key, code, code, now, 0, carats, (origin,), status=CONFIRMED, root=True)
        return None

    def register_paper(
        self, key: str, number: str, importing: str, origins: tuple[str, ...], carats: int, now: int
    ) -> str | None:
        refused = self.check_key(key, importing, now) or self.check_trade(number[:2], importing, origins, now)
        if refused:
            return refused
        root = f"{importing}:{number}"
        if root in self.certs:
            return "AlreadyRegistered"
        self.certs[root] = Cert(
            "", key, number[:2], importing, now, 0, carats, origins, status=CONFIRMED, root=True
        )
        return None

    def check_parents(
        self, exporting: str, origins: tuple[str, ...], carats: int, parents: tuple[tuple[str, int], ...]
    ) -> str | None:
        """The provenance rules: confirmed imports or roots held by the exporter, issued or registered
        by a valid key, never drawn beyond their carats; origins follow the carats; every carat drawn."""
        if len(parents) > 32:
            return "TooManyParents"
        for i, (parent, drawn) in enumerate(parents):
            if parent in (p for p, _ in parents[:i]):
                return "DuplicateParent"
            if drawn == 0:
                return "InvalidDraw"
            cert = self.certs.get(parent)
            if cert is None or cert.status != CONFIRMED:
                return "ParentNotConfirmed"
            if cert.importing != exporting:
                return "ParentNotHeld"
            if not self.issuer_valid(parent):
                return "ParentIssuerNotValid"
            if any(origin not in origins for origin in cert.origins):
                return "OriginNotCarried"
            if drawn > cert.carats - cert.drawn:
                return "ParentOverdrawn"
        if sum(drawn for _, drawn in parents) != carats:
            return "CaratsNotDrawn"
        covering = {o for parent, _ in parents for o in self.certs[parent].origins}
        if any(origin not in covering for origin in origins):
            return "OriginNotCovered"
        return None

    def status(self, number: str, now: int) -> int:
        cert = self.certs[number]
        if cert.status == ISSUED and now >= cert.expires_at:
            return EXPIRED
        return cert.status

    def confirm(self, key: str, number: str, now: int) -> str | None:
        if number not in self.certs:
            return "UnknownCertificate"
        if self.status(number, now) != ISSUED:
            return "CertificateNotPending"
        cert = self.certs[number]
        refused = self.check_key(key, cert.importing, now)
        if refused:
            return refused
        cert.status = CONFIRMED
        return None

    def void(self, key: str, number: str, now: int) -> str | None:
        if number not in self.certs:
            return "UnknownCertificate"
        cert = self.certs[number]
        if cert.status == VOIDED:
            return "CertificateAlreadyVoided"
        refused = self.check_key(key, cert.importing if cert.root else cert.exporting, now)
        if refused:
            return refused
        cert.status = VOIDED
        return None

    def issuer_valid(self, number: str) -> bool:
        cert = self.certs[number]
        return self.keys[cert.issuer].valid_until > cert.issued_at

    def roots_of(self, number: str) -> set[str]:
        """The roots ``number``'s carats come from, along every path."""
        found, stack = set(), [number]
        while stack:
            n = stack.pop()
            if self.certs[n].root:
                found.add(n)
            stack += [parent for parent, _ in self.certs[n].parents]
        return found
