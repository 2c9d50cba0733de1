"""Stateful property test: random sequences of registry and certificate operations, proposals of
the plenary, objections, withdrawals and executions, and time passing, run against the deployed
contracts and against the plain-Python model in tests/model.py. After every step the chain and the
model agree on every participant, authority key, certificate and proposal (and no certificate ever
changes holder); since the model lets someone in only when a proposal is executed after a notice
period free of objection, no standing, lifted embargo or key takes effect on chain otherwise.

Profiles: `ci` (the default: about 40 s), `long` (HYPOTHESIS_PROFILE=long: about 7 minutes) and
`deep` (HYPOTHESIS_PROFILE=deep: hours).
"""

from __future__ import annotations

import copy
import inspect
import os

import pytest
from eth_account import Account
from eth_tester import EthereumTester, PyEVMBackend
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from web3 import EthereumTesterProvider, Web3

from kp_py import KP, Document, provenance
from kp_py.document import PaperCertificate, Production
from kp_py.errors import ContractRevert
from kp_py.plenary import Proposal, decision
from kp_py.records import seconds
from kp_py.roots import Root
from tests.conftest import OPEN_END, STOCK, Chain, advance_to, document_data, stock
from tests.model import CONFIRMED, NOTICE, Model

settings.register_profile("ci", max_examples=8, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("long", max_examples=40, stateful_step_count=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("deep", max_examples=300, stateful_step_count=80, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

CODES = ("AE", "BW", "CF", "EU")
DAY = 86_400


class World:
    """One chain for every example: the contracts are deployed once, with the four participants
    admitted, one authority key each (keys 0 to 3; keys 4 and 5 are free) and their STOCK production
    registered; each example starts from a snapshot of that state, and so does its model."""

    def __init__(self) -> None:
        self.tester = EthereumTester(
            PyEVMBackend(genesis_state=PyEVMBackend.generate_genesis_state(num_accounts=14))
        )
        self.web3 = Web3(EthereumTesterProvider(self.tester))
        self.chain = Chain(self.tester, self.web3)
        self.accounts = [Account.from_key(k.to_bytes()) for k in self.tester.backend.account_keys]
        # admin, Chair and secretariat
        self.kp = KP.deploy(self.web3, self.accounts[0], notice_period=NOTICE)
        self.keys = self.accounts[1:7]
        self.model = Model()
        admissions = [decision("admit", c.encode(), f"Participant {c}") for c in CODES]
        keys = [
            decision("addAuthority", self.keys[i].address, c.encode(), 0, OPEN_END)
            for i, c in enumerate(CODES)
        ]
        for kind, calls in (("admit", admissions), ("key", keys)):
            proposal = self.kp.propose(calls)
            for i, code in enumerate(CODES):  # the model's proposals are one call each
                args = (code,) if kind == "admit" else (self.keys[i].address, code)
                self.model.propose(kind, args, seconds(proposal.proposed_at))
            advance_to(self.web3, seconds(proposal.ready_at))
            now = self.chain.pending_time()
            for id in range(len(self.model.proposals) - 3, len(self.model.proposals) + 1):
                assert self.model.execute(id, now) is None
            self.kp.execute(proposal.id)
        self.ids = {id: 1 if id <= len(CODES) else 2 for id in self.model.proposals}  # model id -> chain id
        for i, code in enumerate(CODES):
            now = self.chain.pending_time()
            made = stock(code)
            assert self.model.register_production(self.keys[i].address, STOCK, code, made.carats, now) is None
            self.kp.with_account(self.keys[i]).register_production(made)
        self.snapshot = self.chain.snapshot()


_world: World | None = None


def world() -> World:
    global _world
    if _world is None:
        _world = World()
    return _world


class Rules(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.world = world()
        self.world.chain.revert(self.world.snapshot)
        self.world.snapshot = self.world.chain.snapshot()
        self.chain = self.world.chain
        self.governance = self.world.kp
        self.keys = self.world.keys
        self.holders = [a.address for a in self.world.accounts[7:10]]
        self.model = copy.deepcopy(self.world.model)
        self.serial = 0
        self.holder_of: dict[str, str] = {}
        self.ids = dict(self.world.ids)
        self.anyone = KP(self.world.web3, self.governance.deployment, self.world.accounts[10])

    # ------------------------------------------------------------------ helpers

    def now(self) -> int:
        return self.chain.pending_time()

    def expect(self, refusal: str | None, call, label: str = "") -> None:
        """Run ``call`` on chain; it must succeed if the model accepted, or refuse with its error."""
        try:
            call()
        except ContractRevert as error:
            assert refusal == error.error, f"chain refused with {error.error}, the model with {refusal}"
        else:
            assert refusal is None, f"chain accepted, the model refused with {refusal}"
        event(f"{label or inspect.stack()[1].function}: {refusal or 'accepted'}")

    def known_numbers(self) -> list[str]:
        return sorted(self.model.certs)

    # ------------------------------------------------------------------ registry rules

    def proposed(self, kind, args, proposal: Proposal) -> None:
        """Record on the model a proposal just made on chain."""
        assert isinstance(proposal, Proposal) and proposal.state == "pending"
        id = self.model.propose(kind, args, seconds(proposal.proposed_at))
        self.ids[id] = proposal.id
        event(f"propose {kind}")

    @rule(code=st.sampled_from(CODES))
    def admit(self, code):
        self.now()
        self.proposed("admit", (code,), self.governance.admit(code, f"Participant {code}"))

    @rule(code=st.sampled_from(CODES), self_suspension=st.booleans())
    def suspend(self, code, self_suspension):
        now = self.now()
        refusal = self.model.change(code, 1, 2, now)
        self.expect(refusal, lambda: self.governance.suspend(code, self_suspension=self_suspension))

    @rule(code=st.sampled_from(CODES))
    def reinstate(self, code):
        self.now()
        self.proposed("reinstate", (code,), self.governance.reinstate(code))

    @rule(code=st.sampled_from(CODES))
    def withdraw(self, code):
        now = self.now()
        self.expect(self.model.withdraw(code, now), lambda: self.governance.withdraw(code))

    # ------------------------------------------------------------------ plenary rules

    def pick(self, which: int) -> int:
        """A model proposal id: one still pending when there is any (so objections and executions
        often get through), else any."""
        pending = [id for id, p in self.model.proposals.items() if p.state == "pending"]
        pool = pending or list(self.model.proposals)
        return pool[which % len(pool)]

    @rule(which=st.integers(0, 50), key=st.integers(0, 5), code=st.sampled_from(CODES))
    def object(self, which, key, code):
        self.object_to(self.pick(which), key, code)

    def object_to(self, id, key, code):
        now = self.now()
        refusal = self.model.object(id, self.keys[key].address, code, now)
        objector = KP(self.world.web3, self.governance.deployment, self.keys[key])
        self.expect(refusal, lambda: objector.object_to(self.ids[id], code))

    @rule(which=st.integers(0, 50), key=st.integers(0, 3))
    def object_own(self, which, key):
        """A participant's first key objects for it (often accepted)."""
        self.object(which, key, CODES[key])

    @rule(which=st.integers(0, 50))
    def withdraw_proposal(self, which):
        id = self.pick(which)
        self.now()
        refusal = self.model.withdraw_proposal(id)
        self.expect(refusal, lambda: self.governance.withdraw_proposal(self.ids[id]))

    @rule(which=st.integers(0, 50), wait=st.booleans())
    def execute(self, which, wait):
        """Anyone executes; ``wait``: once the proposal's notice period has passed."""
        self.execute_id(self.pick(which), wait)

    def execute_id(self, id, wait):
        if wait:
            ready = self.model.proposals[id].proposed_at + NOTICE
            if ready > self.chain.time():
                self.chain.travel(ready - self.chain.time())
        now = self.now()
        refusal = self.model.execute(id, now)
        self.expect(
            refusal, lambda: self.anyone.execute(self.ids[id]), f"execute {self.model.proposals[id].kind}"
        )

    @rule(code=st.sampled_from(CODES), objector=st.one_of(st.none(), st.integers(0, 3)))
    def decision_typical(self, code, objector):
        """A decision that can take effect (readmit, reinstate or lift, as ``code``'s state allows),
        perhaps objected to by a participant's first key, then the notice period, then execution."""
        p = self.model.participant(code)
        if p.standing in (0, 3):
            self.admit(code)
        elif p.standing == 2:
            self.reinstate(code)
        else:
            self.lift(code, "exports" if p.exports[0] else "imports")
        id = len(self.model.proposals)  # the one just proposed
        if objector is not None:
            self.object_to(id, objector, CODES[objector])
        self.execute_id(id, True)

    @rule(seconds_=st.integers(1, 2 * NOTICE))
    def a_little_time_passes(self, seconds_):
        self.chain.travel(seconds_)

    @rule(
        code=st.sampled_from(CODES),
        scope=st.sampled_from(["exports", "imports"]),
        start=st.integers(-30, 30),
        length=st.one_of(st.just(0), st.integers(-2, 60)),
        zones=st.lists(st.sampled_from(["Nola", "Carnot", "Boda"]), max_size=2, unique=True),
        zone_code=st.sampled_from(CODES),
    )
    def set_embargo(self, code, scope, start, length, zones, zone_code):
        now = self.now()
        since = max(1, now + start * DAY)
        until = 0 if length == 0 else since + length * DAY
        named = tuple(f"{zone_code}/{z}" for z in zones)
        if self.model.loosens(code, scope, since, until, named, now):
            made = self.governance.set_embargo(code, scope, since, named, until=until or None)
            self.proposed("embargo", (code, scope, since, until, named), made)
            return
        refusal = self.model.set_embargo(code, scope, since, until, named)
        self.expect(
            refusal, lambda: self.governance.set_embargo(code, scope, since, named, until=until or None)
        )

    @rule(code=st.sampled_from(CODES), scope=st.sampled_from(["exports", "imports"]))
    def lift(self, code, scope):
        self.now()
        self.proposed("lift", (code, scope), self.governance.lift_embargo(code, scope))

    @rule(key=st.integers(0, 5), code=st.sampled_from(CODES), by_proposal=st.booleans())
    def add_key(self, key, code, by_proposal):
        now = self.now()
        address = self.keys[key].address
        if by_proposal:
            self.proposed(
                "key", (address, code), self.governance.add_authority(address, code, by_proposal=True)
            )
            return
        self.expect(
            self.model.add_key(address, code, now),
            lambda: self.governance.add_authority(address, code, by_proposal=False),
        )

    @rule(acceptor=st.one_of(st.none(), st.integers(0, 5)), key=st.integers(0, 5))
    def accept_key(self, acceptor, key):
        """A key's consent to another of its participant's (``acceptor`` None: the Chair's)."""
        now = self.now()
        address = self.keys[key].address
        caller = None if acceptor is None else self.keys[acceptor].address
        client = (
            self.governance
            if acceptor is None
            else KP(self.world.web3, self.governance.deployment, self.keys[acceptor])
        )
        self.expect(self.model.accept(caller, address, now), lambda: client.accept_authority(address))

    @rule(key=st.integers(0, 5), code=st.sampled_from(CODES))
    def add_and_accept(self, key, code):
        """A proposal and the consent of the participant's first key, so that second keys get in."""
        self.add_key(key, code, False)
        self.accept_key(CODES.index(code), key)

    @rule(key=st.integers(0, 5))
    def retire(self, key):
        now = self.now()
        address = self.keys[key].address
        self.expect(self.model.retire(address, now), lambda: self.governance.retire_authority(address))

    @rule(key=st.integers(0, 5), back=st.integers(-5, 5))
    def disable(self, key, back):
        now = self.now()
        address, since = self.keys[key].address, max(0, now + back * DAY)
        self.expect(
            self.model.disable(address, since), lambda: self.governance.disable_authority(address, since)
        )

    # ------------------------------------------------------------------ certificate rules

    @rule(
        key=st.one_of(st.none(), st.integers(0, 5)),
        exporting=st.sampled_from(CODES),
        importing=st.sampled_from(CODES),
        origins=st.lists(st.sampled_from(["AE", "BW", "CF", "CF/Nola", "CF/Bangui", "EU", "ZA"]), min_size=1,
                         max_size=3),
        holder=st.integers(0, 2),
        days=st.integers(1, 90),
    )  # fmt: skip
    def issue(self, key, exporting, importing, origins, holder, days, carats=125_050, parents=()):
        """``key`` None: the exporter's own first key (so that issues often get through)."""
        key = CODES.index(exporting) if key is None else key
        now = self.now()
        self.serial += 1
        number = f"{exporting}-{self.serial}"
        origins = list(dict.fromkeys(origins))
        if not parents and origins == [exporting]:  # a first export draws on its STOCK production
            parents = ((f"{exporting}#{STOCK}", carats),)
        expires_day = days  # the document's expiry date: `days` days after today's UTC date
        document = Document.from_dict(
            document_data(
                number=number, exporting=exporting, importing=importing if importing != exporting else "ZZ",
                origins=origins, holder=self.holders[holder],
                carats=f"{carats // 100}.{carats % 100:02d}",
                parents=[_draw(p, c) for p, c in parents],
            )
            | {"expires": _date_after(now, expires_day), "issued": _date_after(now, 0)}
        )  # fmt: skip
        if importing == exporting:
            document = _with(document, importing=exporting)
        signer = self.keys[key]
        refusal = self.model.issue(
            signer.address,
            number,
            document.importing,
            document.origins,
            document.holder,
            document.expires_at,
            now,
            carats,
            tuple(parents),
        )
        self.expect(
            refusal,
            lambda: KP(self.world.web3, self.governance.deployment, self.keys[key]).issue(document),
            "re-export" if any(p[2] == "-" for p, _ in parents) else "issue",
        )
        if refusal is None:
            self.holder_of[number] = document.holder

    @rule(
        key=st.one_of(st.none(), st.integers(0, 5)),
        code=st.sampled_from(CODES),
        zone=st.sampled_from([None, "Nola", "Carnot"]),
        carats=st.integers(1, 10**7),
    )
    def register_production(self, key, code, zone, carats):
        key = CODES.index(code) if key is None else key
        now = self.now()
        self.serial += 1
        origin = f"{code}/{zone}" if zone else code
        made = Production.from_dict(
            {"lot": f"L-{self.serial}", "origin": origin, "carats": _amount(carats),
             "from": _date_after(now, -90), "to": _date_after(now, -1)}
        )  # fmt: skip
        refusal = self.model.register_production(self.keys[key].address, made.lot, origin, carats, now)
        client = KP(self.world.web3, self.governance.deployment, self.keys[key])
        self.expect(refusal, lambda: client.register_production(made))

    @rule(
        key=st.one_of(st.none(), st.integers(0, 5)),
        route=st.permutations((*CODES, "ZA")),
        origins=st.lists(st.sampled_from(["AE", "BW", "CF", "CF/Nola", "EU", "ZA"]), min_size=1, max_size=3),
        carats=st.integers(1, 10**7),
        again=st.booleans(),
    )  # fmt: skip
    def register_paper(self, key, route, origins, carats, again):
        """A paper certificate received by ``route[1]`` from ``route[0]``; ``again`` reuses a number."""
        exporting, importing = route[0], route[1]
        if importing == "ZA":
            importing = "AE"
        key = CODES.index(importing) if key is None else key
        now = self.now()
        self.serial += 0 if again else 1
        number = f"{exporting}-P{self.serial}"
        paper = PaperCertificate.from_dict(
            {"number": number, "importing": importing, "origins": list(dict.fromkeys(origins)),
             "carats": _amount(carats), "value_usd": "1.00", "parcels": 1, "hs_code": "7102.10",
             "issued": _date_after(now, -10), "expires": _date_after(now, 30)}
        ) if exporting != importing else None  # fmt: skip
        if paper is None:
            return
        refusal = self.model.register_paper(
            self.keys[key].address, number, importing, paper.origins, carats, now
        )
        client = KP(self.world.web3, self.governance.deployment, self.keys[key])
        self.expect(refusal, lambda: client.register_paper(paper))

    @rule(key=st.one_of(st.none(), st.integers(0, 5)), which=st.integers(0, 50))
    def confirm(self, key, which):
        numbers = self.known_numbers()
        if not numbers:
            return
        now = self.now()
        number = numbers[which % len(numbers)]
        key = CODES.index(self.model.certs[number].importing) if key is None else key
        client = KP(self.world.web3, self.governance.deployment, self.keys[key])
        self.expect(
            self.model.confirm(self.keys[key].address, number, now), lambda: client.confirm_receipt(number)
        )

    @rule(key=st.one_of(st.none(), st.integers(0, 5)), which=st.integers(0, 50))
    def void(self, key, which):
        numbers = self.known_numbers()
        if not numbers:
            return
        now = self.now()
        number = numbers[which % len(numbers)]
        key = CODES.index(number[:2]) if key is None and number[:2] in CODES else key or 0
        client = KP(self.world.web3, self.governance.deployment, self.keys[key])
        self.expect(
            self.model.void(self.keys[key].address, number, now), lambda: client.void(number, "fraud")
        )

    # The rules above draw every argument freely, so most issues are refused; these typical ones
    # (the exporter's own key, a different importer, its own rough) keep certificates flowing, so
    # that confirmations, voids and expiry are exercised as much as the refusals.
    @rule(pair=st.permutations(CODES), holder=st.integers(0, 2), days=st.integers(1, 90))
    def issue_typical(self, pair, holder, days):
        exporting, importing = pair[0], pair[1]
        self.issue(None, exporting, importing, [exporting], holder, days)

    @rule(
        which=st.lists(st.integers(0, 50), min_size=1, max_size=3),
        importing=st.sampled_from(CODES),
        takes=st.lists(st.sampled_from(["all", "half", "one", "over"]), min_size=3, max_size=3),
        extra=st.sampled_from([None, None, "own", "ZA", "CF/Nola"]),
        skew=st.sampled_from([0, 0, 0, -1, 1]),
        holder=st.integers(0, 2),
        typical=st.booleans(),
    )
    def re_export(self, which, importing, takes, extra, skew, holder, typical):
        """Draw on earlier certificates: the exporter is the first parent's importer, so parents are
        often valid; ``typical`` picks confirmed parents and another importer. The amounts, origins
        and carats are sometimes off by one, or over the balance."""
        numbers = self.known_numbers()
        if typical:
            numbers = [n for n in numbers if self.model.certs[n].status == CONFIRMED] or numbers
        if not numbers:
            return
        parents = list(dict.fromkeys(numbers[w % len(numbers)] for w in which))
        exporting = self.model.certs[parents[0]].importing
        # A document names roots of its own exporter only (another's is refused on chain, tested apart).
        parents = [
            p for p in parents if not self.model.certs[p].root or self.model.certs[p].importing == exporting
        ]
        if typical and importing == exporting:
            importing = CODES[(CODES.index(exporting) + 1) % len(CODES)]
        draws = []
        for parent, take in zip(parents, takes, strict=False):
            cert = self.model.certs[parent]
            left = cert.carats - cert.drawn
            draws.append(
                (parent, {"all": max(1, left), "half": max(1, left // 2), "one": 1, "over": left + 1}[take])
            )
        origins = [o for p in parents for o in self.model.certs[p].origins]
        if extra is not None:
            origins.append(exporting if extra == "own" else extra)
        if skew and origins and not typical:  # drop an origin: relabelling, refused
            origins = origins[1:] or origins
        origins = list(dict.fromkeys(origins))[:8]
        carats = max(1, sum(drawn for _, drawn in draws) + skew)
        self.issue(None, exporting, importing, origins, holder, 60, carats, draws)

    @rule(which=st.lists(st.integers(0, 50), min_size=1, max_size=3), importing=st.sampled_from(CODES),
          half=st.booleans(), holder=st.integers(0, 2))  # fmt: skip
    def re_export_typical(self, which, importing, half, holder):
        self.re_export(which, importing, ["half" if half else "all"] * 3, None, 0, holder, True)

    @rule(route=st.permutations(CODES), half=st.booleans(), holder=st.integers(0, 2))
    def ship_then_re_export(self, route, half, holder):
        """A whole hop at once: A ships to B, B confirms, B re-exports (half or all of it) to C. Each
        step still goes through the model and the chain, so refusals (a suspended B, a retired key)
        are compared as everywhere else; but when the registry allows it, re-exports get through."""
        first, second, third = route[:3]
        self.issue(None, first, second, [first], holder, 60)
        number = f"{first}-{self.serial}"
        if number not in self.model.certs:
            return
        self.confirm(None, self.known_numbers().index(number))
        index = self.known_numbers().index(number)
        self.re_export([index], third, ["half" if half else "all"], None, 0, holder, False)

    @rule(which=st.integers(0, 50))
    def confirm_typical(self, which):
        self.confirm(None, which)

    @rule(which=st.integers(0, 50))
    def void_typical(self, which):
        self.void(None, which)

    @rule(days=st.integers(1, 40))
    def time_passes(self, days):
        self.chain.travel(days * DAY)

    # ------------------------------------------------------------------ agreement

    @invariant()
    def chain_and_model_agree(self):
        if not hasattr(self, "model"):
            return
        kp = self.governance
        stored = ("unknown", "pending", "withdrawn", "objected", "executed")
        for id, expected in self.model.proposals.items():
            (_, _, state, objector, _), _, _, _ = kp.plenary.functions.proposal(self.ids[id]).call()
            if self.ids[id] in (1, 2):  # the founders' batches
                assert stored[state] == "executed"
                continue
            assert (stored[state], objector.decode() if expected.objector else objector) == (
                expected.state,
                expected.objector or bytes(2),
            ), id
        for code, p in self.model.participants.items():
            if p.standing == 0:
                continue
            on_chain = kp.registry.functions.participant(code.encode()).call()
            standing, admissions, key_count, _, ex_since, ex_until, im_since, im_until = on_chain
            assert (standing, admissions, key_count) == (p.standing, p.admissions, p.key_count), code
            assert (ex_since, ex_until, im_since, im_until) == (*p.exports, *p.imports), code
            zones = [
                z.rstrip(b"\0").decode() for z in kp.registry.functions.compliantZones(code.encode()).call()
            ]
            assert tuple(zones) == p.zones, code
        for key in self.keys:
            participant, valid_from, valid_until = kp.registry.functions.pendingAuthority(key.address).call()
            expected = self.model.pending.get(key.address)
            assert (participant.decode() if expected else participant, valid_from, valid_until) == (
                expected or (bytes(2), 0, 0)
            ), key.address
        for address, k in self.model.keys.items():
            participant, index, admission, valid_from, valid_until = kp.registry.functions.authority(
                address
            ).call()
            assert (participant.decode(), index, admission, valid_from, valid_until) == (
                k.participant, k.index, k.admission, k.valid_from, k.valid_until)  # fmt: skip
        now = self.chain.time()
        numbers = self.known_numbers()
        records = dict(zip(numbers, kp.records_of(numbers), strict=True))
        for number, cert in records.items():
            assert cert is not None, number
            expected = self.model.certs[number]
            if isinstance(cert, Root):
                assert cert.status == ("voided" if expected.status == 3 else "registered"), number
                assert (cert.issuer, cert.carats, cert.drawn) == (
                    expected.issuer,
                    expected.carats,
                    expected.drawn,
                )
                assert (
                    cert.origins == expected.origins
                    and cert.issuer_valid_at_issue == self.model.issuer_valid(number)
                )
                continue
            expected_status = ("unknown", "issued", "receipt confirmed", "voided", "expired")[
                self.model.status(number, now)
            ]
            assert cert.status == expected_status, number
            assert cert.holder == self.holder_of[number] == self.model.certs[number].holder  # never moves
            assert cert.issuer_valid_at_issue == self.model.issuer_valid(number), number
            assert cert.issuer == self.model.certs[number].issuer, number
            expected = self.model.certs[number]
            assert cert.drawn == expected.drawn <= expected.carats == cert.carats, number
            assert [(p.number, p.carats) for p in cert.parents] == list(expected.parents), number
        # Conservation from every root: what children drew from a certificate or a root is what it
        # counts as drawn, never more than its carats, and every certificate carries exactly what it
        # drew. Origins follow the carats: a certificate's origins are the union of its roots' along
        # every path, on chain and as the client computes them from its provenance.
        drawn_from: dict[str, int] = {}
        for number, cert in self.model.certs.items():
            for parent, carats in cert.parents:
                drawn_from[parent] = drawn_from.get(parent, 0) + carats
            if not cert.root:
                assert sum(c for _, c in cert.parents) == cert.carats, number
                roots = self.model.roots_of(number)
                assert set(cert.origins) == {o for r in roots for o in self.model.certs[r].origins}, number
                computed = provenance.status(number, records)  # type: ignore[arg-type]
                assert set(computed.origins) == set(records[number].origins), number
        for number, cert in self.model.certs.items():
            assert drawn_from.get(number, 0) == cert.drawn <= cert.carats, number


def _amount(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _draw(parent: str, carats: int) -> dict[str, str]:
    """A document's parent entry for the model's id of a certificate or a root."""
    kind = {"#": "production", ":": "paper"}.get(parent[2], "number")
    return {kind: parent[3:] if kind != "number" else parent, "carats": _amount(carats)}


def _date_after(now: int, days: int) -> str:
    from datetime import datetime, timedelta, timezone

    return (datetime.fromtimestamp(now, tz=timezone.utc).date() + timedelta(days=days)).isoformat()


def _with(document: Document, **changes) -> Document:
    from dataclasses import replace

    return replace(document, **changes)


Rules.TestCase.settings = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
test_rules = pytest.mark.slow(Rules.TestCase)
